/**
 * The server against the attacks a browser makes possible, over real sockets: forged Host headers
 * (DNS rebinding), cross-origin preflights and "simple" writes with and without allowed origins, and
 * the security headers on the dashboard and the API. Requests are written byte for byte (raw-http.ts)
 * so every Host form reaches the server exactly as an attacker would send it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { testBackends } from '../support/backends.js';
import { captureLogs } from './support/log-capture.js';
import { rawRequest, type RawAnswer } from './support/raw-http.js';
import { startAppOn, startTestServer, type TestServer } from './support/test-server.js';

const uiDir = mkdtempSync(path.join(tmpdir(), 'aimdb-ui-'));
writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>aimdb dashboard</title><script type="module" src="/app.js"></script>');

afterAll(() => rmSync(uiDir, { recursive: true, force: true }));

const portOf = (server: TestServer) => new URL(server.url).port;

function expectRefused(answer: RawAnswer, field: 'host' | 'origin'): void {
  expect(answer.status, answer.text).toBe(403);
  expect(answer.body.error).toMatchObject({ code: 'forbidden', field });
  expect(answer.body.error.message).toMatch(field === 'host' ? /--allowed-hosts/ : /--cors-allowed-origins/);
  expect(answer.headers['access-control-allow-origin']).toBeUndefined();
}

const modelJson = (name: string) => JSON.stringify({ name });

describe.each(testBackends({ sqliteFile: false }))('browser safety on $name', (backend) => {
  let server: TestServer;
  const logs = captureLogs('info');

  beforeAll(async () => {
    server = await startTestServer(backend, {}, { uiDir, logger: logs.options });
    await server.db.createModel({ name: 'secret-model' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const send = (host: string | undefined, request: Parameters<typeof rawRequest>[1] = {}) =>
    rawRequest(server.url, { ...request, headers: { host, ...request.headers } });

  describe('Host validation (DNS rebinding)', () => {
    it('answers the loopback names and the bound address in every form a browser sends', async () => {
      const port = portOf(server);
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `LocalHost:${port}`,
        `localhost.:${port}`,
        `[::1]:${port}`,
        `[0:0:0:0:0:0:0:1]:${port}`,
        '127.0.0.1',
        'localhost:1',
      ]) {
        const answer = await send(host, { path: '/api/v1/models' });
        expect(answer.status, `Host: ${host}`).toBe(200);
        expect(answer.body.items.map((model: { name: string }) => model.name)).toEqual(['secret-model']);
      }
    });

    it('refuses forged Host headers with a 403 in the error shape and no data', async () => {
      const port = portOf(server);
      for (const host of [
        'evil.example',
        `evil.example:${port}`,
        `EVIL.EXAMPLE:${port}`,
        `evil.example.:${port}`,
        `127.0.0.1.evil.example:${port}`,
        '127.0.0.1.evil.example',
        `localhost.evil.example:${port}`,
        `127.0.0.1.:${port}.evil.example`,
        `localhost..:${port}`,
        `[::ffff:127.0.0.1]:${port}`,
        `[::1].evil.example:${port}`,
        `[::1%lo]:${port}`,
        `::1:${port}`,
        `127.0.0.1:${port}@evil.example`,
        `evil.example@127.0.0.1:${port}`,
        `127.0.0.1:99999`,
        `127.0.0.1:`,
        '0x7f.0.0.1',
        '2130706433',
        `127.0.0.1:${port}, evil.example`,
        '',
      ]) {
        const answer = await send(host, { path: '/api/v1/models' });
        expect(answer.status, `Host: ${host}`).toBe(403);
        expectRefused(answer, 'host');
        expect(answer.text).not.toContain('secret-model');
      }
    });

    it('refuses a request without any Host (HTTP/1.0)', async () => {
      const answer = await send(undefined, { path: '/api/v1/models', httpVersion: '1.0' });
      expectRefused(answer, 'host');
    });

    it('covers every route: probes, the OpenAPI document, the dashboard, unknown paths, preflights and writes', async () => {
      for (const [method, pathname] of [
        ['GET', '/healthz'],
        ['GET', '/readyz'],
        ['GET', '/openapi.json'],
        ['GET', '/docs'],
        ['GET', '/'],
        ['GET', '/runs/1'],
        ['GET', '/api/2.0/mlflow/experiments/search'],
        ['OPTIONS', '/api/v1/models'],
        ['DELETE', '/api/v1/models/secret-model'],
      ] as const) {
        const answer = await send('evil.example:80', { method, path: pathname });
        expect(answer.status, `${method} ${pathname}`).toBe(403);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['x-request-id']).toBeDefined();
      }
      const post = await send('evil.example', {
        method: 'POST',
        path: '/api/v1/models',
        headers: { 'content-type': 'application/json' },
        body: modelJson('planted'),
      });
      expectRefused(post, 'host');
      expect((await server.db.listModels()).items.map((model) => model.name)).toEqual(['secret-model']);
    });

    it('logs each refused Host once, however often it is tried', async () => {
      const refusedLines = (host: string) =>
        logs.entries().filter((entry) => entry.level === 40 && entry.host === host && /refused Host/.test(entry.msg));
      for (let attempt = 0; attempt < 5; attempt++) await send('once.evil.example', { path: '/api/v1/models' });
      await send('twice.evil.example', { path: '/api/v1/models' });
      expect(refusedLines('once.evil.example')).toHaveLength(1);
      expect(refusedLines('twice.evil.example')).toHaveLength(1);
      expect(refusedLines('once.evil.example')[0]!.msg).toMatch(/--allowed-hosts/);
    });
  });

  describe('cross-origin requests without configured origins', () => {
    it('refuses a "simple" cross-origin POST (text/plain, no preflight) and stores nothing', async () => {
      const answer = await send(`127.0.0.1:${portOf(server)}`, {
        method: 'POST',
        path: '/api/v1/models',
        headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
        body: modelJson('planted'),
      });
      expectRefused(answer, 'origin');
      const form = await send(`127.0.0.1:${portOf(server)}`, {
        method: 'POST',
        path: '/api/v1/models',
        headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=planted',
      });
      expectRefused(form, 'origin');
      expect((await server.db.listModels()).items.map((model) => model.name)).toEqual(['secret-model']);
    });

    it('refuses cross-origin DELETE and PATCH, and the other origin on the same host (another port)', async () => {
      const host = `127.0.0.1:${portOf(server)}`;
      for (const [method, origin] of [
        ['DELETE', 'http://evil.example'],
        ['PATCH', 'http://127.0.0.1:3000'],
        ['DELETE', `http://localhost:${portOf(server)}`],
        ['DELETE', `https://127.0.0.1.evil.example:${portOf(server)}`],
      ] as const) {
        const answer = await send(host, {
          method,
          path: '/api/v1/models/secret-model',
          headers: { origin, 'content-type': 'application/json' },
          body: method === 'PATCH' ? JSON.stringify({ description: 'defaced' }) : undefined,
        });
        expect(answer.status, `${method} from ${origin}`).toBe(403);
        expectRefused(answer, 'origin');
      }
      const model = await server.db.getModel('secret-model');
      expect(model.description).toBeNull();
    });

    it('answers a cross-origin preflight with a refusal, never with Access-Control-Allow-Origin', async () => {
      const answer = await send(`127.0.0.1:${portOf(server)}`, {
        method: 'OPTIONS',
        path: '/api/v1/models',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expectRefused(answer, 'origin');
      expect(answer.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('serves cross-origin reads without CORS headers, so the other page cannot read them', async () => {
      const answer = await send(`127.0.0.1:${portOf(server)}`, { path: '/api/v1/models', headers: { origin: 'http://evil.example' } });
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('accepts writes from its own origin and from clients that send no Origin (curl, the HTTP client)', async () => {
      const port = portOf(server);
      for (const [host, origin] of [
        [`127.0.0.1:${port}`, `http://127.0.0.1:${port}`],
        [`localhost:${port}`, `http://localhost:${port}`],
      ] as const) {
        const answer = await send(host, {
          method: 'POST',
          path: '/api/v1/models',
          headers: { origin, 'content-type': 'application/json' },
          body: modelJson(`same-origin-${host.split(':')[0]}`),
        });
        expect(answer.status, answer.text).toBe(201);
      }
      const client = createHttpAiDatabase({ url: server.url });
      await client.deleteModel((await client.createModel({ name: 'from-client' })).id);
      for (const name of ['same-origin-127.0.0.1', 'same-origin-localhost']) await server.db.deleteModel(name);
    });

    it('answers an OPTIONS request that is no preflight with the JSON 404', async () => {
      const answer = await send(`127.0.0.1:${portOf(server)}`, { method: 'OPTIONS', path: '/api/v1/models' });
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    });
  });

  describe('security headers', () => {
    it('gives the dashboard a strict CSP, framing by its own origin only, nosniff and no referrer', async () => {
      const answer = await send(`127.0.0.1:${portOf(server)}`, { path: '/' });
      expect(answer.status).toBe(200);
      const csp = answer.headers['content-security-policy']!;
      const directives = Object.fromEntries(csp.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
      expect(directives).toMatchObject({
        'default-src': "'self'",
        'script-src': "'self'",
        'script-src-attr': "'none'",
        'style-src': "'self'",
        'object-src': "'none'",
        'base-uri': "'self'",
        'frame-ancestors': "'self'",
        'connect-src': "'self'",
      });
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|upgrade-insecure-requests|https:|\*/);
      expect(answer.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    });

    it('marks answers that carry data no-store, errors of data routes included', async () => {
      const port = portOf(server);
      const list = await send(`127.0.0.1:${port}`, { path: '/api/v1/models' });
      expect(list.headers['cache-control']).toBe('no-store');
      const missing = await send(`127.0.0.1:${port}`, { path: '/api/v1/models/no-such-model' });
      expect(missing.status).toBe(404);
      expect(missing.headers['cache-control']).toBe('no-store');
      const history = await send(`127.0.0.1:${port}`, { path: '/api/v1/statistics' });
      expect(history.headers['cache-control']).toBe('no-store');
      const dashboard = await send(`127.0.0.1:${port}`, { path: '/' });
      expect(dashboard.headers['cache-control']).not.toBe('no-store');
    });
  });
});

