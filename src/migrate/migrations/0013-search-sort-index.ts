/**
 * Indexes for searching runs at scale (docs/decisions/0803-search-along-sort-indexes.md):
 * - `metric_summaries (name, last_value, run_id)`: runs sorted by a metric's last value are read in
 *   value order, so a first page of 100 reads a few hundred summaries instead of sorting every
 *   matching run; `run_id` last matches the search's tie-break (newest run first among equal values);
 * - `hyperparameters (name, value_number, run_id)` in place of `(name, value_number)`: a filter such
 *   as `params.lr < 1e-3` lists its runs from the index alone (SQLite's index held the row id, not
 *   the run id, so each match cost a table read).
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.createIndex('metric_summaries_name_last_idx').on('metric_summaries').columns(['name', 'last_value', 'run_id']).execute();
  await db.schema.createIndex('hyperparameters_name_number_run_idx').on('hyperparameters').columns(['name', 'value_number', 'run_id']).execute();
  await dropIndex(db, backend, 'hyperparameters', 'hyperparameters_name_number_idx');
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.createIndex('hyperparameters_name_number_idx').on('hyperparameters').columns(['name', 'value_number']).execute();
  await dropIndex(db, backend, 'hyperparameters', 'hyperparameters_name_number_run_idx');
  await dropIndex(db, backend, 'metric_summaries', 'metric_summaries_name_last_idx');
}

function dropIndex(db: Kysely<any>, backend: Backend, table: string, index: string): Promise<void> {
  const statement = db.schema.dropIndex(index);
  return (backend.capabilities.tableScopedIndexNames ? statement.on(table) : statement).execute();
}
