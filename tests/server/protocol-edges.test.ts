/**
 * What Node and Fastify answer before a route runs: a malformed or over-long URL, headers over the
 * limit, unknown paths, slow clients. Each answer is in the one error shape (no body after a HEAD),
 * slow clients are cut off, and only the dashboard's pages get its index.html.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startAppOn, startTestServer, type TestServer } from './support/test-server.js';

interface RawAnswer {
  /** Everything the server wrote before it closed the connection (or before `waitMs` ran out). */
  text: string;
  closed: boolean;
}

/**
 * Sends `chunks` over a raw connection, `gapMs` apart, and collects the answer until the server
 * closes or `waitMs` passes. Bounded in time whatever the server does.
 */
function rawExchange(baseUrl: string, chunks: string[], options: { gapMs?: number; waitMs?: number } = {}): Promise<RawAnswer> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text, closed });
    };
    const deadline = setTimeout(finish, options.waitMs ?? 10_000);
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    let index = 0;
    const sendNext = () => {
      if (index >= chunks.length || socket.destroyed) return;
      socket.write(chunks[index++]!);
      timer = setTimeout(sendNext, options.gapMs ?? 0);
    };
    socket.on('connect', sendNext);
  });
}

/**
 * Writes a whole request, as a blocking client does, and reads the answer only after the last byte
 * is sent and a pause: what a client that is not reading while it sends receives.
 */
function sendThenRead(baseUrl: string, request: string): Promise<{ text: string; error?: string }> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.pause();
    let text = '';
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ text, error: error.code ?? error.message }));
    socket.on('close', () => resolve({ text }));
    socket.on('connect', () => socket.write(request, () => setTimeout(() => socket.resume(), 300)));
  });
}

/** Splits a raw HTTP answer into status, headers and body. */
function parseRaw(text: string): { status: number; headers: string; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: end < 0 ? '' : text.slice(end + 4) };
}

function expectErrorShape(body: unknown, code: string, field?: string): void {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  if (field !== undefined) expect((body as { error: { field?: string } }).error.field).toBe(field);
}

