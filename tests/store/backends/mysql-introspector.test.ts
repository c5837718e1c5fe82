/**
 * MySQL's introspector reads the current database only: opening a database (schema status, the
 * Migrator's table checks) must not list every database on the server, which costs more with each
 * other database and reads the directories of databases other clients create or drop meanwhile.
 */
import { Kysely, MysqlIntrospector, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConnectionSpec } from '../../../src/config/connection.js';
import { MIGRATION_TABLE, migrateToLatest } from '../../../src/migrate/migrator.js';
import { createBackend } from '../../../src/store/index.js';
import { serverBackends, type ProvisionedDatabase } from '../../support/backends.js';
import { explainWhenNoServerBackends } from '../../support/fixtures.js';

const mysqlBackends = serverBackends().filter((backend) => backend.family === 'mysql');

explainWhenNoServerBackends(mysqlBackends, 'the MySQL introspector');

describe.each(mysqlBackends)('$name: introspection of the current database', (testBackend) => {
  let provisioned: ProvisionedDatabase;
  let db: Kysely<any>;
  const statements: string[] = [];

  beforeAll(async () => {
    provisioned = await testBackend.provision();
    const spec = toConnectionSpec({ url: provisioned.url });
    if (spec.backend !== 'mysql') throw new Error('not a MySQL url');
    const backend = createBackend(spec);
    db = new Kysely<any>({ dialect: backend.dialect, log: (event) => void statements.push(event.query.sql) });
    await migrateToLatest(db, backend);
  });
  afterAll(async () => {
    await db?.destroy();
    await provisioned?.drop();
  });

  it('answers the tables and columns Kysely’s own introspector answers', async () => {
    for (const options of [{ withInternalKyselyTables: true }, { withInternalKyselyTables: false }]) {
      const ours = await db.introspection.getTables(options);
      const kysely = await new MysqlIntrospector(db).getTables(options);
      expect(ours.map((table) => table.name)).toContain('training_runs');
      expect(ours.some((table) => table.name === MIGRATION_TABLE)).toBe(true);
      expect(ours).toEqual(kysely);
    }
  });

  it('reads information_schema one database at a time, never scanning all of them', async () => {
    statements.length = 0;
    await db.introspection.getTables({ withInternalKyselyTables: true });
    const reads = statements.filter((text) => /information_schema/i.test(text));
    expect(reads.length).toBeGreaterThan(0);
    for (const text of reads) {
      const plan = await sql.raw(`explain ${text}`).execute(db);
      const extras = (plan.rows as Array<Record<string, unknown>>).map((row) => String(row.Extra ?? row.extra ?? ''));
      expect(extras.join(' | '), text).toMatch(/Scanned 1 database/);
      expect(extras.join(' | '), text).not.toMatch(/Scanned all databases/);
    }
  });
});
