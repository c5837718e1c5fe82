/**
 * What the HTTP client adds over the contract suite: typed errors with their fields after the
 * round trip, Dates revived only where the entity has times, the open.ts entry point, no
 * interactive transactions, and the retry rule (connection failures before sending are always
 * retried; after sending only for idempotent calls such as metric batches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import {
  BackendError,
  ConflictError,
  IllegalTransitionError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../src/core/errors.js';
import { createAiDatabase } from '../../src/database/open.js';
import { testBackends } from '../support/backends.js';
import { refusedPort } from '../support/ports.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

/** A fetch that fails the first `failures` calls with a connection error of the given code. */
function flakyFetch(code: string, failures: number) {
  let calls = 0;
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    calls++;
    if (calls <= failures) throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    return fetch(input, init);
  };
  return Object.assign(wrapped as typeof fetch, { calls: () => calls });
}

describe.each(testBackends())('HTTP client over $name', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend, { maxBatchSize: 50 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('rebuilds typed errors with their entity and field', async () => {
    const db = createHttpAiDatabase({ url: server.url });
    const missing = await db.getModel('no-such-model').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).entity).toBe('model');
    expect((missing as NotFoundError).message).toMatch(/no-such-model/);
    await db.createModel({ name: 'taken' });
    await expect(db.createModel({ name: 'taken' })).rejects.toBeInstanceOf(ConflictError);
    const invalid = await db.createModel({ name: 'x'.repeat(251) }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).field).toBe('model.name');
    const run = await db.createTrainingRun();
    await db.updateTrainingRun(run.id, { status: 'failed', error: 'oom' });
    await expect(db.updateTrainingRun(run.id, { status: 'running' })).rejects.toBeInstanceOf(IllegalTransitionError);
    const tooMany = Array.from({ length: 51 }, (_unused, step) => ({ name: 'loss', value: step, step }));
    const oversized = await db.logMetrics(run.id, tooMany).catch((error: unknown) => error);
    expect(oversized).toBeInstanceOf(PayloadTooLargeError);
    expect((oversized as PayloadTooLargeError).field).toBe('points');
    const nonFinite = await db.logHyperparameters(run.id, { nested: { lr: Number.NaN } }).catch((error: unknown) => error);
    expect(nonFinite).toBeInstanceOf(ValidationError);
    expect((nonFinite as ValidationError).field).toBe('hyperparameters.nested.lr');
  });

  it('revives entity times as Dates and leaves date-like strings in user JSON alone', async () => {
    const db = createHttpAiDatabase({ url: server.url });
    const model = await db.createModel({ name: 'dated', metadata: { releasedAt: '2020-01-01T00:00:00.000Z' } });
    expect(model.createdAt).toBeInstanceOf(Date);
    expect(model.metadata.releasedAt).toBe('2020-01-01T00:00:00.000Z');
    const run = await db.createTrainingRun({ config: { createdAt: '2021-01-01T00:00:00.000Z' } });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.endedAt).toBeNull();
    expect(run.config.createdAt).toBe('2021-01-01T00:00:00.000Z');
    const when = new Date('2026-03-04T05:06:07.089Z');
    await db.logMetric(run.id, 'acc', Number.NaN, { step: 3, timestamp: when });
    const [point] = await db.getMetrics(run.id);
    expect(point!.value).toBeNaN();
    expect(point!.timestamp).toEqual(when);
    const statistics = await db.getStatistics();
    expect(statistics.latest.runCreatedAt).toBeInstanceOf(Date);
  });

  it('is what createAiDatabase returns for backend http, and refuses interactive transactions', async () => {
    const db = await createAiDatabase({ backend: 'http', url: server.url });
    expect((await db.health()).backend).toBe(backend.family);
    const refused = await db.transaction(async () => 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).message).toMatch(/embedded/);
    await db.close();
    await expect(db.listModels()).rejects.toBeInstanceOf(BackendError);
  });

  it('retries a metric batch whose connection broke, storing it once', async () => {
    const flaky = flakyFetch('ECONNRESET', 2);
    const db = createHttpAiDatabase({ url: server.url, fetch: flaky, retries: 3 });
    const run = await createHttpAiDatabase({ url: server.url }).createTrainingRun();
    const points = Array.from({ length: 40 }, (_unused, step) => ({ name: 'loss', value: step, step }));
    expect(await db.logMetrics(run.id, points)).toEqual({ written: 40 });
    expect(flaky.calls()).toBe(3);
    const [summary] = await db.getMetricSummaries(run.id);
    expect(summary!.count).toBe(40);
  });

  it('does not retry a create whose connection broke after sending, but retries one that was never sent', async () => {
    const broken = flakyFetch('ECONNRESET', 1);
    const error = await createHttpAiDatabase({ url: server.url, fetch: broken }).createModel({ name: 'maybe' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/ECONNRESET/);
    expect(broken.calls()).toBe(1);
    const refused = flakyFetch('ECONNREFUSED', 2);
    const created = await createHttpAiDatabase({ url: server.url, fetch: refused }).createModel({ name: 'surely' });
    expect(created.name).toBe('surely');
    expect(refused.calls()).toBe(3);
  });

  it('gives up with a BackendError naming the cause when nothing listens', async () => {
    const port = await refusedPort();
    const db = createHttpAiDatabase({ url: `http://127.0.0.1:${port}`, retries: 2 });
    const error = await db.listModels().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/ECONNREFUSED.*3 attempts/);
  });
});
