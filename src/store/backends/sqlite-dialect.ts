/**
 * Kysely's SQLite dialect, made safe for several writers on one file (two processes, or two
 * AiDatabase instances in one process):
 * - transactions start with BEGIN IMMEDIATE, so a writer takes the write lock before it reads
 *   (a deferred BEGIN that later upgrades fails with SQLITE_BUSY at once, without waiting);
 * - a statement that finds the file locked is retried asynchronously for up to `busyTimeoutMs`,
 *   instead of SQLite's busy_timeout, which blocks the event loop and so also the other instance
 *   in the same process that holds the lock and needs the loop to commit.
 */
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
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

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
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

/** The SQLite dialect aimdb uses; see the file comment. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #busyTimeoutMs: number;

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config);
    this.#config = config;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyTimeoutMs);
  }
}
