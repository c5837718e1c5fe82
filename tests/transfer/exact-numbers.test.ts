/**
 * Numbers survive `aimdb copy`, export and import exactly, between every pair of backends, with
 * randomly generated data (fast-check) and verification on; and the report: 40 runs and 600
 * predictions with random latencies copied SQLite → MySQL with the `aimdb` binary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AiDatabase } from '../../src/index.js';
import { copyDatabase, exportDatabase, importDatabase } from '../../src/transfer/index.js';
import { runCli } from '../cli/run-cli.js';
import { mysqlAdminUrl, provisionMysql, provisionSqliteFile, testBackends, type TestBackend } from '../support/backends.js';
import { anyDouble, doubleIn, finiteDouble } from '../support/doubles.js';
import { snapshot } from './sample-data.js';
import { openTestDatabase, useTestDatabases } from './transfer-fixtures.js';

vi.setConfig({ testTimeout: 300_000 });

const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-exact-numbers-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Stores random numbers in every double column and JSON document; `seed` makes it repeatable. */
async function seedRandomNumbers(db: AiDatabase, seed: number): Promise<void> {
  const sample = <T>(arbitrary: fc.Arbitrary<T>, count: number, offset: number) => fc.sample(arbitrary, { numRuns: count, seed: seed + offset });
  const documents = sample(fc.record({ list: fc.array(finiteDouble, { maxLength: 20 }), scalar: finiteDouble }), 20, 1);
  const model = await db.createModel({ name: `exact-${seed}`, metadata: documents[0]! });
  const version = await db.createModelVersion({ modelId: model.id, config: documents[1]! });
  for (const [index, document] of documents.slice(2, 8).entries()) {
    const run = await db.createTrainingRun({ name: `run-${index}`, modelId: model.id, config: document });
    await db.logHyperparameters(run.id, { lr: document.scalar, schedule: document.list });
    const values = sample(anyDouble, 150, 10 + index);
    await db.logMetrics(run.id, values.map((value, step) => ({ name: step % 2 === 0 ? 'loss' : 'accuracy', value, step })));
  }
  const predictions = sample(
    fc.record({
      confidence: fc.option(doubleIn(0, 1), { nil: null }),
      latencyMs: fc.option(doubleIn(0, Number.MAX_SAFE_INTEGER), { nil: null }),
      input: fc.array(finiteDouble, { maxLength: 5 }),
      output: finiteDouble,
    }),
    300,
    100,
  );
  await db.logPredictions(predictions.map((item) => ({ modelVersionId: version.id, ...item })));
}

const byUrl = testBackends().filter((backend) => backend.name !== 'sqlite-memory');
const orderedPairs: Array<[string, TestBackend, TestBackend]> = byUrl.flatMap((source) =>
  byUrl.filter((target) => target !== source).map((target): [string, TestBackend, TestBackend] => [`${source.name} → ${target.name}`, source, target]),
);

describe.each(orderedPairs)('numbers copied and imported exactly, %s', (label, sourceBackend, targetBackend) => {
  const open = useTestDatabases();
  const seed = [...label].reduce((hash, character) => (hash * 31 + character.charCodeAt(0)) | 0, 7);

  it('copy, verification on', async () => {
    const source = await open(sourceBackend);
    await seedRandomNumbers(source.db, seed);
    const target = await open(targetBackend);
    const report = await copyDatabase(source.url, target.url);
    expect(report.verification?.ok).toBe(true);
    expect(await snapshot(target.db)).toEqual(await snapshot(source.db));
  });

  it('export, then import, verification on', async () => {
    const source = await open(sourceBackend);
    await seedRandomNumbers(source.db, seed + 1);
    const file = path.join(folder, `${seed}.aimdb`);
    await exportDatabase(source.url, file);
    const target = await open(targetBackend);
    const report = await importDatabase(file, target.url);
    expect(report.verification?.ok).toBe(true);
    expect(await snapshot(target.db)).toEqual(await snapshot(source.db));
  });
});

describe.runIf(mysqlAdminUrl() !== undefined)("the issue's copy: 40 runs and 600 predictions, SQLite → MySQL with the aimdb binary", () => {
  it('copies and verifies', async () => {
    const sqlite = await provisionSqliteFile();
    const mysql = await provisionMysql(mysqlAdminUrl()!);
    const source = await openTestDatabase({ name: 'sqlite-file', family: 'sqlite', provision: async () => sqlite });
    try {
      const model = await source.db.createModel({ name: 'classifier' });
      const version = await source.db.createModelVersion({ modelId: model.id });
      for (let index = 0; index < 40; index++) await source.db.createTrainingRun({ name: `run-${index}`, modelId: model.id });
      // Uniform in [5, 45) like the reporter's Math.random() latencies, but repeatable.
      const latencies = fc.sample(fc.nat({ max: 2 ** 53 - 1 }), { numRuns: 600, seed: 22 }).map((n) => 5 + (40 * n) / 2 ** 53);
      await source.db.logPredictions(latencies.map((latencyMs, index) => ({ modelVersionId: version.id, input: { index }, output: 'ok', latencyMs })));
      await source.db.close();
      const copied = await runCli(['copy', '--from', sqlite.url, '--to', mysql.url]);
      expect(copied.code, copied.stderr).toBe(0);
    } finally {
      await source.dispose();
      await mysql.drop();
    }
  });
});
