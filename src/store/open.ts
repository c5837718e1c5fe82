/**
 * Opening a database: directly from options, from a config file, or by auto-detection.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Kysely, sql, type LogEvent } from 'kysely';
import {
  loadConfigFile,
  resolveDatabaseConfig,
  type DatabaseConfig,
  type ResolvedDatabaseConfig,
} from '../config/config.js';
import { describeConnection, toConnectionSpec, type ConnectionSpec, type SqliteConnection } from '../config/connection.js';
import { BackendError, SchemaOutdatedError, ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import { databaseConfigSchema } from '../config/config.js';
import { migrateToLatest, schemaStatus } from '../migrate/migrator.js';
import type { AiDatabase } from './ai-database.js';
import type { Backend } from './backends/backend.js';
import { createMysqlBackend } from './backends/mysql.js';
import { createPostgresBackend } from './backends/postgres.js';
import { createSqliteBackend } from './backends/sqlite.js';
import { translateError, type StoreContext } from './sql/context.js';
import { SqlAiDatabase } from './sql/sql-ai-database.js';
import type { Tables } from './sql/tables.js';

/** Options of `createAiDatabase`: a config plus what only code can pass. */
export type AiDatabaseOptions = Omit<DatabaseConfig, 'echo'> & {
  /** true logs each SQL statement to stderr; a function receives them instead. Never logs bound values. */
  echo?: boolean | ((sql: string, durationMs: number) => void);
  /** Milliseconds since the epoch; for tests of lifecycle times. */
  now?: () => number;
  /**
   * false: open only a database that exists; never create a SQLite file (for tools that only read,
   * where a mistyped path must be an error, not a new empty database). Default true.
   */
  create?: boolean;
};

/**
 * Checks a SQLite file's path before SQLite opens (and so perhaps creates) it, naming the file the
 * caller expected: SQLite itself only says "unable to open database file".
 */
export function checkSqlitePath(spec: SqliteConnection, options: { create: boolean }): void {
  if (spec.filename === ':memory:' || spec.filename === '') return;
  const file = path.resolve(spec.filename);
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new BackendError(`the SQLite database path ${file} is a folder, not a file`);
    return;
  }
  if (!options.create) {
    throw new BackendError(`the SQLite database file ${file} does not exist (this command only reads and never creates one)`);
  }
  const folder = path.dirname(file);
  if (!existsSync(folder)) {
    throw new BackendError(`cannot create the SQLite database file ${file}: its folder ${folder} does not exist`);
  }
}

/** The backend object for a connection spec. */
export function createBackend(spec: Exclude<ConnectionSpec, { backend: 'http' }>): Backend {
  switch (spec.backend) {
    case 'sqlite':
      return createSqliteBackend(spec);
    case 'postgresql':
      return createPostgresBackend(spec);
    case 'mysql':
      return createMysqlBackend(spec);
  }
}

function echoLogger(echo: AiDatabaseOptions['echo']) {
  if (echo === undefined || echo === false) return undefined;
  const sink = echo === true ? (text: string, ms: number) => process.stderr.write(`[sql ${ms.toFixed(1)}ms] ${text}\n`) : echo;
  return (event: LogEvent) => sink(event.query.sql, event.queryDurationMillis);
}

/** Opens a SQL database (no HTTP), checks the connection and brings the schema up to date. */
/**
 * Whether `db` is a database this process opens itself (SQLite, PostgreSQL, MySQL) rather than a
 * remote aimdb server: the run logger waits for the former and spills for the latter.
 */
export function isLocalDatabase(db: AiDatabase): boolean {
  return db instanceof SqlAiDatabase;
}

export async function openSqlDatabase(options: AiDatabaseOptions): Promise<SqlAiDatabase> {
  const { echo, now, create, ...config } = options;
  const spec = toConnectionSpec(parseInput(databaseConfigSchema, config, 'options'));
  if (spec.backend === 'http') throw new ValidationError('backend: http is not a SQL backend', { field: 'backend' });
  if (spec.backend === 'sqlite') checkSqlitePath(spec, { create: create ?? true });
  const backend = createBackend(spec);
  const log = echoLogger(echo);
  const db = new Kysely<Tables>(log === undefined ? { dialect: backend.dialect } : { dialect: backend.dialect, log });
  const ctx: StoreContext = {
    db,
    backend,
    inTransaction: false,
    now: now ?? Date.now,
    ...(config.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: config.heartbeatTimeoutMs }),
  };
  try {
    await sql`select 1`.execute(db);
    if (options.migrate === false) {
      const status = await schemaStatus(db);
      if (status.pending.length > 0) {
        throw new SchemaOutdatedError(
          `the database schema is at ${status.current ?? 'nothing'}, this aimdb needs ${status.latest}; ` +
            `run 'aimdb migrate up' (or 'aimdb migrate sql' for the DDL) as a user with DDL rights`,
        );
      }
    } else {
      await migrateToLatest(db, backend);
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const typed = translateError(ctx, error);
    typed.message = `${typed.message} (${describeConnection(spec)})`;
    throw typed;
  }
  return new SqlAiDatabase(ctx, () => db.destroy());
}

/**
 * Opens an AiDatabase on the backend the options name: `sqlite` (default), `postgresql`, `mysql`,
 * or `http` for a remote aimdb server.
 *
 * @example
 * const db = await createAiDatabase({ backend: 'postgresql', url: 'postgresql://user@localhost/aimdb' });
 */
export async function createAiDatabase(options: AiDatabaseOptions = {}): Promise<AiDatabase> {
  const backend = options.backend ?? (options.url === undefined ? 'sqlite' : toConnectionSpec({ url: options.url }).backend);
  if (backend === 'http') {
    // Left out, not set to undefined: the strict schema reports any key it does not know.
    const { echo: _echo, now: _now, create: _create, ...config } = options;
    const spec = toConnectionSpec(parseInput(databaseConfigSchema, config, 'options'));
    if (spec.backend !== 'http') throw new ValidationError('backend: expected http', { field: 'backend' });
    const { createHttpAiDatabase } = await import('../client/http-client.js');
    return createHttpAiDatabase({ url: spec.url, token: spec.token });
  }
  return openSqlDatabase(options);
}

/** Opens the database a YAML or JSON config file describes (its `database:` section). */
export async function createAiDatabaseFromConfig(
  configPath: string,
  overrides: Partial<AiDatabaseOptions> = {},
): Promise<AiDatabase> {
  const file = await loadConfigFile(configPath);
  return createAiDatabase({ ...(file.database ?? {}), ...overrides });
}

/**
 * Auto-detection: a config file (`AIMDB_CONFIG`, else `./aimdb.config.yaml|yml|json`), else
 * `AIMDB_DATABASE_URL`, else the SQLite file `./aimdb.sqlite`. The only function that reads the
 * environment by itself.
 */
export async function openAiDatabase(overrides: Partial<AiDatabaseOptions> = {}): Promise<AiDatabase> {
  const resolved: ResolvedDatabaseConfig = await resolveDatabaseConfig();
  return createAiDatabase({ ...resolved.config, ...overrides });
}