describe.each(testBackends({ sqliteFile: false }))('protocol edges on $name', (backend) => {
  let server: TestServer;
  /** The same database without a dashboard: no catch-all static route between the router and its errors. */
  let bare: Awaited<ReturnType<typeof startAppOn>>;
  const uiDir = mkdtempSync(path.join(tmpdir(), 'aimdb-ui-'));

  beforeAll(async () => {
    writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>aimdb dashboard</title>');
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log("dashboard")');
    server = await startTestServer(backend, { headersTimeoutMs: 400, requestTimeoutMs: 800, connectionTimeoutMs: 1500 }, { uiDir });
    bare = await startAppOn(server.databaseUrl);
  });
  afterAll(async () => {
    await bare?.close();
    await server?.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('answers a malformed percent-encoding and an over-long path segment in the error shape', async () => {
    for (const target of [server, bare]) {
      const badUrl = await call(target.url, 'GET', '/api/v1/models/%E0%A4%A');
      expect(badUrl.status).toBe(400);
      expectErrorShape(badUrl.body, 'validation_failed', 'url');
    }
    const longSegment = await call(bare.url, 'GET', `/api/v1/models/${'m'.repeat(3000)}`);
    expect(longSegment.status).toBe(414);
    expectErrorShape(longSegment.body, 'validation_failed', 'url');
    // With the dashboard, its catch-all file route takes what the API routes refuse: a JSON 404.
    const withDashboard = await call(server.url, 'GET', `/api/v1/models/${'m'.repeat(3000)}`);
    expect(withDashboard.status).toBe(404);
    expectErrorShape(withDashboard.body, 'not_found');
  });

  it('answers headers over the limit with a 431 in the error shape, and no body to a HEAD', async () => {
    const longUrl = `/api/v1/latest-metrics?runIds=${Array.from({ length: 3000 }, (_, index) => 1_000_000 + index).join(',')}`;
    const get = parseRaw((await rawExchange(server.url, [`GET ${longUrl} HTTP/1.1\r\nHost: localhost\r\n\r\n`])).text);
    expect(get.status).toBe(431);
    expectErrorShape(JSON.parse(get.body), 'payload_too_large', 'headers');
    expect(get.body).toMatch(/latest-metrics\/query/);
    const head = await rawExchange(server.url, [`HEAD ${longUrl} HTTP/1.1\r\nHost: localhost\r\n\r\n`]);
    const headAnswer = parseRaw(head.text);
    expect(headAnswer.status).toBe(431);
    expect(headAnswer.body).toBe('');
    expect(head.closed).toBe(true);
  });

  it('delivers its 431 to a client that reads only after sending its whole request, instead of resetting the connection', async () => {
    // Far over the limit, so most of it is still unread when the server answers. Closing at once
    // would make the kernel reset the connection and discard the answer the client has not read yet.
    const longUrl = `/api/v1/runs/search?cursor=${'x'.repeat(300_000)}`;
    for (const method of ['GET', 'HEAD']) {
      const answer = await sendThenRead(server.url, `${method} ${longUrl} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      expect(answer.error, method).toBeUndefined();
      expect(parseRaw(answer.text).status, method).toBe(431);
    }
  });

  it('answers a request that is not HTTP with a 400 in the error shape', async () => {
    const answer = parseRaw((await rawExchange(server.url, ['GET /api/v1/models HTTP/1.1\r\nHost localhost\r\n\r\n'])).text);
    expect(answer.status).toBe(400);
    expectErrorShape(JSON.parse(answer.body), 'validation_failed', 'request');
  });

  it('answers /health and unknown API-like paths with JSON 404s, and HEAD of one without a body', async () => {
    for (const pathname of ['/health', '/health/', '/api', '/api/v2/models', '/api/v1/nothing', '/assets/missing.js', '/runs/1/extra', '/metrics', '/healthz/x']) {
      const answer = await call(server.url, 'GET', pathname);
      expect(answer.status, pathname).toBe(404);
      expect(answer.headers.get('content-type'), pathname).toMatch(/application\/json/);
      expectErrorShape(answer.body, 'not_found');
    }
    const post = await call(server.url, 'POST', '/runs', { body: {} });
    expect(post.status).toBe(404);
    expectErrorShape(post.body, 'not_found');
    const head = parseRaw((await rawExchange(server.url, ['HEAD /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'])).text);
    expect(head.status).toBe(404);
    expect(head.body).toBe('');
  });

  it("serves index.html for the dashboard's pages only", async () => {
    for (const pathname of ['/', '/runs', '/runs/', '/runs/12?tab=metrics', '/models/VisionTransformer-CAD', '/datasets/3', '/compare?runs=1,2', '/experiments', '/predictions', '/predictions/compare?versions=1,2']) {
      const answer = await call(server.url, 'GET', pathname);
      expect(answer.status, pathname).toBe(200);
      expect(answer.text, pathname).toContain('aimdb dashboard');
    }
    expect((await call(server.url, 'GET', '/assets/app.js')).text).toContain('dashboard');
  });

  it('cuts off a client that sends its headers too slowly, with a 408', async () => {
    const chunks = ['GET /api/v1/models HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, index) => `X-Slow-${index}: 1\r\n`)];
    const answer = await rawExchange(server.url, chunks, { gapMs: 100 });
    expect(answer.closed).toBe(true);
    expect(parseRaw(answer.text).status).toBe(408);
    expectErrorShape(JSON.parse(parseRaw(answer.text).body), 'validation_failed', 'request');
  });

  it('cuts off a client that sends its body too slowly, storing nothing', async () => {
    const body = JSON.stringify({ name: 'slow-body-model' });
    const chunks = [
      `POST /api/v1/models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      ...body.split(''),
    ];
    const answer = await rawExchange(server.url, chunks, { gapMs: 100 });
    expect(answer.closed).toBe(true);
    expect(parseRaw(answer.text).status).toBe(408);
    expect((await call(server.url, 'GET', '/api/v1/models')).body.items).toEqual([]);
  });

  it('lets an upload run longer than the whole-request timeout while its bytes keep coming', async () => {
    const run = (await call(server.url, 'POST', '/api/v1/runs', { body: { name: 'slow-upload' } })).body;
    const parts = Array.from({ length: 12 }, (_, index) => `part ${String(index).padStart(2, '0')}\n`);
    const chunks = [
      `PUT /api/v1/runs/${run.id}/artifacts/slow.txt HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${parts.join('').length}\r\nConnection: close\r\n\r\n`,
      ...parts,
    ];
    // 12 gaps of 200 ms: 2.4 s in all, three times requestTimeoutMs, each gap within connectionTimeoutMs.
    const answer = parseRaw((await rawExchange(server.url, chunks, { gapMs: 200 })).text);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ path: 'slow.txt', size: parts.join('').length });
    // A stalled upload is still cut off, by the connection's idle timeout, storing nothing.
    const stalled = await rawExchange(
      server.url,
      [`PUT /api/v1/runs/${run.id}/artifacts/stalled.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n`, 'only a part'],
      { gapMs: 10 },
    );
    expect(stalled.closed).toBe(true);
    expect((await call(server.url, 'GET', `/api/v1/runs/${run.id}/artifacts`)).body.files.map((file: { path: string }) => file.path)).toEqual(['slow.txt']);
  });

  it('closes a connection on which nothing is sent', async () => {
    const answer = await rawExchange(server.url, [], { waitMs: 10_000 });
    expect(answer.closed).toBe(true);
  });
});
