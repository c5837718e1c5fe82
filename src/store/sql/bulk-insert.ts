/**
 * The one bulk-insert path of the store (and of transfers): rows given as value arrays in column
 * order, written in as few statements as the backend allows, with an optional ON CONFLICT / ON
 * DUPLICATE KEY clause. Two statement forms, chosen here and nowhere else:
 * - Columnar (the backend's `columnarInsert`, PostgreSQL's UNNEST of one array per column), for
 *   plain appends of typed columns: a few bound parameters instead of one per value, which
 *   PostgreSQL parses and plans several times faster than a long VALUES list.
 * - Multi-row VALUES, compiled once per shape by Kysely (so the SQL stays the dialect's own) and
 *   reused with fresh parameters. Where the dialect's placeholders are all alike (`?`: SQLite,
 *   MySQL), a statement of any row count is the one-row statement with its VALUES tuple repeated,
 *   so every chunk holds as many rows as allowed (one statement, one round trip, for a 1,000-row
 *   batch). Where they are numbered (PostgreSQL's `$n`), chunks hold a power of two of rows, which
 *   keeps the number of compiled shapes per table small whatever batch sizes callers use.
 */
import { CompiledQuery, type InsertQueryBuilder, type Kysely } from 'kysely';
import { rowsWithinBudget, statementChunks, type Backend, type BulkColumn, type BulkRow, type MergeSet } from '../backends/backend.js';
import type { Tables } from './tables.js';

/** What a bulk insert needs: a Kysely handle (pool or transaction) and its backend. A StoreContext is one. */
export interface BulkTarget {
  readonly db: Kysely<any>;
  readonly backend: Backend;
}

/**
 * What to do with a row whose `key` exists already: replace the `update` columns, combine stored
 * and incoming values by a named `merge`, or (neither) keep the stored row.
 */
export interface OnConflict {
  readonly key: readonly string[];
  readonly update?: readonly string[];
  readonly merge?: NamedMerge;
}

/** A merge of stored and incoming rows, named for the statement cache. */
export interface NamedMerge {
  readonly name: string;
  readonly set: MergeSet;
}

/**
 * Rows per statement at most. Larger statements stop paying off well before the parameter limit:
 * parsing a statement of thousands of rows costs more than the round trips it saves (measured with
 * `npm run bench`; see docs/decisions/0500-bulk-metric-writes.md).
 */
const MAX_ROWS_PER_STATEMENT = 1024;
/** Rows per columnar statement: its parameters are one array per column, whatever the row count. */
const MAX_ROWS_PER_COLUMNAR_STATEMENT = 20_000;

type InsertBuilder = InsertQueryBuilder<Tables, keyof Tables, any>;

/**
 * A column of a table, by name. Rows travel as arrays (that is the point of this module), so the
 * check Kysely's `values()` makes on column names is made here, on the column list.
 */
export type ColumnOf<T extends keyof Tables> = keyof Tables[T] & string;

/** A column by name, or by name and kind (the kind lets plain appends take the columnar form). */
export type BulkColumnOf<T extends keyof Tables> = ColumnOf<T> | (BulkColumn & { readonly name: ColumnOf<T> });

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
 * the chunking allows, applying `conflict` to rows whose key exists.
 */
