/**
 * Runs that tell the truth and a registry that remembers (docs/decisions/1200, 1201, 1202):
 * a run's heartbeat and the moment it counts as lost, soft delete for models and versions, and the
 * registry's event log.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const NAME = 'varchar(250)';

async function dropIndex(db: Kysely<any>, backend: Backend, name: string, table: string): Promise<void> {
  // Only MySQL scopes index names to a table (DROP INDEX … ON …); SQLite and PostgreSQL refuse the ON.
  const drop = db.schema.dropIndex(name);
  await (backend.capabilities.tableScopedIndexNames ? drop.on(table) : drop).execute();
}

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  // The last sign of life of a running run, the window it was given, and when it counts as lost
  // (heartbeat + window), kept as one column so finding lost runs is one index range.
  await db.schema.alterTable('training_runs').addColumn('heartbeat_at', 'bigint').execute();
  await db.schema.alterTable('training_runs').addColumn('heartbeat_timeout_ms', 'bigint').execute();
  await db.schema.alterTable('training_runs').addColumn('lost_after', 'bigint').execute();
  await db.schema.createIndex('training_runs_lost_after_idx').on('training_runs').columns(['lost_after']).execute();

  await db.schema.alterTable('models').addColumn('deleted_at', 'bigint').execute();
  await db.schema.alterTable('model_versions').addColumn('deleted_at', 'bigint').execute();
  await db.schema.createIndex('experiments_deleted_at_idx').on('experiments').columns(['deleted_at']).execute();
  await db.schema.createIndex('models_deleted_at_idx').on('models').columns(['deleted_at']).execute();
  await db.schema.createIndex('model_versions_deleted_at_idx').on('model_versions').columns(['deleted_at']).execute();

  // Every stage change and alias move, oldest first per model. No foreign key: a model's history
  // outlives a version's purge, and is removed with the model by gc.
  await backend
    .withTableOptions(db.schema.createTable('registry_events'))
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('model_id', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer')
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject', NAME)
    .addColumn('from_value', NAME)
    .addColumn('to_value', NAME)
    .addColumn('actor', NAME)
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('registry_events_model_idx').on('registry_events').columns(['model_id', 'id']).execute();
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.dropTable('registry_events').execute();
  await dropIndex(db, backend, 'model_versions_deleted_at_idx', 'model_versions');
  await dropIndex(db, backend, 'models_deleted_at_idx', 'models');
  await dropIndex(db, backend, 'experiments_deleted_at_idx', 'experiments');
  await db.schema.alterTable('model_versions').dropColumn('deleted_at').execute();
  await db.schema.alterTable('models').dropColumn('deleted_at').execute();
  await dropIndex(db, backend, 'training_runs_lost_after_idx', 'training_runs');
  await db.schema.alterTable('training_runs').dropColumn('lost_after').execute();
  await db.schema.alterTable('training_runs').dropColumn('heartbeat_timeout_ms').execute();
  await db.schema.alterTable('training_runs').dropColumn('heartbeat_at').execute();
}
