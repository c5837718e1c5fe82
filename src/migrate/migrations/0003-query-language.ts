/**
 * What the run query language needs (docs/decisions/0800-0802):
 * - typed hyperparameter columns: `value_text` beside `value_number`, both filled from the JSON value
 *   by the store's rule of the time (copied below), with indexes on (name, value) so
 *   `params.lr < 1e-3` is a range read; existing rows are backfilled in keyset batches;
 * - tags on model versions, for per-key tag operations on every tagged entity;
 * - `search_documents` with each backend's full-text index, filled from the existing rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const BATCH = 1_000;

// Frozen copies of the rules as they were when this migration shipped (decision 0131): a later change
// to the store's typed columns or search documents must not change what an old migration writes.

const NUMERIC_TEXT = /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;

/** The typed columns of a hyperparameter's JSON value (the store's rule of version 3). */
function typedColumns(value: unknown): { valueNumber: number | null; valueText: string } {
  if (typeof value === 'number') return { valueNumber: Number.isFinite(value) ? value : null, valueText: JSON.stringify(value) };
  if (typeof value === 'string') {
    const number = NUMERIC_TEXT.test(value) ? Number(value) : Number.NaN;
    return { valueNumber: Number.isFinite(number) ? number : null, valueText: value };
  }
  return { valueNumber: null, valueText: JSON.stringify(value) };
}

/** Searched text per entity, as version 3 defined it. */
const SEARCH_SOURCES = {
  run: { table: 'training_runs', columns: ['name', 'notes'], tags: true },
  model: { table: 'models', columns: ['name', 'description'], tags: true },
  experiment: { table: 'experiments', columns: ['name', 'description'], tags: true },
  dataset: { table: 'datasets', columns: ['name', 'version', 'description'], tags: false },
} as const;

const jsonOf = (stored: unknown): unknown => (typeof stored === 'string' ? JSON.parse(stored) : (stored ?? null));

function searchDocument(entity: keyof typeof SEARCH_SOURCES, row: Record<string, unknown>): { title: string; body: string } {
  const source = SEARCH_SOURCES[entity];
  const parts = source.columns.map((column) => row[column]).filter((value): value is string => typeof value === 'string' && value !== '');
  const tags = source.tags ? jsonOf(row.tags) : null;
  if (tags !== null && typeof tags === 'object') parts.push(...(Object.values(tags) as string[]));
  const title = typeof row.name === 'string' ? row.name : `#${String(row.id)}`;
  return { title, body: parts.join('\n').toLowerCase() };
}

async function fillSearchDocuments(db: Kysely<any>, now: number): Promise<void> {
  for (const entity of Object.keys(SEARCH_SOURCES) as (keyof typeof SEARCH_SOURCES)[]) {
    let after = 0;
    for (;;) {
      const rows = await db.selectFrom(SEARCH_SOURCES[entity].table).selectAll().where('id', '>', after).orderBy('id').limit(500).execute();
      if (rows.length === 0) break;
      await db
        .insertInto('search_documents')
        .values(rows.map((row) => ({ entity, entity_id: Number(row.id), ...searchDocument(entity, row), updated_at: now })))
        .execute();
      after = Number(rows[rows.length - 1]!.id);
    }
  }
}

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
        const { valueNumber, valueText } = typedColumns(JSON.parse(String(row.value)));
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
