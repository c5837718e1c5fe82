/**
 * Versioned schema migrations: numbered, one linear history, applied by Kysely's Migrator (which
 * takes a lock so two processes never migrate at once).
 */
import { Kysely, DummyDriver, type Dialect, type CompiledQuery } from 'kysely';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';
import { SchemaOutdatedError } from '../core/errors.js';
import type { Backend } from '../store/backends/backend.js';
import * as initial from './migrations/0001-initial.js';
import * as metricRollups from './migrations/0002-metric-rollups.js';
import * as queryLanguage from './migrations/0003-query-language.js';
import * as lifecycleAliasesStepValues from './migrations/0004-lifecycle-aliases-step-values.js';
import * as artifacts from './migrations/0005-artifacts.js';
import * as metricBatchReceipts from './migrations/0006-metric-batch-receipts.js';
import * as predictionRollups from './migrations/0007-prediction-rollups.js';
import * as lifecycle from './migrations/0008-lifecycle.js';
import * as runInputs from './migrations/0010-run-inputs.js';
import * as metricNameInterning from './migrations/0011-metric-name-interning.js';
import * as searchSortIndex from './migrations/0013-search-sort-index.js';

interface MigrationModule {
  up(db: Kysely<any>, backend: Backend): Promise<void>;
  down(db: Kysely<any>, backend: Backend): Promise<void>;
}

/** Every migration, in order. Names sort lexically; add new ones at the end. */
const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['0001-initial', initial],
  ['0002-metric-rollups', metricRollups],
  ['0003-query-language', queryLanguage],
  ['0004-lifecycle-aliases-step-values', lifecycleAliasesStepValues],
  ['0005-artifacts', artifacts],
  ['0006-metric-batch-receipts', metricBatchReceipts],
  ['0007-prediction-rollups', predictionRollups],
  ['0008-lifecycle', lifecycle],
  ['0010-run-inputs', runInputs],
  ['0011-metric-name-interning', metricNameInterning],
  ['0013-search-sort-index', searchSortIndex],
];

export const MIGRATION_TABLE = 'aimdb_migrations';
export const MIGRATION_LOCK_TABLE = 'aimdb_migrations_lock';
/** The schema version this build of aimdb expects. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]![0];
/** Every migration's name, oldest first. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

function providerFor(backend: Backend): MigrationProvider {
  return {
    getMigrations: async () =>
      Object.fromEntries(
        MIGRATIONS.map(([name, module]): [string, Migration] => [
          name,
          { up: (db) => module.up(db, backend), down: (db) => module.down(db, backend) },
        ]),
      ),
  };
}

function migratorFor(db: Kysely<any>, backend: Backend): Migrator {
  return new Migrator({
    db,
    provider: providerFor(backend),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Numbers 0005, 0007 and 0008 landed after 0006 and 0010 (decision 0133): a database migrated in
    // between gets them now instead of being refused as corrupted. Each migration is independent.
    allowUnorderedMigrations: true,
  });
}

export interface SchemaStatus {
  /** The newest applied migration, or null for an empty database. */
  current: string | null;
  latest: string;
  applied: string[];
  pending: string[];
}

/** Which migrations are applied and which are pending. Reads only; needs no DDL rights. */
export async function schemaStatus(db: Kysely<any>): Promise<SchemaStatus> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const names = new Set(MIGRATIONS.map(([name]) => name));
  let applied: string[] = [];
  if (tables.some((table) => table.name === MIGRATION_TABLE)) {
    const rows = await db.selectFrom(MIGRATION_TABLE).select('name').orderBy('name').execute();
    applied = rows.map((row) => String(row.name));
  }
  const unknown = applied.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new SchemaOutdatedError(
      `the database schema (${unknown.at(-1)}) is newer than this aimdb (${LATEST_SCHEMA_VERSION}); upgrade aimdb`,
    );
  }
  return {
    current: applied.at(-1) ?? null,
    latest: LATEST_SCHEMA_VERSION,
    applied,
    pending: MIGRATIONS.map(([name]) => name).filter((name) => !applied.includes(name)),
  };
}

/** Applies every pending migration. Throws the first failure with its migration's name. */
export async function migrateToLatest(db: Kysely<any>, backend: Backend): Promise<MigrationResultSet> {
  // A schema from a newer aimdb gets the plain 'upgrade aimdb' error, not the Migrator's
  // "corrupted migrations".
  await schemaStatus(db);
  const result = await migratorFor(db, backend).migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((item) => item.status === 'Error');
    const error = result.error as Error;
    throw new SchemaOutdatedError(
      `migration ${failed?.migrationName ?? '?'} failed: ${error.message ?? String(error)}`,
    );
  }
  return result;
}

/** Rolls back the newest migration (for tests and for undoing a bad upgrade by hand). */
export async function migrateDown(db: Kysely<any>, backend: Backend): Promise<MigrationResultSet> {
  return migratorFor(db, backend).migrateDown();
}

/**
 * The DDL the pending migrations would run, compiled for the backend without touching a database,
 * for a DBA to apply by hand.
 */
export async function migrationSql(backend: Backend, from: string | null = null): Promise<string[]> {
  const statements: string[] = [];
  const capture: Dialect = {
    createAdapter: () => backend.dialect.createAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => backend.dialect.createIntrospector(db),
    createQueryCompiler: () => backend.dialect.createQueryCompiler(),
  };
  const db = new Kysely<any>({
    dialect: capture,
    log: (event) => {
      if (event.level === 'query') statements.push(inlineParameters(event.query));
    },
  });
  if (from === null) {
    // The bookkeeping tables Kysely's Migrator would create, so `migrate status` works afterwards.
    await db.schema
      .createTable(MIGRATION_TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable(MIGRATION_LOCK_TABLE)
      .ifNotExists()
      .addColumn('id', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('is_locked', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    statements.push(`insert into ${MIGRATION_LOCK_TABLE} (id, is_locked) values ('migration_lock', 0)`);
  }
  for (const [name, module] of MIGRATIONS) {
    if (from !== null && name <= from) continue;
    statements.push(`-- migration ${name}`);
    await module.up(db, backend);
    statements.push(
      `insert into ${MIGRATION_TABLE} (name, timestamp) values ('${name}', '${new Date().toISOString()}')`,
    );
  }
  await db.destroy();
  return statements;
}

function inlineParameters(query: CompiledQuery): string {
  // DDL carries no user data; defaults are the only parameters and are plain numbers or strings.
  let index = 0;
  return query.sql.replace(/\$\d+|\?/g, () => {
    const value = query.parameters[index++];
    return typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`;
  });
}
