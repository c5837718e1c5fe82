/**
 * aimdb's Kysely driver for mysql2: Kysely's MySQL adapter and query compiler, an introspector that
 * reads only the current database (mysql-introspector.ts), and a driver of our own in place of a
 * patched pool. It sets every new session up before its first use:
 * - the sql_mode pin (`PIN_SQL_MODE`): no statement ever runs on an unpinned session, and a session
 *   that cannot be pinned is dropped;
 * - every read as a prepared statement (`execute`), whose rows come in MySQL's binary format: a DOUBLE
 *   arrives as its 8 bytes. In the text rows of `query`, MariaDB prints doubles with too few correct
 *   digits (9.269500899718155 arrives as "9.269500899718157"), so a text read cannot give back the
 *   stored bits (docs/decisions/0110-exact-doubles.md); binary rows are also about twice as fast to
 *   decode for large reads (decision 0509). The statement is closed right after, so server-side
 *   statements never pile up (`max_prepared_stmt_count`) whatever the SQL text. Writes go through `query`.
 * - kept statements (kept-statements.ts), reads or writes, run with `execute` and stay prepared on
 *   the session (mysql2 caches them by text), so a hot call pays no prepare round trip.
 * - reads marked by `arrayRows` (array-rows.ts) return arrays of column values (`rowsAsArray`).
 */
import {
  CompiledQuery,
  MysqlAdapter,
  MysqlQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';
import { wantsArrayRows } from './array-rows.js';
import { keptStatementName } from './kept-statements.js';
import { CurrentDatabaseMysqlIntrospector } from './mysql-introspector.js';

/** A statement that returns rows: Kysely writes SELECT (and WITH … SELECT) in lower case first. */
const READ_STATEMENT = /^\s*(?:select|with)\b/i;

/** Kysely's MySQL dialect over a pool that `createPool` opens on first use, with the session set-up above. */
export class AimdbMysqlDialect implements Dialect {
  readonly #createPool: () => Promise<Pool>;
  readonly #sessionSetup: string;

  constructor(createPool: () => Promise<Pool>, sessionSetup: string) {
    this.#createPool = createPool;
    this.#sessionSetup = sessionSetup;
  }

  createDriver(): Driver {
    return new AimdbMysqlDriver(this.#createPool, this.#sessionSetup);
  }
  createQueryCompiler(): QueryCompiler {
    return new MysqlQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new MysqlAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentDatabaseMysqlIntrospector(db);
  }
}

function run<T>(start: (callback: (error: unknown, result: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, result) => (error === null || error === undefined ? resolve(result) : reject(error))));
}

class AimdbMysqlDriver implements Driver {
  readonly #createPool: () => Promise<Pool>;
  readonly #sessionSetup: string;
  readonly #sessions = new WeakMap<PoolConnection, MysqlSession>();
  #pool: Pool | undefined;

  constructor(createPool: () => Promise<Pool>, sessionSetup: string) {
    this.#createPool = createPool;
    this.#sessionSetup = sessionSetup;
  }

  async init(): Promise<void> {
    this.#pool = await this.#createPool();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const raw = await run<PoolConnection>((callback) => this.#pool!.getConnection(callback as never));
    let session = this.#sessions.get(raw);
    if (session === undefined) {
      try {
        await run((callback) => raw.query(this.#sessionSetup, [], callback as never));
      } catch (error) {
        // A session we could not set up is never used: drop it and report why.
        raw.destroy();
        throw error;
      }
      session = new MysqlSession(raw);
      this.#sessions.set(raw, session);
    }
    return session;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const parts = [
      ...(settings.isolationLevel === undefined ? [] : [`isolation level ${settings.isolationLevel}`]),
      ...(settings.accessMode === undefined ? [] : [settings.accessMode]),
    ];
    if (parts.length > 0) await connection.executeQuery(CompiledQuery.raw(`set transaction ${parts.join(', ')}`));
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as MysqlSession).release();
  }

  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await run((callback) => pool.end(callback as never));
  }
}

const isOkPacket = (result: unknown): result is { insertId?: number | bigint; affectedRows?: number; changedRows?: number } =>
  result !== null && typeof result === 'object' && 'insertId' in result && 'affectedRows' in result;

class MysqlSession implements DatabaseConnection {
  readonly #raw: PoolConnection;

  constructor(raw: PoolConnection) {
    this.#raw = raw;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters as unknown[];
    const result = keptStatementName(compiled.sql) !== undefined
      ? await run<unknown>((callback) => this.#raw.execute(compiled.sql, parameters as never, callback as never))
      : READ_STATEMENT.test(compiled.sql)
      ? await run<unknown>((callback) => {
          // mysql2 keys its prepared statements by these options, so the same object closes it.
          const statement = wantsArrayRows(compiled.sql) ? { sql: compiled.sql, rowsAsArray: true } : compiled.sql;
          this.#raw.execute(statement as never, parameters as never, (error: unknown, rows: unknown) => {
            this.#raw.unprepare(statement as never);
            callback(error, rows);
          });
        })
      : await run<unknown>((callback) => this.#raw.query(compiled.sql, parameters, callback as never));
    if (!isOkPacket(result)) return { rows: (Array.isArray(result) ? result : []) as R[] };
    const { insertId, affectedRows, changedRows } = result;
    return {
      ...(insertId !== undefined && insertId !== null && insertId.toString() !== '0' ? { insertId: BigInt(insertId) } : {}),
      ...(affectedRows !== undefined && affectedRows !== null ? { numAffectedRows: BigInt(affectedRows) } : {}),
      ...(changedRows !== undefined && changedRows !== null ? { numChangedRows: BigInt(changedRows) } : {}),
      rows: [],
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stream = this.#raw.query(compiled.sql, compiled.parameters as unknown[]).stream({ objectMode: true });
    try {
      for await (const row of stream) yield { rows: [row as R] };
    } catch (error) {
      // The consumer stopped reading early: not a failure.
      if ((error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw error;
    }
  }

  release(): void {
    this.#raw.release();
  }
}
