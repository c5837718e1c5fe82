/**
 * Statelessness: two server instances, each with its own pool, over the same PostgreSQL or MySQL
 * database and written through at once, end with the same results as one server given the same
 * work: version numbers without gaps or duplicates, exact metric summaries, one winner per unique
 * name, idempotent memberships and hyperparameters.
 */
import { describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { ConflictError } from '../../src/core/errors.js';
import type { AiDatabase } from '../../src/store/ai-database.js';
import { serverBackends, type TestBackend } from '../support/backends.js';
import { explainWhenNoServerBackends } from '../support/fixtures.js';
import { startAppOn } from './support/test-server.js';

/** The same work, spread over two clients, written concurrently; returns what ended up stored. */
async function runWorkload(a: AiDatabase, b: AiDatabase) {
  const both = [a, b];
  const model = await a.createModel({ name: 'shared' });
  await Promise.all(Array.from({ length: 20 }, (_unused, index) => both[index % 2]!.createModelVersion({ modelId: model.id })));

  const run = await a.createTrainingRun({ name: 'shared-run' });
  const batch = (from: number) =>
    Array.from({ length: 100 }, (_unused, offset) => ({ name: 'loss', value: 1 / (from + offset + 1), step: from + offset }));
  await Promise.all([
    ...[0, 100, 200, 300, 400].map((from) => a.logMetrics(run.id, batch(from))),
    ...[500, 600, 700, 800, 900].map((from) => b.logMetrics(run.id, batch(from))),
    // A retried batch arriving at the other server at the same time.
    b.logMetrics(run.id, batch(0)),
    a.logMetrics(run.id, batch(900)),
  ]);

  await Promise.all([a.logHyperparameters(run.id, { lr: 0.1 }), b.logHyperparameters(run.id, { lr: 0.1 })]);
  const seeds = await Promise.allSettled([a.logHyperparameters(run.id, { seed: 1 }), b.logHyperparameters(run.id, { seed: 2 })]);

  const experiment = await b.createExperiment({ name: 'shared-experiment' });
  await Promise.all([a.addExperimentRun(experiment.id, run.id), b.addExperimentRun(experiment.id, run.id)]);

  const duplicates = await Promise.allSettled([a.createModel({ name: 'dup' }), b.createModel({ name: 'dup' })]);

  const version = await a.getModelVersionByNumber('shared', 1);
  await Promise.all(
    both.map((client, index) =>
      client.logPredictions(Array.from({ length: 50 }, (_unused, item) => ({ modelVersionId: version.id, input: index * 100 + item, output: item }))),
    ),
  );

  const [summary] = await a.getMetricSummaries(run.id);
  const statistics = await b.getStatistics();
  return {
    versions: (await b.getModelVersions('shared')).map((v) => v.version),
    latestVersion: (await a.getModel('shared')).latestVersion,
    summary: { count: summary!.count, min: summary!.min, max: summary!.max, lastStep: summary!.lastStep, lastValue: summary!.lastValue },
    points: (await b.getMetrics(run.id)).map((point) => [point.step, point.value]),
    hyperparameterKeys: Object.keys(await a.getHyperparameters(run.id)).sort(),
    seedOutcomes: seeds.map((outcome) => outcome.status).sort(),
    seedRejection: seeds.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason instanceof ConflictError),
    members: (await b.getExperimentRuns(experiment.id)).map((member) => member.id === run.id),
    duplicateOutcomes: duplicates.map((outcome) => outcome.status).sort(),
    duplicateRejection: duplicates
      .filter((outcome) => outcome.status === 'rejected')
      .map((outcome) => (outcome as PromiseRejectedResult).reason instanceof ConflictError),
    counts: statistics.counts,
  };
}

async function withServers<T>(backend: TestBackend, count: 1 | 2, work: (a: AiDatabase, b: AiDatabase) => Promise<T>): Promise<T> {
  const provisioned = await backend.provision();
  const servers = [];
  try {
    for (let index = 0; index < count; index++) servers.push(await startAppOn(provisioned.url));
    const clients = servers.map((server) => createHttpAiDatabase({ url: server.url }));
    return await work(clients[0]!, clients[count - 1]!);
  } finally {
    for (const server of servers) await server.close();
    await provisioned.drop();
  }
}

explainWhenNoServerBackends(serverBackends(), 'two servers on one database');

describe.each(serverBackends())('two servers on one $name database', (backend) => {
  it('give the same results as one server when written through at once', async () => {
    const single = await withServers(backend, 1, runWorkload);
    const pair = await withServers(backend, 2, runWorkload);
    expect(pair).toEqual(single);
    expect(pair.versions).toEqual(Array.from({ length: 20 }, (_unused, index) => index + 1));
    expect(pair.summary).toEqual({ count: 1000, min: 1 / 1000, max: 1, lastStep: 999, lastValue: 1 / 1000 });
    expect(pair.points).toHaveLength(1000);
    expect(pair.seedOutcomes).toEqual(['fulfilled', 'rejected']);
    expect(pair.seedRejection).toEqual([true]);
    expect(pair.members).toEqual([true]);
    expect(pair.duplicateOutcomes).toEqual(['fulfilled', 'rejected']);
    expect(pair.duplicateRejection).toEqual([true]);
    expect(pair.counts).toMatchObject({ models: 2, modelVersions: 20, trainingRuns: 1, metricPoints: 1000, metricSeries: 1, predictions: 100, experiments: 1 });
  });
});