describe.each(testBackends({ sqliteFile: false }).slice(0, 1))('configured policies on $name', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      backend,
      {
        allowedHosts: ['aimdb.example.com', '*.corp.example', '10.0.*.7'],
        corsAllowedOrigins: ['https://app.example.com', 'https://*.team.example', 'http://localhost:3000'],
        frameAncestors: ['https://portal.example.com'],
      },
      { uiDir },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  const send = (host: string, request: Parameters<typeof rawRequest>[1] = {}) =>
    rawRequest(server.url, { ...request, headers: { host, ...request.headers } });

  it('answers the configured hosts and wildcards, still refusing look-alikes', async () => {
    for (const host of ['aimdb.example.com', 'AIMDB.example.com:443', 'a.corp.example', 'a.b.corp.example:8765', '10.0.3.7', 'localhost:8765']) {
      expect((await send(host, { path: '/api/v1/models' })).status, `Host: ${host}`).toBe(200);
    }
    for (const host of ['corp.example', 'evilcorp.example', 'a.corp.example.evil.example', 'aimdb.example.com.evil.example', '10.0.3.7.evil.example', '10.0.3.3.7', 'app.example.com']) {
      expectRefused(await send(host, { path: '/api/v1/models' }), 'host');
    }
  });

  it('answers preflights and writes from configured origins with the CORS headers', async () => {
    for (const origin of ['https://app.example.com', 'https://x.team.example', 'http://localhost:3000']) {
      const preflight = await send('aimdb.example.com', {
        method: 'OPTIONS',
        path: '/api/v1/models',
        headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.status, origin).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-methods']).toContain('DELETE');
      expect(preflight.headers['access-control-allow-headers']).toMatch(/authorization/);
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
      const created = await send('aimdb.example.com', {
        method: 'POST',
        path: '/api/v1/models',
        headers: { origin, 'content-type': 'application/json' },
        body: modelJson(`from ${origin}`),
      });
      expect(created.status, created.text).toBe(201);
      expect(created.headers['access-control-allow-origin']).toBe(origin);
      expect(created.headers['access-control-expose-headers']).toBe('x-request-id');
      expect(created.headers.vary).toMatch(/origin/i);
    }
  });

  it('refuses origins that only look like configured ones', async () => {
    for (const origin of ['https://team.example', 'http://x.team.example', 'https://app.example.com.evil.example', 'https://evil.example', 'http://localhost:3001']) {
      const preflight = await send('aimdb.example.com', {
        method: 'OPTIONS',
        path: '/api/v1/models',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expectRefused(preflight, 'origin');
      const post = await send('aimdb.example.com', {
        method: 'POST',
        path: '/api/v1/models',
        headers: { origin, 'content-type': 'text/plain' },
        body: modelJson('planted'),
      });
      expectRefused(post, 'origin');
    }
    expect((await server.db.listModels()).items.some((model) => model.name === 'planted')).toBe(false);
  });

  it('lets the configured portal frame the dashboard through frame-ancestors, without X-Frame-Options', async () => {
    const answer = await send('aimdb.example.com', { path: '/' });
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'self' https://portal.example.com");
    expect(answer.headers['x-frame-options']).toBeUndefined();
  });
});

describe.each(testBackends({ sqliteFile: false }).slice(0, 1))('opened-up and locked-down settings on $name', (backend) => {
  it('allowedHosts * answers any Host; corsAllowedOrigins * any origin', async () => {
    const server = await startTestServer(backend, { allowedHosts: ['*'], corsAllowedOrigins: ['*'] });
    try {
      const answer = await rawRequest(server.url, {
        method: 'POST',
        path: '/api/v1/models',
        headers: { host: 'anything.example', origin: 'https://anywhere.example', 'content-type': 'application/json' },
        body: modelJson('open'),
      });
      expect(answer.status, answer.text).toBe(201);
      expect(answer.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await server.close();
    }
  });

  it('xFrameOptions DENY forbids all framing; NONE sends neither header', async () => {
    const provisioned = await backend.provision();
    try {
      for (const [xFrameOptions, header, ancestors] of [
        ['DENY', 'DENY', "frame-ancestors 'none'"],
        ['NONE', undefined, undefined],
      ] as const) {
        const server = await startAppOn(provisioned.url, { xFrameOptions }, { uiDir });
        try {
          const answer = await rawRequest(server.url, { path: '/' });
          expect(answer.headers['x-frame-options']).toBe(header);
          if (ancestors === undefined) expect(answer.headers['content-security-policy']).not.toContain('frame-ancestors');
          else expect(answer.headers['content-security-policy']).toContain(ancestors);
        } finally {
          await server.close();
        }
      }
    } finally {
      await provisioned.drop();
    }
  });

  it('a server bound to a name answers that name', async () => {
    const provisioned = await backend.provision();
    try {
      const server = await startAppOn(provisioned.url, { host: 'aimdb-box.internal' });
      try {
        expect((await rawRequest(server.url, { path: '/healthz', headers: { host: 'aimdb-box.internal:8765' } })).status).toBe(200);
        expectRefused(await rawRequest(server.url, { path: '/healthz', headers: { host: 'other-box.internal' } }), 'host');
      } finally {
        await server.close();
      }
    } finally {
      await provisioned.drop();
    }
  });
});
