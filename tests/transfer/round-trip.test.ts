/**
 * The round trip: demo-like data with edge values copied SQLite → PostgreSQL → MySQL →
 * SQLite (every backend this run covers, in that order), compared field by field through the
 * AiDatabase API after every hop.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runDemoScenario } from '../../src/cli/demo-scenario.js';
import { copyDatabase } from '../../src/transfer/index.js';
import { provisionSqliteFile, testBackends } from '../support/backends.js';
import { seedSampleData, snapshot } from './sample-data.js';
import { locationOf, openTestDatabase, type OpenedTestDatabase } from './transfer-fixtures.js';

describe('copy round trip through every backend', () => {
  const opened: OpenedTestDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.dispose();
  });

  it('keeps every value and relationship, and new ids continue after the copied ones', async () => {
    const hops = [
      ...testBackends().filter((backend) => backend.name !== 'sqlite-memory'),
      { name: 'sqlite-file' as const, family: 'sqlite' as const, provision: provisionSqliteFile },
    ];
    const origin = await openTestDatabase(hops[0]!);
    opened.push(origin);
    const quiet = { section: () => undefined, entity: () => undefined, line: () => undefined, table: () => undefined, tick: () => undefined };
    await runDemoScenario(origin.db, quiet);
    await seedSampleData(origin.db);
    const expected = await snapshot(origin.db);
    expect(expected.metrics).not.toEqual({});

    let previous = origin;
    for (const hop of hops.slice(1)) {
      const next = await openTestDatabase(hop);
      opened.push(next);
      const report = await copyDatabase(locationOf(previous), locationOf(next));
      expect(report.verification?.ok).toBe(true);
      expect(report.tables.find((table) => table.table === 'metrics')?.rowsWritten).toBe(await origin.db.kysely.selectFrom('metrics').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((row) => Number(row.n)));
      expect(await snapshot(next.db), `after the hop to ${hop.name}`).toEqual(expected);
      previous = next;
    }

    // Sequences were set: a new row on the last target gets an id past every copied one.
    const last = previous.db;
    const highestModel = Math.max(...expected.models.map((model) => model.id));
    expect((await last.createModel({ name: 'after the copy' })).id).toBeGreaterThan(highestModel);
    const highestPrediction = Math.max(...expected.predictions.map((prediction) => prediction.id));
    const version = expected.versions[0]!;
    expect((await last.logPrediction({ modelVersionId: version.id, input: 1, output: 2 })).id).toBeGreaterThan(highestPrediction);
  });
});
