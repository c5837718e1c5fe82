/**
 * Two AiDatabase instances on one database (two pools, as two processes would have): version numbers
 * stay gapless and unique, and metrics written to one run from both never duplicate or miscount.
 * SQLite in memory is left out: two instances of `:memory:` are two different databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';

const shared = testBackends().filter((backend) => backend.name !== 'sqlite-memory');

describe.each(shared)('$name: two instances on one database', (backend) => {
  let provisioned: ProvisionedDatabase;
  let first: AiDatabase;
  let second: AiDatabase;

  beforeAll(async () => {
    provisioned = await backend.provision();
    first = await createAiDatabase({ url: provisioned.url });
    second = await createAiDatabase({ url: provisioned.url });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await provisioned?.drop();
  });

  it('numbers versions created from both at once 1..40 without gaps or duplicates', async () => {
    const model = await first.createModel({ name: 'shared-model' });
    const created = await Promise.all(
      Array.from({ length: 40 }, (_unused, index) => (index % 2 === 0 ? first : second).createModelVersion({ modelId: model.id })),
    );
    expect(created.map((version) => version.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_u, i) => i + 1));
    expect((await second.getModelVersions(model.id)).map((version) => version.version)).toEqual(Array.from({ length: 40 }, (_u, i) => i + 1));
    expect((await first.getModel(model.id)).latestVersion).toBe(40);
  });

  it('appends metrics to one run from both without losing, duplicating or miscounting points', async () => {
    const run = await first.createTrainingRun({ name: 'shared-run' });
    // Steps are omitted: each instance must see the other's points to number its own.
    await Promise.all(
      Array.from({ length: 20 }, (_unused, index) =>
        (index % 2 === 0 ? first : second).logMetrics(run.id, Array.from({ length: 5 }, () => ({ name: 'loss', value: index }))),
      ),
    );
    const points = await second.getMetrics(run.id, { name: 'loss' });
    expect(points.map((point) => point.step)).toEqual(Array.from({ length: 100 }, (_u, i) => i));
    const [summary] = await first.getMetricSummaries(run.id);
    expect(summary).toMatchObject({ count: 100, lastStep: 99, min: 0, max: 19 });

    // Both retry the same explicit batch at once: still one point per step.
    const retry = Array.from({ length: 50 }, (_unused, step) => ({ name: 'acc', value: step / 50, step }));
    await Promise.all([first.logMetrics(run.id, retry), second.logMetrics(run.id, retry), first.logMetrics(run.id, retry)]);
    expect(await first.getMetrics(run.id, { name: 'acc' })).toHaveLength(50);
    expect((await second.getMetricSummaries(run.id)).find((item) => item.name === 'acc')).toMatchObject({ count: 50, lastStep: 49, min: 0, max: 0.98 });
  });

  it('lets both log the same new hyperparameters at once, and refuses a different value from either', async () => {
    const run = await first.createTrainingRun({ name: 'shared-params' });
    const values = { lr: 0.001, batch_size: 64, optimizer: { name: 'adamw' } };
    await Promise.all(Array.from({ length: 10 }, (_unused, index) => (index % 2 === 0 ? first : second).logHyperparameters(run.id, values)));
    expect(await second.getHyperparameters(run.id)).toEqual(values);
    await expect(first.logHyperparameters(run.id, { lr: 0.01 })).rejects.toMatchObject({ code: 'conflict', field: 'hyperparameters.lr' });
  });

  it('sees the other instance’s writes and refuses its duplicate names', async () => {
    await first.createExperiment({ name: 'seen-by-both' });
    expect((await second.getExperiment('seen-by-both')).name).toBe('seen-by-both');
    await expect(second.createExperiment({ name: 'seen-by-both' })).rejects.toMatchObject({ code: 'conflict' });
  });
});
