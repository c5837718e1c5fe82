/**
 * Reading a table in keyset-ordered batches and writing batches back, on any backend. Batches are
 * sized by bytes as well as rows, so a table of large prediction payloads streams with the same
 * flat memory as a table of small metric points.
 */
import { sql, type Expression, type Kysely, type SqlBool, type ExpressionBuilder } from 'kysely';
import { insertRows as bulkInsertRows, internMetricKeys, metricKeyNames, metricSeriesKey, type Backend } from '../store/index.js';
import { rowValues, type RowValues } from './row-values.js';
import { storedColumns, storedKey, type TableSpec } from './table-specs.js';

/** Rows per batch when nothing is known about their size yet. */
export const DEFAULT_BATCH_ROWS = 5_000;
/** Bytes a batch aims at; the row count adapts to it after every batch. */
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/** Which rows of a table to read. */
export interface RowFilter {
  /** Only rows whose key sorts after this key tuple (in the source's own order). */
  after?: readonly unknown[] | undefined;
  /** Only rows whose first key column is at least this (resuming a composite-key table). */
  firstKeyAtLeast?: number | undefined;
  /** Only rows created or changed at or after this time (epoch milliseconds). */
  since?: number | undefined;
}

export interface BatchSizing {
  rows: number;
  bytes: number;
}

function keyAfter(eb: ExpressionBuilder<any, any>, key: readonly string[], values: readonly unknown[], rowValues: boolean): Expression<SqlBool> {
  if (key.length > 1 && rowValues) {
    return sql<SqlBool>`(${sql.join(key.map((column) => sql.ref(column)))}) > (${sql.join(values)})`;
  }
  // (k1 > a) or (k1 = a and k2 > b) or …, with k1 >= a in front so the range scan starts at a.
  const alternatives = key.map((column, position) =>
    eb.and([
      ...key.slice(0, position).map((previous, index) => eb(eb.ref(previous), '=', values[index])),
      eb(eb.ref(column), '>', values[position]),
    ]),
  );
  return key.length === 1 ? alternatives[0]! : eb.and([eb(eb.ref(key[0]!), '>=', values[0]), eb.or(alternatives)]);
}

function applyFilter(eb: ExpressionBuilder<any, any>, spec: TableSpec, filter: RowFilter, rowValues = false): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.after !== undefined) conditions.push(keyAfter(eb, storedKey(spec), filter.after, rowValues));
  if (filter.firstKeyAtLeast !== undefined) conditions.push(eb(eb.ref(spec.key[0]!), '>=', filter.firstKeyAtLeast));
  if (filter.since !== undefined) {
    const since = spec.since;
    if ('parent' in since) {
      conditions.push(
        eb(
          eb.ref(since.column),
          'in',
          eb.selectFrom(since.parent).select('id').where(since.parentColumn, '>=', filter.since),
        ),
      );
    } else {
      conditions.push(eb(eb.ref(since.column), '>=', filter.since));
    }
  }
  return eb.and(conditions);
}

