/**
 * The datasets a run used, each in a role (`train`, `eval` …) with tags of its own: MLflow's run
 * inputs (`mlflow.log_input`), kept for every caller (docs/decisions/0905).
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await backend
    .withTableOptions(db.schema.createTable('run_inputs'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('dataset_id', 'bigint', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('context', 'varchar(255)')
    .addColumn('tags', backend.jsonType, (c) => c.notNull())
    .addColumn('logged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_inputs_pk', ['run_id', 'dataset_id'])
    .execute();
  // "Which runs used this dataset" is the other way people ask.
  await db.schema.createIndex('run_inputs_dataset_idx').on('run_inputs').columns(['dataset_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('run_inputs').execute();
}
