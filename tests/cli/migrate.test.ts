/**
 * `aimdb migrate status|up|sql` on every backend: status changes nothing, up applies and is
 * idempotent, and the DDL that `sql` prints (without connecting) is what a DBA can apply by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LATEST_SCHEMA_VERSION, MIGRATION_NAMES } from '../../src/migrate/migrator.js';
import { testBackends, type ProvisionedDatabase, type TestBackend } from '../support/backends.js';
import { refusedPort } from '../support/ports.js';
import { isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

/** Runs statements the way a DBA's client would, one by one. */
async function applyByHand(backend: TestBackend, url: string, statements: string[]): Promise<void> {
  if (backend.family === 'sqlite') {
    // Four slashes: sqlite:/// then an absolute path.
    const db = new Database(url.slice('sqlite:///'.length));
    try {
      for (const statement of statements) db.exec(statement);
    } finally {
      db.close();
    }
  } else if (backend.family === 'postgresql') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  } else {
    const connection = await mysql.createConnection(url);
    try {
      for (const statement of statements) await connection.query(statement);
    } finally {
      await connection.end();
    }
  }
}

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb migrate on $name', (backend) => {
  const workdir = tempWorkdir();
  let byHand: ProvisionedDatabase;
  let byCommand: ProvisionedDatabase;
  const cli = (url: string, ...args: string[]) => runCli([...args, '--url', url], { cwd: workdir.dir });

  beforeAll(async () => {
    byHand = await backend.provision();
    byCommand = await backend.provision();
  });
  afterAll(async () => {
    await byHand.drop();
    await byCommand.drop();
    workdir.remove();
  });

  it('status reports an empty database as pending and changes nothing', async () => {
    // An empty file is an empty SQLite database; status never creates one (a mistyped path must fail).
    if (backend.family === 'sqlite') writeFileSync(new URL(byHand.url).pathname, '');
    for (let attempt = 0; attempt < 2; attempt++) {
      const status = jsonOf(await cli(byHand.url, 'migrate', 'status', '--json'));
      expect(status).toMatchObject({ current: null, latest: LATEST_SCHEMA_VERSION, applied: [], pending: [...MIGRATION_NAMES], upToDate: false });
    }
    const table = await cli(byHand.url, 'migrate', 'status');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/schema version\s+\(empty database\)/);
    expect(table.stderr).toContain("aimdb migrate up");
  });

  it('sql prints the DDL without connecting, and a DBA can apply it by hand', async () => {
    const unreachable =
      backend.family === 'sqlite' ? 'sqlite:////nonexistent-folder/never-opened.sqlite' : `${backend.family}://aimdb@127.0.0.1:${await refusedPort()}/aimdb`;
    const offline = await runCli(['migrate', 'sql', '--url', unreachable], { cwd: workdir.dir });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(new RegExp(`^-- aimdb schema from scratch up to ${LATEST_SCHEMA_VERSION}, for ${backend.family}`));
    expect(offline.stdout).toMatch(/create table .*models/);

    const { statements } = jsonOf(await cli(byHand.url, 'migrate', 'sql', '--json'));
    expect(statements.length).toBeGreaterThan(5);
    await applyByHand(backend, byHand.url, statements);

    const status = jsonOf(await cli(byHand.url, 'migrate', 'status', '--json'));
    expect(status).toMatchObject({ current: LATEST_SCHEMA_VERSION, pending: [], upToDate: true });
    expect(jsonOf(await cli(byHand.url, 'migrate', 'up', '--json')).applied).toEqual([]);
    const stats = await cli(byHand.url, 'stats', '--json');
    expect(stats.code, stats.stderr).toBe(0);
    expect(jsonOf(stats).counts.models).toBe(0);
  });

  it('with migrate: false in the config, commands refuse an outdated schema (exit 6) until migrate up', async () => {
    const config = path.join(workdir.dir, `no-ddl-${backend.name}.yaml`);
    writeFileSync(config, `database:\n  url: ${byCommand.url}\n  migrate: false\n`);
    // An empty SQLite database (reading commands never create the file).
    if (backend.family === 'sqlite') writeFileSync(new URL(byCommand.url).pathname, '');
    const refused = await runCli(['stats', '--config', config], { cwd: workdir.dir });
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/^aimdb: the database schema is at nothing, this aimdb needs .*'aimdb migrate up'/);
    expect(jsonOf(await runCli(['migrate', 'status', '--json', '--config', config], { cwd: workdir.dir })).upToDate).toBe(false);
  });

  it('up applies pending migrations once; sql --pending then has nothing to print', async () => {
    const first = jsonOf(await cli(byCommand.url, 'migrate', 'up', '--json'));
    expect(first).toMatchObject({ before: null, after: LATEST_SCHEMA_VERSION, applied: [...MIGRATION_NAMES] });
    const again = await cli(byCommand.url, 'migrate', 'up');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`already up to date at ${LATEST_SCHEMA_VERSION}`);
    const pending = await cli(byCommand.url, 'migrate', 'sql', '--pending');
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout.trim()).toBe(`-- nothing to apply: the schema is at ${LATEST_SCHEMA_VERSION} already`);
  });
});
