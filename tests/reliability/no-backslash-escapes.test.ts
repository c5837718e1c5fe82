/**
 * MariaDB with sql_mode NO_BACKSLASH_ESCAPES (a setting DBAs use): a backslash in a value is then an
 * ordinary character, so a value escaped with backslashes on the client could end its string early
 * and change the statement. Every value must reach the server as data: names with quotes and
 * backslashes are stored and found exactly, and a crafted name never reads another row.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, NotFoundError, type AiDatabase } from '../../src/index.js';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import type { ProvisionedDatabase } from '../support/backends.js';
import { startAppOn } from '../server/support/test-server.js';
import { startSpareMariadb, type SpareMariadb } from './support/spare-mariadb.js';
import { expectRejection } from '../contract/expectations.js';

const HOSTILE_NAMES = [
  "x\\' OR 1=1 -- x",
  "it's",
  'back\\slash',
  'ends with \\',
  "\\'; drop table models; -- x",
  '"double" and \'single\'',
  '100%_\\%',
];

describe('MariaDB with NO_BACKSLASH_ESCAPES', () => {
  let spare: SpareMariadb;
  let provisioned: ProvisionedDatabase;
  let db: AiDatabase;
  // Named like a temporary table of the shared MariaDB server, in the shared temporary folder.
  const sharedTemporaryTable = path.join(tmpdir(), `#sql-temptable-aimdb-canary-${process.pid}-${randomUUID()}.MAI`);
  beforeAll(async () => {
    writeFileSync(sharedTemporaryTable, '');
    spare = await startSpareMariadb('NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES');
    provisioned = await spare.backend.provision();
    db = await createAiDatabase({ url: provisioned.url });
  }, 180_000);
  afterAll(async () => {
    await db?.close();
    await provisioned?.drop();
    await spare?.stop();
    rmSync(sharedTemporaryTable, { force: true });
  }, 60_000);

  it("leaves the shared server's temporary tables alone while it starts", () => {
    // Its start-up clean-up once deleted them, failing the shared server's queries (and crashing it).
    expect(existsSync(sharedTemporaryTable)).toBe(true);
  });

  it('stores and finds names with quotes and backslashes exactly, and a crafted name reads nothing else', async () => {
    const victim = await db.createModel({ name: 'victim', description: 'must stay private' });
    await expectRejection(db.getModel("x\\' OR 1=1 -- "), NotFoundError);
    await expectRejection(db.getModel("victim\\' OR name<>'"), NotFoundError);
    for (const name of HOSTILE_NAMES) {
      const model = await db.createModel({ name, description: `about ${name}`, tags: { [name]: name } });
      const found = await db.getModel(name);
      expect(found).toMatchObject({ id: model.id, name, description: `about ${name}`, tags: { [name]: name } });
      expect(found.id).not.toBe(victim.id);
    }
    expect((await db.listModels({ limit: 100 })).items).toHaveLength(HOSTILE_NAMES.length + 1);
    expect((await db.getModel('victim')).description).toBe('must stay private');
  });

  it('matches LIKE wildcards and backslashes in a search literally', async () => {
    expect((await db.listModels({ nameContains: '\\' })).items.map((model) => model.name).sort()).toEqual(
      HOSTILE_NAMES.filter((name) => name.includes('\\')).sort(),
    );
    expect((await db.listModels({ nameContains: '%_\\' })).items.map((model) => model.name)).toEqual(['100%_\\%']);
    expect((await db.listModels({ nameContains: "it'" })).items.map((model) => model.name)).toEqual(["it's"]);
  });

  it('round-trips JSON and metric names with backslashes and quotes, in the library and over HTTP', async () => {
    const run = await db.createTrainingRun({ name: "run \\' 1", config: { path: 'C:\\data\\\'x', quote: "'" } });
    await db.logMetrics(run.id, [{ name: "loss\\'", value: 1 }, { name: "loss\\'", value: 2 }]);
    await db.logHyperparameters(run.id, { "lr\\'": 'a\\b' });
    expect((await db.getTrainingRun(run.id)).config).toEqual({ path: 'C:\\data\\\'x', quote: "'" });
    expect((await db.getMetrics(run.id, { name: "loss\\'" })).map((point) => point.value)).toEqual([1, 2]);
    expect(await db.getHyperparameters(run.id)).toEqual({ "lr\\'": 'a\\b' });

    const server = await startAppOn(provisioned.url);
    const client = createHttpAiDatabase({ url: server.url });
    try {
      for (const name of HOSTILE_NAMES) expect((await client.getModel(name)).name).toBe(name);
      await expectRejection(client.getModel("x\\' OR 1=1 #"), NotFoundError);
      const created = await client.createDataset({ name: "ds\\' OR 1=1 -- ", version: "v\\'" });
      expect((await client.getDataset("ds\\' OR 1=1 -- ", "v\\'")).id).toBe(created.id);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
