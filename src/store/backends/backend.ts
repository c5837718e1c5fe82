/**
 * Everything that differs between SQLite, PostgreSQL and MySQL, named once. Aggregate code asks the
 * backend object; it never checks a backend's name.
 */
import type {
  ColumnDefinitionBuilder,
  CreateTableBuilder,
  ColumnDataType,
  Dialect,
  Expression,
  InsertQueryBuilder,
  Kysely,
  RawBuilder,
  SqlBool,
} from 'kysely';
import type { BackendName } from '../../core/entities.js';
import type { LikePart } from '../../core/query/values.js';
import { sql } from 'kysely';
import { BackendError } from '../../core/errors.js';

/**
 * Loads a backend's driver package when its first connection opens, so a process loads (and keeps in
 * memory) only the driver of the backend it uses (decision 1305). A driver that is not installed
 * becomes a BackendError naming the package to install, instead of Node's module-resolution error.
 */
export async function loadDriver<T>(packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = errorProperty(error, 'code');
    const message = error instanceof Error ? error.message : '';
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${packageName}'`)) {
      throw new BackendError(`the database driver ${packageName} is not installed; install it with 'npm install ${packageName}'`, { cause: error });
    }
    throw error;
  }
}

/** What a driver error means, independent of the driver. */
export type FailureKind =
  | 'unique-violation'
  | 'foreign-key-violation'
  | 'connection-refused'
  | 'authentication-failed'
  | 'database-missing'
  | 'retryable'
  | 'other';

export interface Capabilities {
  /** INSERT … RETURNING. MySQL lacks it and reports the generated id instead. */
  readonly returning: boolean;
  /** SELECT … FOR UPDATE. SQLite has one writer and needs no row locks. */
  readonly lockingReads: boolean;
  /** ALTER TABLE … ADD CONSTRAINT FOREIGN KEY; SQLite only declares them in CREATE TABLE. */
  readonly alterAddForeignKey: boolean;
  /** DDL inside a transaction rolls back (PostgreSQL and SQLite, not MySQL). */
  readonly transactionalDdl: boolean;
  /** Bound parameters one statement may carry; bulk inserts are chunked to stay under it. */
  readonly maxBindParameters: number;
  /**
   * A row-value comparison `(a, b) > (x, y)` is planned as an index range scan (PostgreSQL,
   * SQLite). MySQL and MariaDB range-scan only the expanded form `a > x or (a = x and b > y)`.
   * Keyset reads over composite keys pick their form by this.
   */
  readonly rowValueRangeScan: boolean;
  /**
   * INSERT, UPDATE and DELETE inside WITH, so a write and the writes that follow from it run as one
   * statement, one round trip (PostgreSQL). Elsewhere they are separate statements in a transaction.
   */
  readonly dataModifyingCtes: boolean;
  /** Index names belong to their table, so DROP INDEX names it (`drop index x on t`): MySQL. */
  readonly tableScopedIndexNames: boolean;
}

