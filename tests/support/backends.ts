/**
 * The backends this test run covers: SQLite always (in memory and on a file), PostgreSQL when
 * AIMDB_TEST_POSTGRES_URL is set, MySQL when AIMDB_TEST_MYSQL_URL is set. Each `provision()` makes a
 * fresh database (or file) that only the caller sees, and drops it in `drop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';

export type TestBackendName = 'sqlite-memory' | 'sqlite-file' | 'postgresql' | 'mysql';

export interface ProvisionedDatabase {
  /** A URL `createAiDatabase({ url })` accepts. */
  url: string;
  /** Removes the database (or file) again. */
  drop(): Promise<void>;
}

export interface TestBackend {
  name: TestBackendName;
  /** The backend family, as `createAiDatabase` names it. */
  family: 'sqlite' | 'postgresql' | 'mysql';
  provision(): Promise<ProvisionedDatabase>;
}

const uniqueName = () => `aimdb_test_${process.pid}_${randomBytes(4).toString('hex')}`;

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export const postgresAdminUrl = () => process.env.AIMDB_TEST_POSTGRES_URL || undefined;
export const mysqlAdminUrl = () => process.env.AIMDB_TEST_MYSQL_URL || undefined;

/** Creates an empty PostgreSQL database and returns its URL. */
export async function provisionPostgres(adminUrl: string): Promise<ProvisionedDatabase> {
  const database = uniqueName();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, database),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${database}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Creates an empty MySQL/MariaDB database (utf8mb4) and returns its URL. */
export async function provisionMysql(adminUrl: string): Promise<ProvisionedDatabase> {
  const database = uniqueName();
  const admin = await mysql.createConnection(adminUrl);
  try {
    await admin.query(`create database \`${database}\` character set utf8mb4 collate utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, database),
    drop: async () => {
      const client = await mysql.createConnection(adminUrl);
      try {
        await client.query(`drop database if exists \`${database}\``);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh SQLite file in its own temporary folder. */
export async function provisionSqliteFile(): Promise<ProvisionedDatabase> {
  const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-test-'));
  return {
    // Four slashes: an absolute path.
    url: `sqlite:///${path.join(folder, 'test.sqlite')}`,
    drop: async () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** Every backend of this run, SQLite first. */
export function testBackends(options: { sqliteFile?: boolean } = {}): TestBackend[] {
  const backends: TestBackend[] = [
    {
      name: 'sqlite-memory',
      family: 'sqlite',
      provision: async () => ({ url: 'sqlite::memory:', drop: async () => undefined }),
    },
  ];
  if (options.sqliteFile !== false) backends.push({ name: 'sqlite-file', family: 'sqlite', provision: provisionSqliteFile });
  const postgres = postgresAdminUrl();
  if (postgres !== undefined) backends.push({ name: 'postgresql', family: 'postgresql', provision: () => provisionPostgres(postgres) });
  const mysqlUrl = mysqlAdminUrl();
  if (mysqlUrl !== undefined) backends.push({ name: 'mysql', family: 'mysql', provision: () => provisionMysql(mysqlUrl) });
  return backends;
}

/** Server backends only (for tests that need a real network database). */
export function serverBackends(): TestBackend[] {
  return testBackends({ sqliteFile: false }).filter((backend) => backend.family !== 'sqlite');
}