/** Rows of the table matching the filter. */
export async function countRows(db: Kysely<any>, spec: TableSpec, filter: RowFilter = {}): Promise<number> {
  const row = await db
    .selectFrom(spec.name)
    .select((eb) => eb.fn.countAll().as('count'))
    .where((eb) => applyFilter(eb, spec, filter))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Whether the table holds any row at all (cheaper than a count on a large table). */
export async function hasRows(db: Kysely<any>, spec: TableSpec): Promise<boolean> {
  const row = await db.selectFrom(spec.name).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
  return row !== undefined;
}

function approximateBytes(values: RowValues): number {
  let bytes = 0;
  for (const value of values) bytes += typeof value === 'string' ? value.length + 2 : 8;
  return bytes;
}

/** Rows per batch that keep the next batch near `sizing.bytes`, judged by the batch just read. */
function nextBatchRows(sizing: BatchSizing, current: number, rows: RowValues[]): number {
  const bytes = rows.reduce((sum, row) => sum + approximateBytes(row), 0);
  if (bytes === 0) return current;
  const fitting = Math.floor((rows.length * sizing.bytes) / bytes);
  return Math.max(1, Math.min(sizing.rows, fitting));
}

/**
 * The table's rows in key order, batch by batch. The next batch is already being read while the
 * caller writes the current one.
 */
export async function* readBatches(
  db: Kysely<any>,
  backend: Backend,
  spec: TableSpec,
  filter: RowFilter,
  sizing: BatchSizing,
): AsyncGenerator<RowValues[]> {
  const key = storedKey(spec);
  const read = (after: readonly unknown[] | undefined, limit: number) => {
    let query = db
      .selectFrom(spec.name)
      .select(storedColumns(spec).map((column) => column.name))
      .where((eb) => applyFilter(eb, spec, { ...filter, after }, backend.capabilities.rowValueRangeScan));
    for (const column of key) query = query.orderBy(column);
    const pending = query
      .limit(limit)
      .execute()
      .then(async (stored): Promise<{ rows: RowValues[]; lastKey: unknown[] }> => {
        // The next batch starts after the last stored key (a metric table's holds its key id, not the name).
        const lastKey = stored.length === 0 ? [] : key.map((column) => stored[stored.length - 1]![column]);
        const rows = spec.metricKey === true ? await withNames(db, backend, stored) : stored;
        return { rows: rows.map((row) => rowValues(spec, row)), lastKey };
      });
    pending.catch(() => undefined);
    return { pending, limit };
  };
  // JSON documents may be megabytes each: start small and let the byte budget grow the batches.
  let limit = Math.min(sizing.rows, spec.columns.some((column) => column.kind === 'json') ? 20 : sizing.rows);
  let next: ReturnType<typeof read> | undefined = read(filter.after, limit);
  while (next !== undefined) {
    const { rows, lastKey }: { rows: RowValues[]; lastKey: unknown[] } = await next.pending;
    if (rows.length === 0) return;
    limit = nextBatchRows(sizing, limit, rows);
    next = rows.length < next.limit ? undefined : read(lastKey, limit);
    yield rows;
  }
}

/** Metric rows with their series' names in place of key ids. */
async function withNames(db: Kysely<any>, backend: Backend, rows: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  const names = await metricKeyNames({ db, backend }, rows.map((row) => Number(row.key_id)));
  return rows.map((row) => ({ ...row, name: names.get(Number(row.key_id)) }));
}

/**
 * Inserts rows with their ids as they are, by the backend's bulk strategy. The deferred reference
 * (a run's model version) is written as NULL here and set by `writeDeferredReferences` once the
 * referenced table is complete.
 */
export async function insertRows(db: Kysely<any>, backend: Backend, spec: TableSpec, rows: RowValues[]): Promise<void> {
  const deferredIndex = spec.deferred === undefined ? -1 : spec.columns.findIndex((column) => column.name === spec.deferred!.column);
  let values = deferredIndex < 0 ? rows : rows.map((row) => row.map((value, index) => (index === deferredIndex ? null : value)));
  if (spec.metricKey === true) {
    // Each series' name becomes its key in the target, made there when the run has none by that name.
    const runIndex = spec.columns.findIndex((column) => column.name === 'run_id');
    const nameIndex = spec.columns.findIndex((column) => column.name === 'name');
    const keys = await internMetricKeys({ db, backend }, values.map((row) => [Number(row[runIndex]), String(row[nameIndex])] as const));
    values = values.map((row) => row.map((value, index) => (index === nameIndex ? keys.get(metricSeriesKey(Number(row[runIndex]), String(value)))! : value)));
  }
  // Table specs name columns as plain strings; they are checked against the tables by the transfer tests.
  await bulkInsertRows({ db, backend }, spec.name, storedColumns(spec) as never, values);
}

/** (row id, referenced id) pairs of a deferred reference. */
export type DeferredPair = readonly [id: number, reference: number];

/** The non-null deferred references of a table, in id order, batch by batch. */
export async function* readDeferredReferences(
  db: Kysely<any>,
  spec: TableSpec,
  filter: Pick<RowFilter, 'since'>,
  batchRows: number,
): AsyncGenerator<DeferredPair[]> {
  const column = spec.deferred!.column;
  let after: number | undefined;
  for (;;) {
    const rows = await db
      .selectFrom(spec.name)
      .select(['id', column])
      .where((eb) => eb.and([eb(eb.ref(column), 'is not', null), applyFilter(eb, spec, { since: filter.since })]))
      .$if(after !== undefined, (query) => query.where('id', '>', after!))
      .orderBy('id')
      .limit(batchRows)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((row) => [Number(row.id), Number(row[column])] as const);
    if (rows.length < batchRows) return;
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** Sets a deferred reference for each pair: one UPDATE … CASE per chunk. */
export async function writeDeferredReferences(db: Kysely<any>, backend: Backend, spec: TableSpec, pairs: readonly DeferredPair[]): Promise<void> {
  const column = spec.deferred!.column;
  const chunkRows = Math.max(1, Math.min(1_000, Math.floor(backend.capabilities.maxBindParameters / 3)));
  for (let start = 0; start < pairs.length; start += chunkRows) {
    const chunk = pairs.slice(start, start + chunkRows);
    await db
      .updateTable(spec.name)
      .set((eb) => {
        let expression = eb.case() as any;
        // Literal integers (safe: they are numbers) so PostgreSQL types the CASE as an integer, not text.
        for (const [id, reference] of chunk) expression = expression.when('id', '=', id).then(sql.lit(Math.trunc(reference)));
        return { [column]: expression.end() };
      })
      .where(
        'id',
        'in',
        chunk.map(([id]) => id),
      )
      .execute();
  }
}
