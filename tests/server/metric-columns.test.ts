/**
 * The columnar body of POST /api/v1/runs/:id/metrics over real HTTP, on every backend: it stores
 * what the array form stores (non-finite values, omitted and mixed steps, epochs, times), its errors
 * name the point and the limit as the array form's do, a bad batch stores nothing, and the array
 * form keeps working beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/schemas.js';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startAppOn, startTestServer, type TestServer } from './support/test-server.js';

describe.each(testBackends())('columnar metric batches on $name', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend, { maxBatchSize: 1_000 });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function newRun(): Promise<number> {
    return (await server.db.createTrainingRun({ name: null })).id;
  }
  const post = (runId: number, body: unknown) => call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body });

  it('stores NaN, ±Infinity and finite values and answers them as the array form does', async () => {
    const runId = await newRun();
    const answer = await post(runId, {
      columns: { name: ['loss', 'loss', 'loss', 'loss'], value: [0.5, 'NaN', 'Infinity', '-Infinity'], step: [0, 1, 2, 3] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ written: 4 });
    const stored = await server.db.getMetrics(runId);
    expect(stored.map((point) => point.value)).toEqual([0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const read = await call(server.url, 'GET', `/api/v1/runs/${runId}/metrics`);
    expect(read.body.map((point: { value: unknown }) => point.value)).toEqual([0.5, 'NaN', 'Infinity', '-Infinity']);
  });

  it('assigns omitted steps, per point (null) or for the whole batch (no step column)', async () => {
    const runId = await newRun();
    expect((await post(runId, { columns: { name: ['acc', 'acc'], value: [0.1, 0.2] } })).status).toBe(200);
    const mixed = await post(runId, {
      columns: { name: ['acc', 'acc', 'lr'], value: [0.3, 0.4, 0.01], step: [null, 10, null] },
    });
    expect(mixed.status).toBe(200);
    const stored = await server.db.getMetrics(runId);
    expect(stored.map((point) => [point.name, point.step, point.value])).toEqual([
      ['acc', 0, 0.1],
      ['acc', 1, 0.2],
      ['acc', 2, 0.3],
      ['acc', 10, 0.4],
      ['lr', 0, 0.01],
    ]);
  });

  it('stores epochs and times, null meaning none and the time of the request', async () => {
    const runId = await newRun();
    const before = Date.now();
    const answer = await post(runId, {
      columns: {
        name: ['loss', 'loss', 'loss'],
        value: [1, 2, 3],
        step: [0, 1, 2],
        epoch: [0, null, 1],
        timestamp: [1_700_000_000_000, '2024-01-02T03:04:05.678Z', null],
      },
    });
    expect(answer.status).toBe(200);
    const stored = await server.db.getMetrics(runId);
    expect(stored.map((point) => point.epoch)).toEqual([0, null, 1]);
    expect(stored[0]!.timestamp.getTime()).toBe(1_700_000_000_000);
    expect(stored[1]!.timestamp.toISOString()).toBe('2024-01-02T03:04:05.678Z');
    expect(stored[2]!.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('names the point and the field of a bad value, as the array form does, and stores nothing of the batch', async () => {
    const runId = await newRun();
    const columnar = await post(runId, {
      columns: { name: ['loss', 'loss', 'loss'], value: [1, 2, 3], step: [0, 1.5, 2] },
    });
    const arrayForm = await post(runId, {
      points: [
        { name: 'loss', value: 1, step: 0 },
        { name: 'loss', value: 2, step: 1.5 },
        { name: 'loss', value: 3, step: 2 },
      ],
    });
    expect(columnar.status).toBe(422);
    expect(columnar.body.error.field).toBe('points.1.step');
    expect(columnar.body.error).toEqual(arrayForm.body.error);

    const badName = await post(runId, { columns: { name: ['loss', 'x'.repeat(LIMITS.nameLength + 1)], value: [1, 2] } });
    expect(badName.status).toBe(422);
    expect(badName.body.error.field).toBe('points.1.name');
    expect(badName.body.error.message).toContain(String(LIMITS.nameLength));

    const badValue = await post(runId, { columns: { name: ['loss', 'loss'], value: [1, 'nan'] } });
    expect(badValue.status).toBe(422);
    expect(badValue.body.error.field).toBe('points.1.value');
    expect(await server.db.getMetrics(runId)).toEqual([]);
  });

  it('rejects a malformed envelope naming the column', async () => {
    const runId = await newRun();
    const cases: Array<[unknown, string, RegExp]> = [
      [{ columns: { name: ['a'], value: [1], step: [0, 1] } }, 'columns.step', /2 entries where columns\.name has 1/],
      [{ columns: { name: ['a'], value: [1], weight: [1] } }, 'columns', /unknown column\(s\) 'weight'/],
      [{ columns: { name: ['a'] } }, 'columns.value', /required/],
      [{ columns: { name: 'a', value: [1] } }, 'columns.name', /must be an array/],
      [{ columns: [] }, 'columns', /must be an object/],
      [{ columns: { name: ['a'], value: [1] }, points: [] }, 'body', /either "points" or "columns"/],
      [[1, 2], 'body', /"points".*"columns"/],
    ];
    for (const [body, field, message] of cases) {
      const answer = await post(runId, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.error.field).toBe(field);
      expect(answer.body.error.message).toMatch(message);
    }
    expect(await server.db.getMetrics(runId)).toEqual([]);
  });

  it('applies the batch limits of the array form before building points', async () => {
    const runId = await newRun();
    const overServerLimit = await post(runId, {
      columns: { name: new Array(1_001).fill('loss'), value: new Array(1_001).fill(1) },
    });
    expect(overServerLimit.status).toBe(413);
    expect(overServerLimit.body.error.field).toBe('points');
    expect(overServerLimit.body.error.message).toMatch(/server\.maxBatchSize/);

    // The store's own limit, on a second app over the same database without server.maxBatchSize.
    const unlimited = await startAppOn(server.databaseUrl);
    try {
      const size = LIMITS.batchSize + 1;
      const columnar = await call(unlimited.url, 'POST', `/api/v1/runs/${runId}/metrics`, {
        body: { columns: { name: new Array(size).fill('loss'), value: new Array(size).fill(1) } },
      });
      const arrayForm = await call(unlimited.url, 'POST', `/api/v1/runs/${runId}/metrics`, {
        body: { points: Array.from({ length: size }, () => ({ name: 'loss', value: 1 })) },
      });
      expect(columnar.status).toBe(422);
      expect(columnar.body.error).toEqual(arrayForm.body.error);
      expect(columnar.body.error.field).toBe('points');
      expect(columnar.body.error.message).toContain(String(LIMITS.batchSize));
    } finally {
      await unlimited.close();
    }
    expect(await server.db.getMetrics(runId)).toEqual([]);
  });

  it('keeps the array form and accepts an empty batch in either form', async () => {
    const runId = await newRun();
    expect((await post(runId, { points: [{ name: 'loss', value: 'NaN', step: 0 }] })).body).toEqual({ written: 1 });
    expect((await post(runId, { columns: { name: [], value: [] } })).body).toEqual({ written: 0 });
    expect((await post(runId, { points: [] })).body).toEqual({ written: 0 });
    expect((await server.db.getMetrics(runId)).length).toBe(1);
  });
});
