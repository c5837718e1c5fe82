/**
 * Bearer tokens: with tokens configured every API route needs one (health probes and the OpenAPI
 * document do not), read tokens may only read, and no token ever appears in the logs. Typed errors
 * reach the HTTP client as UnauthorizedError and ForbiddenError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { ForbiddenError, UnauthorizedError } from '../../src/core/errors.js';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { captureLogs } from './support/log-capture.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const WRITE_TOKEN = 'write-token-0123456789abcdef';
const READ_TOKEN = 'read-token-0123456789abcdef';

describe.each(testBackends())('REST authentication on $name', (backend) => {
  let server: TestServer;
  const logs = captureLogs('debug');

  beforeAll(async () => {
    server = await startTestServer(
      backend,
      {
        tokens: [
          { token: WRITE_TOKEN, scope: 'write', name: 'trainer' },
          { token: READ_TOKEN, scope: 'read', name: 'dashboard' },
        ],
      },
      { logger: logs.options },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('leaves the health probes and the OpenAPI document open', async () => {
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(server.url, 'GET', '/readyz')).status).toBe(200);
    const document = await call(server.url, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.components.securitySchemes.bearer.scheme).toBe('bearer');
  });

  it('answers 401 without a token, with a wrong token and with a non-bearer scheme', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${WRITE_TOKEN}x` }, { authorization: `Basic ${WRITE_TOKEN}` }, { authorization: 'Bearer ' }]) {
      const answer = await call(server.url, 'GET', '/api/v1/models', { headers });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
    const write = await call(server.url, 'POST', '/api/v1/models', { body: { name: 'sneaky' } });
    expect(write.status).toBe(401);
    // Percent-encoded and otherwise odd spellings of an API path reach the route only with a token.
    for (const path of ['/%61pi/v1/models', '/api/v1/models/', '/api/v1//models', '/api/v1/models?limit=1']) {
      const answer = await call(server.url, 'GET', path);
      expect([401, 404], path).toContain(answer.status);
      expect(answer.body.items, path).toBeUndefined();
    }
  });

  it('lets a read token read but not write, and stores nothing from the refused write', async () => {
    expect((await call(server.url, 'GET', '/api/v1/models', { token: READ_TOKEN })).status).toBe(200);
    const refused = await call(server.url, 'POST', '/api/v1/models', { token: READ_TOKEN, body: { name: 'from-reader' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(refused.body.error.message).toMatch(/dashboard/);
    expect((await call(server.url, 'DELETE', '/api/v1/models/1', { token: READ_TOKEN })).status).toBe(403);
    expect((await call(server.url, 'GET', '/api/v1/models', { token: READ_TOKEN })).body.items).toEqual([]);
  });

  it('lets a read token send the bulk reads that travel as POST bodies, and needs a token for them', async () => {
    const reader = createHttpAiDatabase({ url: server.url, token: READ_TOKEN });
    expect(await reader.getLatestMetrics([1, 2, 3])).toEqual([]);
    expect(await reader.getMetricSummaries([1, 2, 3])).toEqual([]);
    const buckets = await reader.getMetricBucketsBulk({ runIds: [1], names: ['loss'], buckets: 10 }).catch((error: unknown) => error);
    expect(buckets).not.toBeInstanceOf(ForbiddenError);
    await reader.close();
    const anonymous = await call(server.url, 'POST', '/api/v1/latest-metrics/query', { body: { runIds: [1] } });
    expect(anonymous.status).toBe(401);
  });

  it('keeps a token sent in the query string out of the request log', async () => {
    const secret = 'query-secret-0123456789abcdef';
    const answer = await call(server.url, 'GET', `/api/v1/models?access_token=${secret}&limit=1`, { headers: { 'x-request-id': 'query-token' } });
    expect(answer.status).toBe(401);
    await call(server.url, 'GET', `/api/v1/runs/1/metrics?token=${secret}`, { token: READ_TOKEN });
    const incoming = logs.entries().find((entry) => entry.reqId === 'query-token' && entry.msg === 'incoming request');
    expect(incoming?.req?.url).toBe('/api/v1/models?access_token=[redacted]&limit=1');
    expect(logs.text()).not.toContain(secret);
  });

  it('lets a write token read and write', async () => {
    const created = await call(server.url, 'POST', '/api/v1/models', { token: WRITE_TOKEN, body: { name: 'from-writer' } });
    expect(created.status).toBe(201);
    expect((await call(server.url, 'GET', '/api/v1/models/from-writer', { token: WRITE_TOKEN })).status).toBe(200);
  });

  it('turns 401 and 403 into typed errors in the HTTP client', async () => {
    const anonymous = createHttpAiDatabase({ url: server.url });
    await expect(anonymous.listModels()).rejects.toBeInstanceOf(UnauthorizedError);
    const reader = createHttpAiDatabase({ url: server.url, token: READ_TOKEN });
    expect((await reader.getModel('from-writer')).name).toBe('from-writer');
    await expect(reader.createModel({ name: 'nope' })).rejects.toBeInstanceOf(ForbiddenError);
    const writer = createHttpAiDatabase({ url: server.url, token: WRITE_TOKEN });
    expect((await writer.createTrainingRun({ name: 'authorised' })).name).toBe('authorised');
  });

  it('logs each request with its id and the token name, never the token', async () => {
    const answer = await call(server.url, 'GET', '/api/v1/statistics', { token: WRITE_TOKEN, headers: { 'x-request-id': 'trace-abc-123' } });
    expect(answer.headers.get('x-request-id')).toBe('trace-abc-123');
    const entries = logs.entries().filter((entry) => entry.reqId === 'trace-abc-123');
    expect(entries.some((entry) => entry.msg === 'incoming request' && entry.req?.url === '/api/v1/statistics')).toBe(true);
    expect(entries.some((entry) => entry.msg === 'request completed' && entry.res?.statusCode === 200 && entry.token === 'trainer')).toBe(true);
    expect(logs.text()).not.toContain(WRITE_TOKEN);
    expect(logs.text()).not.toContain(READ_TOKEN);
    expect(logs.text()).not.toContain('write-token');
  });
});
