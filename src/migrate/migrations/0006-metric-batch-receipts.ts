/**
 * Receipts of metric batches sent with a client-chosen batch id (docs/decisions/0520): a batch whose
 * reply was lost and that is sent again is recognised here, in the database, so any number of
 * stateless servers on one database answer the retry without storing its points twice.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await backend
    .withTableOptions(db.schema.createTable('metric_batch_receipts'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('written', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_batch_receipts_pk', ['run_id', 'batch_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('metric_batch_receipts').execute();
}
