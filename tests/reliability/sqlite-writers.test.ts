/**
 * Eight processes writing one SQLite file at the same moment (training jobs on one machine sharing a
 * file): no write fails with a busy error, version numbers stay gapless and unique, metric points with
 * omitted steps are neither lost nor duplicated, and every prediction is stored.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { provisionSqliteFile, type ProvisionedDatabase } from '../support/backends.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { startWorker, type LineProcess } from './support/line-process.js';
import { scaled, timeoutFor } from './support/scale.js';

const PROCESSES = 8;
const PER_PROCESS = scaled(20, 200);
const worker = fileURLToPath(new URL('./support/write-worker.mjs', import.meta.url));

describe('sqlite-file: 8 writer processes on one file', () => {
  let provisioned: ProvisionedDatabase;
  let db: AiDatabase;
  let workers: LineProcess[] = [];
  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does it in pretest)');
    provisioned = await provisionSqliteFile();
    db = await createAiDatabase({ url: provisioned.url });
  });
  afterAll(async () => {
    await Promise.all(workers.map((process) => process.stop()));
    await db?.close();
    await provisioned?.drop();
  });

  it(`${PROCESSES} processes x ${PER_PROCESS} concurrent writes each: nothing fails, lost or duplicated`, async () => {
    const model = await db.createModel({ name: 'shared' });
    const first = await db.createModelVersion({ modelId: model.id });
    const run = await db.createTrainingRun();
    workers = Array.from({ length: PROCESSES }, () => startWorker([worker, provisioned.url, model.name, String(run.id), String(PER_PROCESS)]));
    for (const process of workers) expect(await process.nextLine(120_000)).toBe('ready');
    for (const process of workers) process.send('go');
    const results = await Promise.all(workers.map(async (process) => JSON.parse(await process.nextLine(180_000)) as { versions: number[]; failures: string[] }));

    const failures = results.flatMap((result) => result.failures);
    const total = PROCESSES * PER_PROCESS;
    console.log(`[reliability] sqlite-file: ${PROCESSES} writer processes, ${total * 3} writes, ${failures.length} failed`);
    expect(failures).toEqual([]);
    const versions = results.flatMap((result) => result.versions).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: total }, (_unused, index) => index + 2));
    expect((await db.getModel(model.id)).latestVersion).toBe(total + 1);
    const steps = (await db.getMetrics(run.id, { name: 'loss' })).map((point) => point.step);
    expect(steps).toEqual(Array.from({ length: 2 * total }, (_unused, index) => index));
    expect((await db.getMetricSummaries(run.id))[0]).toMatchObject({ count: 2 * total, lastStep: 2 * total - 1 });
    const predictions = await db.getPredictions({ modelVersionId: first.id, limit: 10_000 });
    expect(predictions.items).toHaveLength(total);
  }, timeoutFor(1, 120_000));
});
