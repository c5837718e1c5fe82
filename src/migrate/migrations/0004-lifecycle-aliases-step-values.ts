/**
 * What MLflow's clients need and any caller can use (docs/decisions/0900-mlflow-adapter-shape.md):
 * soft delete of runs and experiments, an experiment's artifact location, model aliases,
 *, and the further values logged at a metric step (decision 0901).
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const NAME = 'varchar(250)';
const DOUBLE = 'double precision';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.alterTable('training_runs').addColumn('deleted_at', 'bigint').execute();
  await db.schema.alterTable('experiments').addColumn('deleted_at', 'bigint').execute();
  await db.schema.alterTable('experiments').addColumn('artifact_location', backend.textType).execute();

  await backend
    .withTableOptions(db.schema.createTable('model_aliases'))
    .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id').onDelete('cascade'))
    .addColumn('alias', NAME, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_aliases_pk', ['model_id', 'alias'])
    .execute();

  // The values of a step other than the one `metrics` holds for it, kept when a batch asks to.
  await backend
    .withTableOptions(db.schema.createTable('metric_step_values'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    // 1, 2, 3 … among the further values of one step, in the order they were kept.
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('value', DOUBLE)
    .addColumn('value_kind', 'smallint', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('logged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_step_values_pk', ['run_id', 'name', 'step', 'seq'])
    .execute();
  await db.schema.createIndex('training_runs_deleted_at_idx').on('training_runs').columns(['deleted_at']).execute();
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.dropTable('metric_step_values').execute();
  await db.schema.dropTable('model_aliases').execute();
  // Only MySQL scopes index names to a table (DROP INDEX … ON …); SQLite and PostgreSQL refuse the ON.
  const dropRunsIndex = db.schema.dropIndex('training_runs_deleted_at_idx');
  await (backend.capabilities.tableScopedIndexNames ? dropRunsIndex.on('training_runs') : dropRunsIndex).execute();
  await db.schema.alterTable('experiments').dropColumn('artifact_location').execute();
  await db.schema.alterTable('experiments').dropColumn('deleted_at').execute();
  await db.schema.alterTable('training_runs').dropColumn('deleted_at').execute();
}