export interface Backend {
  readonly name: BackendName;
  readonly capabilities: Capabilities;
  /** The Kysely dialect, with the connection set-up this backend needs. */
  readonly dialect: Dialect;
  /** Column type of JSON documents: JSONB, JSON or TEXT. */
  readonly jsonType: ColumnDataType;
  /**
   * Column type of long text (descriptions, notes, error text): at least LIMITS.textLength
   * characters of any script. MySQL's TEXT holds 65,535 bytes, too few for 65,535 Persian characters.
   */
  readonly textType: ColumnDataType | RawBuilder<unknown>;
  /** Column type of auto-increment ids (SQLite only auto-increments INTEGER PRIMARY KEY). */
  readonly idType: ColumnDataType;
  /** An auto-increment integer primary key. */
  idColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Per-table options (MySQL: InnoDB, utf8mb4, binary collation so names compare as on the others). */
  withTableOptions<T extends CreateTableBuilder<string, string>>(builder: T): T;
  /** INSERT … that replaces the listed columns when the key already exists. */
  upsert<QB extends InsertQueryBuilder<any, any, any>>(query: QB, key: readonly string[], update: readonly string[]): QB;
  /**
   * INSERT … that, when the key already exists, sets each column `merge` returns from the stored row
   * and the incoming one (`stored(column)`, `incoming(column)`). MySQL assigns left to right, each
   * assignment seeing the ones before, so `merge` lists a column that others compare against last.
   */
  upsertMerge<QB extends InsertQueryBuilder<any, any, any>>(query: QB, table: string, key: readonly string[], merge: MergeSet): QB;
  /** INSERT … that keeps the existing row when the key already exists. */
  insertOrKeep<QB extends InsertQueryBuilder<any, any, any>>(query: QB, key: readonly string[]): QB;
  /**
   * Integer division rounding down (floor) for a positive divisor, so negative metric steps fall in
   * the right rollup block (SQL's own integer division truncates toward zero).
   */
  integerDivide(dividend: Expression<number>, divisor: Expression<number>): RawBuilder<number>;
  /** Case-insensitive "contains", the same on every backend. */
  containsInsensitive(column: string, text: string): Expression<SqlBool>;
  /** The string stored under `key` in a JSON object column (tags), or NULL when the key is absent. */
  jsonStringAt(column: Expression<unknown>, key: string): RawBuilder<string | null>;
  /**
   * The JSON object column with `key` set to `value`, or removed when `value` is null: one
   * expression, so `update … set tags = <it>` changes one key atomically, whatever other writers do.
   */
  jsonWithKey(column: Expression<unknown>, key: string, value: string | null): RawBuilder<string>;
  /** `LIKE` from a parsed pattern, case-sensitive or not, with the same answer on every backend. */
  likeMatch(expression: Expression<unknown>, parts: readonly LikePart[], caseInsensitive: boolean): RawBuilder<SqlBool>;
  /**
   * A number parameter that compares as a double with any numeric column: PostgreSQL would type a
   * bare parameter after the column, and `0.5` cannot be a BIGINT.
   */
  numberParameter(value: number): RawBuilder<number>;
  /** An integer expression as its decimal text. */
  integerText(expression: Expression<number>): RawBuilder<string>;
  /** Text as compared and sorted by code point (PostgreSQL's database collation may be linguistic). */
  orderedText(expression: Expression<unknown>): RawBuilder<string>;
  /**
   * `table alias`, read along `index`: a page sorted by an indexed value walks the index and stops
   * after a page. SQLite's and MySQL's planners otherwise start from a filter's list of matches and
   * sort them all (PostgreSQL's weighs the LIMIT and needs no hint).
   */
  tableAlongIndex(table: string, alias: string, index: string): RawBuilder<unknown>;
  /**
   * The index key of a long text column, when one can index it: MySQL only indexes a prefix of
   * MEDIUMTEXT; PostgreSQL's B-tree refuses rows over about 2.7 kB, so it gets none (undefined).
   */
  textIndexKey(column: string): RawBuilder<unknown> | undefined;
  /**
   * Full-text match of `search_documents d` holding every word (lower-case letters and digits), and
   * its relevance (higher is better).
   */
  textMatch(words: readonly string[]): { predicate: RawBuilder<SqlBool>; rank: RawBuilder<number> };
  /** Creates the full-text index over `search_documents.body` (and whatever keeps it current). */
  createTextIndex(db: Kysely<any>): Promise<void>;
  dropTextIndex(db: Kysely<any>): Promise<void>;
  /** What a driver error means. */
  classifyError(error: unknown): FailureKind;
  /** The database server's version string. */
  serverVersion(db: Kysely<any>): Promise<string>;
  /**
   * After rows were inserted with explicit ids (copy, import), makes the table's next generated id
   * follow the highest stored one, so new rows never collide with copied ones.
   */
  resetIdSequence(db: Kysely<any>, table: string, column: string): Promise<void>;
  /**
   * An INSERT of many rows sent as one array per column (PostgreSQL's UNNEST), where the backend
   * has such a form: it stores plain appends several times faster than a multi-row VALUES list.
   * Absent elsewhere, where cached multi-row VALUES statements are the faster form. Only
   * src/store/sql/bulk-insert.ts, the one bulk-insert path, calls it.
   */
  readonly columnarInsert?: (table: string, columns: readonly BulkColumn[], rows: readonly BulkRow[]) => RawBuilder<unknown>;
  /**
   * One series' points as one row of packed columns, where the backend can pack them (PostgreSQL's
   * bytea): the driver then decodes a few byte strings instead of a text row per point (decision
   * 1308). `points` selects step, value, value_kind, epoch, logged_at in step order. Absent
   * elsewhere, where the points are read as array rows. Only the store's `getMetricColumns` calls it.
   */
  readonly packedSeries?: (points: Expression<unknown>) => RawBuilder<PackedSeriesRow>;
}

/**
 * A series packed by `Backend.packedSeries`: `count` points; `step` and `logged_at` 8-byte
 * big-endian integers, `value` 8-byte big-endian doubles (NaN and ±Infinity included), `epoch`
 * 4-byte big-endian integers with `epoch_null` one byte a point (1: no epoch), both null when no
 * point has an epoch. The columns are null when there is no point.
 */