export async function insertRows<T extends keyof Tables>(
  target: BulkTarget,
  table: T,
  columns: readonly BulkColumnOf<T>[],
  rows: readonly (readonly unknown[])[],
  conflict?: OnConflict,
): Promise<void> {
  if (rows.length === 0) return;
  const columnar = conflict === undefined ? columnarForm(target.backend, columns) : undefined;
  if (columnar !== undefined) {
    for (const chunk of statementChunks(rows as readonly BulkRow[], MAX_ROWS_PER_COLUMNAR_STATEMENT)) {
      await columnar(table, chunk).execute(target.db);
    }
    return;
  }
  const names = columns.map(columnName);
  const shape = conflictShape(conflict);
  const decorate = (query: InsertBuilder): InsertBuilder => withConflict(target.backend, table, query, conflict);
  const maxRows = rowsPerStatement(target.backend, names.length);
  const repeatable = repeatableStatement(target, table, names, shape, decorate);
  let offset = 0;
  while (offset < rows.length) {
    const fits = rowsWithinBudget(rows, offset, maxRows);
    const count = fits === maxRows || repeatable !== null ? fits : 2 ** Math.floor(Math.log2(fits));
    const parameters: unknown[] = new Array(count * names.length);
    let index = 0;
    for (let row = offset; row < offset + count; row++) {
      const values = rows[row]!;
      for (let column = 0; column < names.length; column++) parameters[index++] = values[column];
    }
    const sqlText =
      repeatable !== null
        ? repeatable.head + repeatable.repeat.repeat(count - 1) + repeatable.tail
        : statementSql(target, table, names, count, shape, decorate);
    await target.db.executeQuery(CompiledQuery.raw(sqlText, parameters));
    offset += count;
  }
}

const columnName = (column: string | BulkColumn): string => (typeof column === 'string' ? column : column.name);

/** The columnar statement builder, when the backend has one and every column's kind is known. */
function columnarForm(backend: Backend, columns: readonly (string | BulkColumn)[]) {
  const insert = backend.columnarInsert;
  if (insert === undefined || columns.some((column) => typeof column === 'string')) return undefined;
  return (table: string, chunk: readonly BulkRow[]) => insert(table, columns as readonly BulkColumn[], chunk);
}

/** An INSERT with the clause `conflict` asks for. */
export function withConflict<QB extends InsertQueryBuilder<any, any, any>>(backend: Backend, table: string, query: QB, conflict: OnConflict | undefined): QB {
  if (conflict === undefined) return query;
  if (conflict.merge !== undefined) return backend.upsertMerge(query, table, conflict.key, conflict.merge.set);
  if (conflict.update !== undefined) return backend.upsert(query, conflict.key, conflict.update);
  return backend.insertOrKeep(query, conflict.key);
}

/** The statement cache's name for a conflict clause. */
function conflictShape(conflict: OnConflict | undefined): string {
  if (conflict === undefined) return 'insert';
  const key = conflict.key.join(',');
  if (conflict.merge !== undefined) return `merge(${key}:${conflict.merge.name})`;
  return conflict.update === undefined ? `keep(${key})` : `upsert(${key}:${conflict.update.join(',')})`;
}

function statementSql(
  target: BulkTarget,
  table: keyof Tables,
  columns: readonly string[],
  count: number,
  shape: string,
  decorate: (query: InsertBuilder) => InsertBuilder,
): string {
  let cache = statementCache.get(target.backend);
  if (cache === undefined) statementCache.set(target.backend, (cache = new Map()));
  const key = `${table}|${shape}|${columns.join(',')}|${count}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  // Distinct marker values let us check that Kysely binds parameters row by row, column by column.
  const rows = Array.from({ length: count }, (_, row) =>
    Object.fromEntries(columns.map((column, position) => [column, row * columns.length + position])),
  );
  // Marker numbers stand in for every value, so this statement (never run) is built untyped; the
  // column names were checked by the callers' `ColumnOf` lists.
  const compiled = decorate(target.db.insertInto(table).values(rows as never)).compile();
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
  target: BulkTarget,
  table: keyof Tables,
  columns: readonly string[],
  shape: string,
  decorate: (query: InsertBuilder) => InsertBuilder,
): RepeatableStatement | null {
  let cache = repeatableCache.get(target.backend);
  if (cache === undefined) repeatableCache.set(target.backend, (cache = new Map()));
  const key = `${table}|${shape}|${columns.join(',')}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const [one, two, three] = [1, 2, 3].map((count) => statementSql(target, table, columns, count, shape, decorate)) as [string, string, string];
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
