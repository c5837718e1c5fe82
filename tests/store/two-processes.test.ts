/**
 * Two processes writing one database at once (as a training job and a server would): version numbers
 * stay gapless and unique, and metric points with omitted steps are neither lost nor duplicated.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./two-processes.worker.ts', import.meta.url));
const PER_PROCESS = 15;

describe.each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))('$name: two processes', (backend) => {
  let provisioned: ProvisionedDatabase;
  let db: AiDatabase;
  beforeAll(async () => {
    provisioned = await backend.provision();
    db = await createAiDatabase({ url: provisioned.url });
  });
  afterAll(async () => {
    await db?.close();
    await provisioned?.drop();
  });

  it('number versions and append metrics correctly when writing at the same time', async () => {
    const model = await db.createModel({ name: 'two-processes' });
    const trainingRun = await db.createTrainingRun();
    const args = [worker, provisioned.url, model.name, String(trainingRun.id), String(PER_PROCESS)];
    const outputs = await Promise.all([1, 2].map(() => run(process.execPath, ['--import', 'tsx', ...args], { timeout: 60_000 })));
    const versions = outputs.flatMap((output) => (JSON.parse(output.stdout) as { versions: number[] }).versions);
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * PER_PROCESS }, (_u, i) => i + 1));
    const points = await db.getMetrics(trainingRun.id, { name: 'loss' });
    expect(points.map((point) => point.step)).toEqual(Array.from({ length: 4 * PER_PROCESS }, (_u, i) => i));
    expect((await db.getMetricSummaries(trainingRun.id))[0]).toMatchObject({ count: 4 * PER_PROCESS, lastStep: 4 * PER_PROCESS - 1 });
  });
});
