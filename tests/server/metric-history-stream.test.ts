/**
 * Long metric histories over HTTP are streamed page by page instead of read whole: on every backend
 * the streamed answer equals the store's own read, with every filter (name, names, step range,
 * limit), and an unknown run is still a 404 before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src/index.js';
import { metricHistoryAnswer } from '../../src/server/metric-history-stream.js';
import { encodeMetricPoints } from '../../src/server/wire-encoding.js';
import { decodeMetricHistoryColumns } from '../../src/core/wire-decoding.js';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Reads a streamed or plain answer of metricHistoryAnswer as the client would see it. */
async function readAnswer(answer: unknown): Promise<unknown> {
  if (answer !== null && typeof answer === 'object' && Symbol.asyncIterator in answer) {
    let text = '';
    for await (const chunk of answer as AsyncIterable<string | Buffer>) text += chunk.toString();
    return JSON.parse(text);
  }
  return JSON.parse(JSON.stringify(answer));
}

const wire = (points: MetricPoint[]) => JSON.parse(JSON.stringify(encodeMetricPoints(points))) as unknown;

describe.each(testBackends())('metric history stream on $name', (backend) => {
  let server: TestServer;
  let runId: number;

  beforeAll(async () => {
    server = await startTestServer(backend);
    runId = (await server.db.createTrainingRun({ name: 'long' })).id;
    // Three series of different lengths, one with a NaN, one mostly at negative steps (MLflow allows
    // them), so pages end inside and between series.
    const points = [];
    for (let step = 0; step < 230; step++) points.push({ name: 'a/loss', value: step === 7 ? Number.NaN : 1 / (step + 1), step });
    for (let step = 0; step < 95; step++) points.push({ name: 'b', value: step, step: step * 2 - 101 });
    for (let step = 0; step < 40; step++) points.push({ name: 'c, lr', value: 0.1, step });
    await server.db.logMetrics(runId, points);
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['every series', {}],
    ['one name', { name: 'b' }],
    ['some names', { names: ['c, lr', 'a/loss'] }],
    ['a step range', { minStep: 30, maxStep: 150 }],
    ['a negative step range', { minStep: -90, maxStep: 20 }],
    ['a limit inside the second series', { limit: 260 }],
    ['a limit at a page boundary', { limit: 100 }],
  ])('pages of 50 points answer what one read answers: %s', async (_label, query) => {
    const expected = wire(await server.db.getMetrics(runId, query));
    expect(await readAnswer(await metricHistoryAnswer(server.db, runId, query, 50))).toEqual(expected);
    expect(await readAnswer(await metricHistoryAnswer(server.db, runId, query, 1_000))).toEqual(expected);
    // The columnar answer, streamed in pages (segments) or whole, decodes to the same points.
    const points = await server.db.getMetrics(runId, query);
    expect(decodeMetricHistoryColumns(await readAnswer(await metricHistoryAnswer(server.db, runId, query, 50, 'columns')))).toEqual(points);
    expect(decodeMetricHistoryColumns(await readAnswer(await metricHistoryAnswer(server.db, runId, query, 1_000, 'columns')))).toEqual(points);
  });

  it('reads no empty page after a series that fills its last page exactly', async () => {
    const exactRun = (await server.db.createTrainingRun({ name: 'exact pages' })).id;
    await server.db.logMetrics(exactRun, [
      ...Array.from({ length: 100 }, (_, step) => ({ name: 'x', value: step, step })),
      ...Array.from({ length: 50 }, (_, step) => ({ name: 'y', value: -step, step: step * 3 })),
    ]);
    const reads: string[] = [];
    const counted = new Proxy(server.db, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'getMetrics' || property === 'getMetricColumns') reads.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const expected = await server.db.getMetrics(exactRun);
    expect(await readAnswer(await metricHistoryAnswer(counted, exactRun, {}, 50))).toEqual(wire(expected));
    // x in two pages, y in one; a read past either series' highest step would find nothing.
    expect(reads).toHaveLength(3);
    reads.length = 0;
    expect(decodeMetricHistoryColumns(await readAnswer(await metricHistoryAnswer(counted, exactRun, {}, 50, 'columns')))).toEqual(expected);
    expect(reads).toHaveLength(3);
  });

  it('streams through the route once a history is longer than a page, with a JSON content type', async () => {
    const longRun = (await server.db.createTrainingRun({ name: 'longer than a page' })).id;
    const points = Array.from({ length: 60_000 }, (_, index) => ({ name: index % 2 === 0 ? 'x' : 'y', value: index, step: Math.floor(index / 2) }));
    await server.db.logMetrics(longRun, points.slice(0, 30_000));
    await server.db.logMetrics(longRun, points.slice(30_000));
    const answer = await call(server.url, 'GET', `/api/v1/runs/${longRun}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toHaveLength(60_000);
    expect(answer.body).toEqual(wire(await server.db.getMetrics(longRun)));
  });

  it('answers 100,000 points in columns in at most 2 MB, exactly, through the route; the array form stays', async () => {
    const bigRun = (await server.db.createTrainingRun({ name: 'columns' })).id;
    const at = Date.UTC(2026, 10, 27, 12);
    // Realistic values (every bit of a double used), a few non-finite, epochs and timestamps that move.
    const points = Array.from({ length: 100_000 }, (_, step) => ({
      name: 'train/loss',
      value: step % 997 === 5 ? Number.NaN : step % 1009 === 3 ? Number.NEGATIVE_INFINITY : Math.exp(-step / 30_000) * (1 + Math.sin(step) / 7),
      step,
      epoch: Math.floor(step / 5_000),
      timestamp: at + step * 37 + (step % 3),
    }));
    for (let start = 0; start < points.length; start += 10_000) await server.db.logMetrics(bigRun, points.slice(start, start + 10_000));
    const columns = await call(server.url, 'GET', `/api/v1/runs/${bigRun}/metrics?format=columns`);
    expect(columns.status).toBe(200);
    expect(columns.text.length).toBeLessThanOrEqual(2_000_000);
    // Columns are small enough to answer 100,000 points from one store read: one segment, not a stream of pages.
    expect(columns.body.segments).toHaveLength(1);
    expect(decodeMetricHistoryColumns(columns.body)).toEqual(await server.db.getMetrics(bigRun));
    const array = await call(server.url, 'GET', `/api/v1/runs/${bigRun}/metrics?name=train/loss&limit=10`);
    expect(array.body).toEqual(wire(await server.db.getMetrics(bigRun, { limit: 10 })));
    const wrong = await call(server.url, 'GET', `/api/v1/runs/${bigRun}/metrics?format=xml`);
    expect(wrong.status).toBe(422);
    expect(JSON.stringify(wrong.body)).toContain('format');
  });

  it('answers 404 for an unknown run before streaming anything', async () => {
    const answer = await call(server.url, 'GET', '/api/v1/runs/987654/metrics');
    expect(answer.status).toBe(404);
  });
});
