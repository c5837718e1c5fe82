/**
 * Opening a database: directly from options, from a config file, or by auto-detection. It sits
 * above the store, the migrations and the HTTP client (decision 0131): it picks one, brings the
 * schema up to date and hands back an AiDatabase.
 */
import { Kysely, sql, type LogEvent } from 'kysely';
import {
  artifactsConfigSchema,
  type ArtifactsConfig,
  loadConfigFile,
  resolveDatabaseConfig,
  type DatabaseConfig,
  type ResolvedDatabaseConfig,
} from '../config/config.js';
import { describeConnection, toConnectionSpec } from '../config/connection.js';
import { SchemaOutdatedError, ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import { databaseConfigSchema } from '../config/config.js';
import { LATEST_SCHEMA_VERSION, migrateToLatest, schemaStatus } from '../migrate/migrator.js';
import {
  SqlAiDatabase,
  checkSqlitePath,
  createBackend,
  translateError,
  type AiDatabase,
  type SchemaInfo,
  type StoreContext,
  type Tables,
} from '../store/index.js';

/** Health reports the schema version the migrations know. */
const SCHEMA_INFO: SchemaInfo = { latest: LATEST_SCHEMA_VERSION, current: async (db) => (await schemaStatus(db)).current };
import { defaultArtifactsFolder, lazyBlobStore, openBlobStore, type ArtifactGcOptions, type ArtifactGcReport, type BlobStore } from '../store/index.js';

/** Options of `createAiDatabase`: a config plus what only code can pass. */
export type AiDatabaseOptions = Omit<DatabaseConfig, 'echo'> & {
  /**
   * Where artifact bytes go: the `artifacts:` config section, or a blob store object. Default: the
   * folder `aimdb-artifacts` beside the SQLite file (else in the working directory), created on the
   * first upload.
   */
  artifacts?: ArtifactsConfig | BlobStore;
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

function echoLogger(echo: AiDatabaseOptions['echo']) {
  if (echo === undefined || echo === false) return undefined;
  const sink = echo === true ? (text: string, ms: number) => process.stderr.write(`[sql ${ms.toFixed(1)}ms] ${text}\n`) : echo;
  return (event: LogEvent) => sink(event.query.sql, event.queryDurationMillis);
}

/** The blob store handle for a database's options: the one given, or one opened lazily from config. */
function blobStoreOption(option: ArtifactsConfig | BlobStore | undefined, sqliteFile: string | undefined): () => Promise<BlobStore> {
  if (option !== undefined && 'stage' in option) return async () => option;
  const config = parseInput(artifactsConfigSchema, option ?? {}, 'artifacts');
  return lazyBlobStore(() => openBlobStore(config, defaultArtifactsFolder(sqliteFile)));
}

/**
 * Removes artifact blobs that no run or model version references, keeping blobs of uploads in
 * flight (younger than `graceMs`, default one hour, or marked pending). Only for a database this
 * process opens (not over HTTP): the blob store and the rows must be reachable together.
 */
export async function collectArtifactGarbage(db: AiDatabase, options?: ArtifactGcOptions): Promise<ArtifactGcReport> {
  if (!(db instanceof SqlAiDatabase)) {
    throw new ValidationError('artifacts gc: needs a database opened directly (SQLite, PostgreSQL or MySQL), not an aimdb server', {
      field: 'backend',
    });
  }
  return db.collectArtifactGarbage(options);
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
  const { echo, now, create, artifacts, ...config } = options;
  const spec = toConnectionSpec(parseInput(databaseConfigSchema, config, 'options'));
  const blobs = blobStoreOption(artifacts, spec.backend === 'sqlite' ? spec.filename : undefined);
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
    blobs,
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
  return new SqlAiDatabase(ctx, () => db.destroy(), SCHEMA_INFO);
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
    const { echo: _echo, now: _now, create: _create, artifacts: _artifacts, ...config } = options;
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
  return createAiDatabase({
    ...(file.database ?? {}),
    ...(file.artifacts === undefined ? {} : { artifacts: file.artifacts }),
    ...overrides,
  });
}

/**
 * Auto-detection: a config file (`AIMDB_CONFIG`, else `./aimdb.config.yaml|yml|json`), else
 * `AIMDB_DATABASE_URL`, else the SQLite file `./aimdb.sqlite`. The only function that reads the
 * environment by itself.
 */
export async function openAiDatabase(overrides: Partial<AiDatabaseOptions> = {}): Promise<AiDatabase> {
  const resolved: ResolvedDatabaseConfig = await resolveDatabaseConfig();
  return createAiDatabase({
    ...resolved.config,
    ...(resolved.artifacts === undefined ? {} : { artifacts: resolved.artifacts }),
    ...overrides,
  });
}