export interface PackedSeriesRow {
  count: number | string;
  step: Uint8Array | null;
  value: Uint8Array | null;
  epoch: Uint8Array | null;
  epoch_null: Uint8Array | null;
  logged_at: Uint8Array | null;
}

/** How an upsert combines a stored row with an incoming one, column by column. */
export type MergeSet = (stored: (column: string) => RawBuilder<unknown>, incoming: (column: string) => RawBuilder<unknown>) => Record<string, RawBuilder<unknown>>;

/** A column of a bulk insert: its name and how its values are typed. */
export interface BulkColumn {
  readonly name: string;
  readonly kind: 'integer' | 'double' | 'text' | 'json';
}

export type BulkRow = ReadonlyArray<string | number | null>;

/** Bytes of values one statement carries at most (under MySQL's 16 MiB max_allowed_packet default). */
const STATEMENT_BYTES = 4 * 1024 * 1024;

function approximateBytes(row: readonly unknown[]): number {
  let bytes = 0;
  for (const value of row) bytes += typeof value === 'string' ? value.length + 2 : 8;
  return bytes;
}

/**
 * How many rows from `offset` one statement takes: at most `maxRows`, and no more than fit in about
 * STATEMENT_BYTES bytes of values (always at least one), so a batch of large JSON documents never
 * exceeds MySQL's max_allowed_packet.
 */
export function rowsWithinBudget(rows: readonly (readonly unknown[])[], offset: number, maxRows: number): number {
  let bytes = 0;
  let count = 0;
  while (offset + count < rows.length && count < maxRows) {
    bytes += approximateBytes(rows[offset + count]!);
    if (count > 0 && bytes > STATEMENT_BYTES) break;
    count++;
  }
  return count;
}

/** Splits rows into statements of at most `maxRows` rows and about STATEMENT_BYTES bytes each. */
export function statementChunks(rows: readonly BulkRow[], maxRows: number): BulkRow[][] {
  const chunks: BulkRow[][] = [];
  let chunk: BulkRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = approximateBytes(row);
    if (chunk.length > 0 && (chunk.length >= maxRows || bytes + size > STATEMENT_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** `ON CONFLICT (key) DO UPDATE SET col = excluded.col`: the upsert of PostgreSQL and SQLite. */
export function onConflictUpdate<QB extends InsertQueryBuilder<any, any, any>>(query: QB, key: readonly string[], update: readonly string[]): QB {
  return query.onConflict((conflict) =>
    conflict.columns(key as any).doUpdateSet(Object.fromEntries(update.map((column) => [column, sql.ref(`excluded.${column}`)])) as any),
  ) as QB;
}

/** `ON CONFLICT (key) DO UPDATE SET col = <merge of table.col and excluded.col>`, for PostgreSQL and SQLite. */
export function onConflictMerge<QB extends InsertQueryBuilder<any, any, any>>(query: QB, table: string, key: readonly string[], merge: MergeSet): QB {
  const set = merge(
    (column) => sql.ref(`${table}.${column}`),
    (column) => sql.ref(`excluded.${column}`),
  );
  return query.onConflict((conflict) => conflict.columns(key as any).doUpdateSet(set as any)) as QB;
}

/** `ON CONFLICT (key) DO NOTHING`, for PostgreSQL and SQLite. */
export function onConflictKeep<QB extends InsertQueryBuilder<any, any, any>>(query: QB, key: readonly string[]): QB {
  return query.onConflict((conflict) => conflict.columns(key as any).doNothing()) as QB;
}

/** A parsed LIKE pattern as text for `like … escape '\\'`. */
export function likePatternText(parts: readonly LikePart[]): string {
  return parts.map((part) => (part.kind === 'any' ? '%' : part.kind === 'one' ? '_' : escapeLike(part.text))).join('');
}

/** Escapes LIKE wildcards so user text matches literally (with `escape '\\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Reads a property of an unknown error without trusting its shape. */
export function errorProperty(error: unknown, key: string): unknown {
  return error !== null && typeof error === 'object' ? (error as Record<string, unknown>)[key] : undefined;
}

/** Network failures that every driver reports through Node's socket errors. */
export function classifySocketError(error: unknown): FailureKind | undefined {
  const code = errorProperty(error, 'code');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
    return 'connection-refused';
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'retryable';
  const nested = errorProperty(error, 'errors');
  if (Array.isArray(nested) && nested.length > 0) return classifySocketError(nested[0]);
  return undefined;
}
