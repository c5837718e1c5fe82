/**
 * Multi-row INSERTs without per-batch query building. Building and compiling a 10,000-row insert
 * with Kysely costs about as much as the database takes to store it, so each statement shape is
 * compiled once (by Kysely, so the SQL is still the dialect's own) and reused with fresh parameters.
 * Where the dialect's placeholders are all alike (`?`: SQLite, MySQL), a statement of any row count
 * is the one-row statement with its VALUES tuple repeated, so every chunk holds as many rows as
 * allowed (one statement, one round trip, for a 1,000-row batch). Where they are numbered
 * (PostgreSQL's `$n`), chunks hold a power of two of rows, which keeps the number of compiled
 * shapes per table small (at most one per power of two) whatever batch sizes callers use.
 */
import { CompiledQuery, type InsertQueryBuilder } from 'kysely';
import { rowsWithinBudget, type Backend, type BulkColumn, type BulkRow } from '../backends/backend.js';
import type { StoreContext } from './context.js';
import type { Tables } from './tables.js';

/**
 * Rows per statement at most. Larger statements stop paying off well before the parameter limit:
 * parsing a statement of thousands of rows costs more than the round trips it saves (measured with
 * `npm run bench`; see docs/decisions/0500-bulk-metric-writes.md).
 */
const MAX_ROWS_PER_STATEMENT = 1024;

type InsertBuilder = InsertQueryBuilder<Tables, keyof Tables, any>;

/**
 * A column of a table, by name. Rows travel as arrays (that is the point of this module), so the
 * check Kysely's `values()` makes on column names is made here, on the column list.
 */
export type ColumnOf<T extends keyof Tables> = keyof Tables[T] & string;

/** Compiled SQL per backend and statement shape. */
const statementCache = new WeakMap<Backend, Map<string, string>>();

/**
 * A statement for any number of rows: `head` holds the first row's tuple, each further row appends
 * `repeat`, then `tail` follows (an ON CONFLICT / ON DUPLICATE KEY clause, or nothing).
 */
interface RepeatableStatement {
  head: string;
  repeat: string;
  tail: string;
}

/** Per backend and shape: the repeatable form, or null where placeholders are numbered. */
const repeatableCache = new WeakMap<Backend, Map<string, RepeatableStatement | null>>();

/** Rows per statement for a table of `columns` columns: a power of two within the parameter limit. */
export function rowsPerStatement(backend: Backend, columns: number): number {
  const limit = Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(backend.capabilities.maxBindParameters / columns));
  return 2 ** Math.floor(Math.log2(Math.max(1, limit)));
}

/**
 * Inserts `rows` (each an array of values in `columns` order) into `table`, in as few statements as
 * the chunking allows. `decorate` adds an ON CONFLICT / ON DUPLICATE KEY clause when needed; `shape`
 * names that variant in the cache.
 */
export async function insertRows<T extends keyof Tables>(
  ctx: StoreContext,
  table: T,
  columns: readonly ColumnOf<T>[],
  rows: readonly unknown[][],
  shape = 'insert',
  decorate: (query: InsertBuilder) => InsertBuilder = (query) => query,
): Promise<void> {
  const maxRows = rowsPerStatement(ctx.backend, columns.length);
  const repeatable = repeatableStatement(ctx, table, columns, shape, decorate);
  let offset = 0;
  while (offset < rows.length) {
    const fits = rowsWithinBudget(rows, offset, maxRows);
    const count = fits === maxRows || repeatable !== null ? fits : 2 ** Math.floor(Math.log2(fits));
    const parameters: unknown[] = new Array(count * columns.length);
    let index = 0;
    for (let row = offset; row < offset + count; row++) {
      const values = rows[row]!;
      for (let column = 0; column < columns.length; column++) parameters[index++] = values[column];
    }
    const sqlText =
      repeatable !== null
        ? repeatable.head + repeatable.repeat.repeat(count - 1) + repeatable.tail
        : statementSql(ctx, table, columns, count, shape, decorate);
    await ctx.db.executeQuery(CompiledQuery.raw(sqlText, parameters));
    offset += count;
  }
}

function statementSql(
  ctx: StoreContext,
  table: keyof Tables,
  columns: readonly string[],
  count: number,
  shape: string,
  decorate: (query: InsertBuilder) => InsertBuilder,
): string {
  let cache = statementCache.get(ctx.backend);
  if (cache === undefined) statementCache.set(ctx.backend, (cache = new Map()));
  const key = `${table}|${shape}|${columns.join(',')}|${count}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  // Distinct marker values let us check that Kysely binds parameters row by row, column by column.
  const rows = Array.from({ length: count }, (_, row) =>
    Object.fromEntries(columns.map((column, position) => [column, row * columns.length + position])),
  );
  // Marker numbers stand in for every value, so this statement (never run) is built untyped; the
  // column names were checked by the callers' `ColumnOf` lists.
  const compiled = decorate(ctx.db.insertInto(table).values(rows as never)).compile();
  const order = compiled.parameters;
  if (order.length !== count * columns.length || order.some((value, position) => value !== position)) {
    throw new Error(`bulk insert into ${table}: unexpected parameter order in the compiled statement`);
  }
  cache.set(key, compiled.sql);
  return compiled.sql;
}

/**
 * The repeatable form of a shape, found by comparing Kysely's own one- and two-row statements and
 * accepted only if it reproduces Kysely's three-row statement exactly; null when it does not (for
 * numbered placeholders, the repeated tuple differs from row to row).
 */
function repeatableStatement(
  ctx: StoreContext,
  table: keyof Tables,
  columns: readonly string[],
  shape: string,
  decorate: (query: InsertBuilder) => InsertBuilder,
): RepeatableStatement | null {
  let cache = repeatableCache.get(ctx.backend);
  if (cache === undefined) repeatableCache.set(ctx.backend, (cache = new Map()));
  const key = `${table}|${shape}|${columns.join(',')}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const [one, two, three] = [1, 2, 3].map((count) => statementSql(ctx, table, columns, count, shape, decorate)) as [string, string, string];
  let common = 0;
  while (common < one.length && one[common] === two[common]) common++;
  const tail = one.slice(common);
  let found: RepeatableStatement | null = null;
  if (two.endsWith(tail)) {
    const candidate = { head: one.slice(0, common), repeat: two.slice(common, two.length - tail.length), tail };
    if (candidate.repeat.length > 0 && candidate.head + candidate.repeat.repeat(2) + tail === three) found = candidate;
  }
  cache.set(key, found);
  return found;
}

/**
 * Plain appends (no conflict clause): the backend's columnar bulk insert where it is the faster
 * path, cached multi-row statements elsewhere.
 */
export async function appendRows<T extends keyof Tables>(
  ctx: StoreContext,
  table: T,
  columns: readonly (BulkColumn & { name: ColumnOf<T> })[],
  rows: readonly BulkRow[],
): Promise<void> {
  if (rows.length === 0) return;
  if (ctx.backend.capabilities.columnarBulkInsert) {
    await ctx.backend.bulkInsert(ctx.db, table, columns, rows);
    return;
  }
  await insertRows(ctx, table, columns.map((column) => column.name), rows as unknown[][]);
}
