/**
 * Kysely's SQLite dialect, made safe for several writers on one file (two processes, or two
 * AiDatabase instances in one process):
 * - transactions start with BEGIN IMMEDIATE, so a writer takes the write lock before it reads
 *   (a deferred BEGIN that later upgrades fails with SQLITE_BUSY at once, without waiting);
 * - a statement that finds the file locked is retried asynchronously for up to `busyTimeoutMs`,
 *   instead of SQLite's busy_timeout, which blocks the event loop and so also the other instance
 *   in the same process that holds the lock and needs the loop to commit;
 * - migrations run in one BEGIN IMMEDIATE transaction (Kysely's SQLite adapter takes no migration
 *   lock and runs them outside a transaction, so processes opening a fresh file together each ran
 *   0001-initial and all but one failed with "table already exists"). The write lock is the
 *   exclusive lock SQLite enforces across processes; a later opener waits for it (up to
 *   `busyTimeoutMs`), then finds every migration applied and does nothing;
 * - prepared statements are kept and reused by SQL text. Kysely's SQLite driver prepares every
 *   statement it runs; for a 1,024-row INSERT, parsing and planning cost about as much as storing
 *   the rows, and aimdb's statements have few distinct shapes (bulk inserts are compiled once);
 * - reads marked by `arrayRows` (array-rows.ts) return arrays of column values (`raw` statements).
 */
import {
  CompiledQuery,
  SqliteAdapter,
  type DialectAdapter,
  type AbortableOperationOptions,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import { wantsArrayRows } from './array-rows.js';
import { errorProperty } from './backend.js';

const isBusy = (error: unknown) => /^SQLITE_BUSY/.test(String(errorProperty(error, 'code') ?? ''));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class BusyRetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly driver: ImmediateSqliteDriver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Inside a transaction the write lock is already held (BEGIN IMMEDIATE), so a statement there is
    // never retried: re-running half of a transaction would be wrong.
    if (this.driver.inTransaction) return this.inner.executeQuery<R>(query);
    const deadline = Date.now() + this.driver.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        await sleep(Math.min(2 ** attempt, 25));
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number, options?: AbortableOperationOptions): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize, options);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  inTransaction = false;

  constructor(
    config: SqliteDialectConfig,
    readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new BusyRetryingConnection(await super.acquireConnection(), this);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.inTransaction = false;
    try {
      await connection.executeQuery(CompiledQuery.raw('commit'));
    } catch (error) {
      this.inTransaction = true;
      throw error;
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.inTransaction = false;
    }
  }
}

/** Distinct statements kept per connection; the least recently used one is dropped beyond this. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * Wraps a better-sqlite3 database so `prepare` returns a cached statement for SQL text it has seen.
 * A cached statement that is still iterating (a streamed read not yet finished) is busy and cannot be
 * run again, so a fresh one is prepared for that call instead.
 */
export function withStatementCache(database: SqliteDatabase, capacity = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SqliteStatement & { busy?: boolean }>();
  const prepare = (sqlText: string): SqliteStatement => {
    const statement = database.prepare(sqlText);
    // better-sqlite3's statements have raw(); Kysely's type of a statement does not name it.
    return wantsArrayRows(sqlText) ? (statement as SqliteStatement & { raw(on: boolean): SqliteStatement }).raw(true) : statement;
  };
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sqlText: string) => {
      const cached = statements.get(sqlText);
      if (cached !== undefined) {
        if (cached.busy === true) return prepare(sqlText);
        // Map order is insertion order: re-inserting marks the statement as the most recently used.
        statements.delete(sqlText);
        statements.set(sqlText, cached);
        return cached;
      }
      const statement = prepare(sqlText);
      statements.set(sqlText, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/** SQLite's DDL is transactional; saying so makes Kysely's Migrator run migrations in a transaction. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** The SQLite dialect aimdb uses; see the file comment. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #busyTimeoutMs: number;

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    const database = config.database;
    const cachedConfig: SqliteDialectConfig = {
      ...config,
      database:
        typeof database === 'function'
          ? async () => withStatementCache(await database())
          : withStatementCache(database),
    };
    super(cachedConfig);
    this.#config = cachedConfig;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyTimeoutMs);
  }
}
