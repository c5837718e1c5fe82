/**
 * The HTTP client sends plain metric batches in the columnar form and everything else in the array
 * form, and either way stores and rejects exactly what the embedded store does: non-finite values,
 * omitted and mixed steps, Date and ISO times, errors naming `points.i.field`, nothing stored of a
 * bad batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { ValidationError } from '../../src/core/errors.js';
import type { MetricPointInput } from '../../src/core/schemas.js';
import type { AiDatabase } from '../../src/store/ai-database.js';
import { testBackends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

/** A fetch that records the JSON bodies it sends. */
function recordingFetch() {
  const bodies: unknown[] = [];
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body));
    return fetch(input, init);
  };
  return { fetch: wrapped as typeof fetch, bodies };
}

const stripTimes = (points: Array<{ name: string; step: number; value: number; epoch: number | null }>) =>
  points.map(({ name, step, value, epoch }) => ({ name, step, value, epoch }));

describe.each(testBackends())('HTTP client metric batches over $name', (backend) => {
  let server: TestServer;
  let client: AiDatabase;
  let sent: unknown[];

  beforeAll(async () => {
    server = await startTestServer(backend);
    const recording = recordingFetch();
    sent = recording.bodies;
    client = createHttpAiDatabase({ url: server.url, fetch: recording.fetch });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  const lastBody = () => sent.at(-1) as { columns?: Record<string, unknown[]>; points?: unknown[] };

  /** Logs the batches through the client and through the embedded store, and returns both histories. */
  async function throughBoth(batches: MetricPointInput[][]) {
    const remoteRun = (await client.createTrainingRun()).id;
    const localRun = (await server.db.createTrainingRun()).id;
    for (const batch of batches) {
      await client.logMetrics(remoteRun, batch);
      await server.db.logMetrics(localRun, batch);
    }
    return { remote: await server.db.getMetrics(remoteRun), local: await server.db.getMetrics(localRun) };
  }

  it('round-trips NaN and ±Infinity in the columnar form', async () => {
    const { remote, local } = await throughBoth([
      [
        { name: 'loss', value: Number.NaN, step: 0 },
        { name: 'loss', value: Number.POSITIVE_INFINITY, step: 1 },
        { name: 'loss', value: Number.NEGATIVE_INFINITY, step: 2 },
        { name: 'loss', value: -0.25, step: 3 },
      ],
    ]);
    expect(lastBody().columns).toEqual({ name: ['loss', 'loss', 'loss', 'loss'], value: ['NaN', 'Infinity', '-Infinity', -0.25], step: [0, 1, 2, 3] });
    expect(stripTimes(remote)).toEqual(stripTimes(local));
    const client_ = await client.getMetrics(remote[0]!.runId);
    expect(client_.map((point) => point.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.25]);
  });

  it('sends omitted and mixed steps, epochs and times as columns and stores what the embedded store stores', async () => {
    const at = new Date('2025-05-06T07:08:09.010Z');
    const { remote, local } = await throughBoth([
      [
        { name: 'acc', value: 0.1 },
        { name: 'acc', value: 0.2 },
      ],
      [
        { name: 'acc', value: 0.3, step: 7, epoch: 1, timestamp: at },
        { name: 'acc', value: 0.4, epoch: null },
        { name: 'lr', value: 0.01, timestamp: '2025-05-06T07:08:09.011Z' },
        { name: 'lr', value: 0.02, step: 5, timestamp: 1_746_515_289_012 },
      ],
    ]);
    expect(lastBody().columns).toEqual({
      name: ['acc', 'acc', 'lr', 'lr'],
      value: [0.3, 0.4, 0.01, 0.02],
      step: [7, null, null, 5],
      epoch: [1, null, null, null],
      timestamp: [at.getTime(), null, '2025-05-06T07:08:09.011Z', 1_746_515_289_012],
    });
    expect(stripTimes(remote)).toEqual(stripTimes(local));
    expect(remote.map((point) => point.step)).toEqual([0, 1, 7, 8, 0, 5]);
    expect(remote.find((point) => point.step === 7)!.timestamp.getTime()).toBe(at.getTime());
  });

  it('falls back to the array form for batches the columns cannot carry unchanged', async () => {
    const runId = (await client.createTrainingRun()).id;
    await client.logMetrics(runId, [{ name: 'loss', value: 'NaN' as never, step: 0 }]);
    expect(lastBody().points).toEqual([{ name: 'loss', value: 'NaN', step: 0 }]);
    await client.logMetrics(runId, []);
    expect(lastBody()).toEqual({ points: [] });
    expect((await client.getMetrics(runId)).map((point) => point.value)).toEqual([Number.NaN]);
  });

  it('rejects what the embedded store rejects, naming the same field, and stores nothing of the batch', async () => {
    const runId = (await client.createTrainingRun()).id;
    const batches: MetricPointInput[][] = [
      [{ name: 'loss', value: 1, step: 0 }, { name: 'loss', value: 2, step: 2 ** 53 }],
      [{ name: 'loss', value: 1 }, { name: ' ', value: 2 }],
      [{ name: 'loss', value: 1, epoch: 2 ** 31 }],
      [{ name: 'loss', value: 1, step: 1.5 }],
      [{ name: 'loss', value: 1, timestamp: 'yesterday' }],
      [{ name: 'loss', value: 1, weight: 2 } as never],
      [{ name: 'loss', value: 1, step: Number.NaN }],
      [{ name: 'loss', value: 1, timestamp: new Date(Number.NaN) }],
    ];
    for (const batch of batches) {
      const remote = await client.logMetrics(runId, batch).catch((error: unknown) => error);
      const local = await server.db.logMetrics(runId, batch).catch((error: unknown) => error);
      expect(remote, JSON.stringify(batch)).toBeInstanceOf(ValidationError);
      expect(local).toBeInstanceOf(ValidationError);
      expect((remote as ValidationError).field).toBe((local as ValidationError).field);
    }
    expect(await server.db.getMetrics(runId)).toEqual([]);
  });
});
