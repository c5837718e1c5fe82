/** The nine tables of the seed, plus metric summaries kept with every metric write. */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const NAME = 'varchar(250)';
const STATUS = 'varchar(16)';
const DOUBLE = 'double precision';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  const json = backend.jsonType;
  const text = backend.textType;
  const table = (name: string) => backend.withTableOptions(db.schema.createTable(name));

  await table('models')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('description', text)
    .addColumn('framework', NAME)
    .addColumn('task', NAME)
    .addColumn('architecture', NAME)
    .addColumn('tags', json, (c) => c.notNull())
    .addColumn('metadata', json, (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await table('datasets')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('version', NAME, (c) => c.notNull())
    .addColumn('description', text)
    .addColumn('source_uri', text)
    .addColumn('format', NAME)
    .addColumn('sample_count', 'bigint')
    .addColumn('splits', json, (c) => c.notNull())
    .addColumn('data_schema', json, (c) => c.notNull())
    .addColumn('digest', NAME)
    .addColumn('metadata', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('datasets_name_version_unique', ['name', 'version'])
    .execute();

  // model_versions and training_runs point at each other; the version → run key is added after both
  // exist where ALTER TABLE can, and declared up front on SQLite, which resolves it lazily.
  await table('model_versions')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('description', text)
    .addColumn('checkpoint_uri', text)
    .addColumn('size_bytes', 'bigint')
    .addColumn('sha256', 'varchar(64)')
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('training_run_id', 'bigint', (c) =>
      backend.capabilities.alterAddForeignKey ? c : c.references('training_runs.id').onDelete('set null'),
    )
    .addColumn('dataset_id', 'bigint', (c) => c.references('datasets.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('model_versions_model_version_unique', ['model_id', 'version'])
    .execute();

  await table('training_runs')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('name', NAME)
    .addColumn('model_id', 'bigint', (c) => c.references('models.id').onDelete('set null'))
    .addColumn('model_version_id', 'bigint', (c) => c.references('model_versions.id').onDelete('set null'))
    .addColumn('dataset_id', 'bigint', (c) => c.references('datasets.id').onDelete('set null'))
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('tags', json, (c) => c.notNull())
    .addColumn('notes', text)
    .addColumn('error', text)
    .addColumn('started_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  if (backend.capabilities.alterAddForeignKey) {
    await db.schema
      .alterTable('model_versions')
      .addForeignKeyConstraint('model_versions_training_run_fk', ['training_run_id'], 'training_runs', ['id'], (c) =>
        c.onDelete('set null'),
      )
      .execute();
  }

  await table('hyperparameters')
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('value', json, (c) => c.notNull())
    .addColumn('value_number', DOUBLE)
    .addPrimaryKeyConstraint('hyperparameters_pk', ['run_id', 'name'])
    .execute();

  // The time-series table: keyed by (run, name, step) and nothing else, so the key stays lean.
  await table('metrics')
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('value', DOUBLE)
    .addColumn('value_kind', 'smallint', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('logged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_pk', ['run_id', 'name', 'step'])
    .execute();

  await table('metric_summaries')
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('last_value', DOUBLE)
    .addColumn('last_kind', 'smallint', (c) => c.notNull())
    .addColumn('last_step', 'bigint', (c) => c.notNull())
    .addColumn('last_logged_at', 'bigint', (c) => c.notNull())
    .addColumn('min_value', DOUBLE)
    .addColumn('max_value', DOUBLE)
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_summaries_pk', ['run_id', 'name'])
    .execute();

  await table('experiments')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('description', text)
    .addColumn('hypothesis', text)
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('tags', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await table('experiment_runs')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('experiment_runs_pk', ['experiment_id', 'run_id'])
    .execute();

  await table('predictions')
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('model_version_id', 'bigint', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
    .addColumn('input', json, (c) => c.notNull())
    .addColumn('output', json, (c) => c.notNull())
    .addColumn('ground_truth', json)
    .addColumn('confidence', DOUBLE)
    .addColumn('latency_ms', DOUBLE)
    .addColumn('predicted_at', 'bigint', (c) => c.notNull())
    .addColumn('metadata', json, (c) => c.notNull())
    .execute();

  const index = (name: string, on: string, columns: string[]) =>
    db.schema.createIndex(name).on(on).columns(columns).execute();
  await index('model_versions_status_idx', 'model_versions', ['status']);
  await index('model_versions_training_run_idx', 'model_versions', ['training_run_id']);
  await index('model_versions_dataset_idx', 'model_versions', ['dataset_id']);
  await index('training_runs_status_idx', 'training_runs', ['status']);
  await index('training_runs_started_at_idx', 'training_runs', ['started_at']);
  await index('training_runs_model_idx', 'training_runs', ['model_id']);
  await index('training_runs_model_version_idx', 'training_runs', ['model_version_id']);
  await index('training_runs_dataset_idx', 'training_runs', ['dataset_id']);
  await index('experiments_status_idx', 'experiments', ['status']);
  await index('experiment_runs_run_idx', 'experiment_runs', ['run_id']);
  await index('predictions_model_version_time_idx', 'predictions', ['model_version_id', 'predicted_at']);
  await index('predictions_time_idx', 'predictions', ['predicted_at']);
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  if (backend.capabilities.alterAddForeignKey) {
    // Break the version ↔ run cycle so the tables can go in reverse order.
    await db.schema.alterTable('model_versions').dropConstraint('model_versions_training_run_fk').execute();
  }
  for (const name of [
    'predictions',
    'experiment_runs',
    'experiments',
    'metric_summaries',
    'metrics',
    'hyperparameters',
    'training_runs',
    'model_versions',
    'datasets',
    'models',
  ]) {
    await db.schema.dropTable(name).execute();
  }
}
