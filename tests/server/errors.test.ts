/**
 * Bad requests get one error shape `{ error: { code, message, field? } }` naming what is wrong:
 * malformed JSON, wrong media type, oversized bodies and batches, wrong types, unknown fields. A
 * database failure is a 500 that leaks no SQL, stack or connection string. Nothing half-written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { captureLogs } from './support/log-capture.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe.each(testBackends())('REST errors on $name', (backend) => {
  let server: TestServer;
  const logs = captureLogs();
  const BODY_LIMIT = 4096;
  const BATCH_LIMIT = 10;
  let runId: number;

  beforeAll(async () => {
    server = await startTestServer(backend, { bodyLimitBytes: BODY_LIMIT, maxBatchSize: BATCH_LIMIT }, { logger: logs.options });
    runId = (await call(server.url, 'POST', '/api/v1/runs')).body.id;
  });
  afterAll(async () => {
    await server?.close();
  });

  const countMetrics = async () => (await call(server.url, 'GET', '/api/v1/statistics')).body.counts.metricPoints as number;

  it('answers malformed JSON, an empty JSON body and a non-JSON media type with a 4xx naming the body', async () => {
    const malformed = await call(server.url, 'POST', '/api/v1/models', { raw: '{"name": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'validation_failed', field: 'body' });
    expect(malformed.body.error.message).toMatch(/not valid JSON/);
    const empty = await call(server.url, 'POST', '/api/v1/models', { raw: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/empty/);
    const xml = await call(server.url, 'POST', '/api/v1/models', { raw: '<model/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect(xml.body.error).toMatchObject({ code: 'validation_failed', field: 'body' });
    expect((await call(server.url, 'GET', '/api/v1/models')).body.items).toEqual([]);
  });

  it('refuses a body over server.bodyLimitBytes with a 413 that names the limit, storing nothing', async () => {
    const points = Array.from({ length: 8 }, (_unused, step) => ({ name: 'loss', value: step, step, epoch: 0 }));
    const padded = { points: points.map((point) => ({ ...point, name: `loss-${'x'.repeat(600)}` })) };
    expect(JSON.stringify(padded).length).toBeGreaterThan(BODY_LIMIT);
    const answer = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: padded });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect(answer.body.error.message).toContain(String(BODY_LIMIT));
    expect(answer.body.error.message).toContain('bodyLimitBytes');
    expect(await countMetrics()).toBe(0);
  });

  it('refuses batches over server.maxBatchSize with a 413 that names the limit and the field', async () => {
    const points = Array.from({ length: BATCH_LIMIT + 1 }, (_unused, step) => ({ name: 'l', value: step, step }));
    const metrics = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: { points } });
    expect(metrics.status).toBe(413);
    expect(metrics.body.error).toMatchObject({ code: 'payload_too_large', field: 'points' });
    expect(metrics.body.error.message).toMatch(/maxBatchSize/);
    expect(metrics.body.error.message).toContain(String(BATCH_LIMIT));
    expect(await countMetrics()).toBe(0);
    const exactly = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: { points: points.slice(1) } });
    expect(exactly.body).toEqual({ written: BATCH_LIMIT });

    const predictions = await call(server.url, 'POST', '/api/v1/predictions/batch', {
      body: { predictions: Array.from({ length: BATCH_LIMIT + 1 }, () => ({ modelVersionId: 1, input: 1, output: 1 })) },
    });
    expect(predictions.status).toBe(413);
    expect(predictions.body.error.field).toBe('predictions');
    const hyperparameters = await call(server.url, 'POST', `/api/v1/runs/${runId}/hyperparameters`, {
      body: Object.fromEntries(Array.from({ length: BATCH_LIMIT + 1 }, (_unused, index) => [`p${index}`, index])),
    });
    expect(hyperparameters.status).toBe(413);
    expect(hyperparameters.body.error.field).toBe('hyperparameters');
  });

  it('answers wrong types with a 422 naming the field, in bodies, queries and paths', async () => {
    const name = await call(server.url, 'POST', '/api/v1/models', { body: { name: 42 } });
    expect(name.status).toBe(422);
    expect(name.body.error).toMatchObject({ code: 'validation_failed', field: 'model.name' });
    const value = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: { points: [{ name: 'acc', value: 'high', step: 0 }] } });
    expect(value.status).toBe(422);
    expect(value.body.error.field).toBe('points.0.value');
    const points = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: { points: 'many' } });
    expect(points.status).toBe(422);
    expect(points.body.error.field).toBe('points');
    const limit = await call(server.url, 'GET', '/api/v1/models?limit=ten');
    expect(limit.status).toBe(422);
    expect(limit.body.error.field).toBe('query.limit');
    const tooMany = await call(server.url, 'GET', '/api/v1/models?limit=1000000');
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toMatch(/10000/);
    const status = await call(server.url, 'GET', '/api/v1/runs?status=sleeping');
    expect(status.status).toBe(422);
    expect(status.body.error.field).toMatch(/^query\.status/);
    const id = await call(server.url, 'GET', '/api/v1/runs/first');
    expect(id.status).toBe(422);
    expect(id.body.error.field).toBe('id');
    const envelope = await call(server.url, 'POST', '/api/v1/predictions/batch', { body: [{ modelVersionId: 1 }] });
    expect(envelope.status).toBe(422);
    expect(envelope.body.error.field).toBe('body');
  });

  it('answers unknown fields with a 422 naming them', async () => {
    const body = await call(server.url, 'POST', '/api/v1/models', { body: { name: 'm', colour: 'red' } });
    expect(body.status).toBe(422);
    expect(body.body.error.message).toMatch(/colour/);
    const query = await call(server.url, 'GET', '/api/v1/models?colour=red');
    expect(query.status).toBe(422);
    expect(query.body.error).toMatchObject({ field: 'query' });
    expect(query.body.error.message).toMatch(/colour/);
    const noQuery = await call(server.url, 'GET', `/api/v1/runs/${runId}?verbose=1`);
    expect(noQuery.status).toBe(422);
    const envelope = await call(server.url, 'POST', `/api/v1/runs/${runId}/metrics`, { body: { points: [], extra: true } });
    expect(envelope.status).toBe(422);
    expect(envelope.body.error.message).toMatch(/extra/);
    const noBody = await call(server.url, 'PUT', `/api/v1/experiments/1/runs/${runId}`, { body: { why: 'because' } });
    expect(noBody.status).toBe(422);
    expect((await call(server.url, 'GET', '/api/v1/models')).body.items).toEqual([]);
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    const answer = await call(server.url, 'GET', '/api/v1/widgets');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'not_found', entity: 'route' });
  });

  it('answers a database failure with a 500 that names the request id and leaks no SQL, stack or URL', async () => {
    await server.db.kysely.schema.dropTable('predictions').execute();
    const answer = await call(server.url, 'GET', '/api/v1/predictions');
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('backend_error');
    const requestId = answer.headers.get('x-request-id')!;
    expect(answer.body.error.message).toContain(requestId);
    expect(answer.text).not.toMatch(/select|predictions|sqlite|postgres|mysql|\bat \/|\.ts:|\.js:/i);
    expect(answer.text).not.toContain(server.databaseUrl);
    const logged = logs.entries().find((entry) => entry.reqId === requestId && entry.level >= 50);
    expect(logged?.err?.message).toBeDefined();
  });
});
