/**
 * What the run query language needs (docs/decisions/0800-0802):
 * - typed hyperparameter columns: `value_text` beside `value_number`, both filled from the JSON value
 *   by the store's one rule (`hyperparameterColumns`), with indexes on (name, value) so
 *   `params.lr < 1e-3` is a range read; existing rows are backfilled in keyset batches;
 * - tags on model versions, for per-key tag operations on every tagged entity;
 * - `search_documents` with each backend's full-text index, filled from the existing rows.
 */
import { sql, type Kysely } from 'kysely';
import type { JsonValue } from '../../core/entities.js';
import { hyperparameterColumns } from '../../core/query/values.js';
import type { Backend } from '../../store/backends/backend.js';
// The one migration that still runs store code (the search documents' fill); freezing it is left for
// a change that may rewrite it, as 0002 was (decision 0131).
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { fillSearchDocuments } from '../../store/sql/text-search.js';

const BATCH = 1_000;

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.alterTable('hyperparameters').addColumn('value_text', backend.textType as never).execute();
  // Model versions get tags like runs, experiments and models (per-key tag operations).
  await db.schema.alterTable('model_versions').addColumn('tags', backend.jsonType).execute();
  await db.updateTable('model_versions').set({ tags: '{}' }).execute();
  await backfill(db);
  await db.schema.createIndex('hyperparameters_name_number_idx').on('hyperparameters').columns(['name', 'value_number']).execute();
  const textKey = backend.textIndexKey('value_text');
  if (textKey !== undefined) {
    await db.schema
      .createIndex('hyperparameters_name_text_idx')
      .on('hyperparameters')
      .expression(sql`${sql.ref('name')}, ${textKey}`)
      .execute();
  }

  await backend
    .withTableOptions(db.schema.createTable('search_documents'))
    .addColumn('entity', 'varchar(16)', (c) => c.notNull())
    .addColumn('entity_id', 'bigint', (c) => c.notNull())
    .addColumn('title', 'varchar(250)', (c) => c.notNull())
    .addColumn('body', backend.textType as never, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('search_documents_pk', ['entity', 'entity_id'])
    .execute();
  await backend.createTextIndex(db);
  await fillSearchDocuments(db, Date.now());
}

async function backfill(db: Kysely<any>): Promise<void> {
  let after: { run_id: number; name: string } | undefined;
  for (;;) {
    let query = db.selectFrom('hyperparameters').select(['run_id', 'name', 'value']).orderBy('run_id').orderBy('name').limit(BATCH);
    if (after !== undefined) {
      const { run_id: runId, name } = after;
      query = query.where((eb) => eb.or([eb('run_id', '>', runId), eb.and([eb('run_id', '=', runId), eb('name', '>', name)])]));
    }
    const rows = await query.execute();
    if (rows.length === 0) return;
    // One transaction a batch; the migrator already holds one where DDL is transactional.
    const inBatch = (fn: (handle: Kysely<any>) => Promise<void>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
    await inBatch(async (trx) => {
      for (const row of rows) {
        const value = JSON.parse(String(row.value)) as JsonValue;
        const { valueNumber, valueText } = hyperparameterColumns(value);
        await trx
          .updateTable('hyperparameters')
          .set({ value_number: valueNumber, value_text: valueText })
          .where('run_id', '=', row.run_id)
          .where('name', '=', row.name)
          .execute();
      }
    });
    const last = rows[rows.length - 1]!;
    after = { run_id: Number(last.run_id), name: String(last.name) };
  }
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  await backend.dropTextIndex(db);
  await db.schema.dropTable('search_documents').execute();
  const dropIndex = (name: string) => {
    const statement = db.schema.dropIndex(name);
    return (backend.capabilities.tableScopedIndexNames ? statement.on('hyperparameters') : statement).execute();
  };
  if (backend.textIndexKey('value_text') !== undefined) await dropIndex('hyperparameters_name_text_idx');
  await dropIndex('hyperparameters_name_number_idx');
  await db.schema.alterTable('hyperparameters').dropColumn('value_text').execute();
  await db.schema.alterTable('model_versions').dropColumn('tags').execute();
}
