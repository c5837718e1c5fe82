/**
 * The built dashboard is served at `/` when present: its files as they are, any other page path
 * answered with index.html (the dashboard routes in the browser), while unknown /api paths stay
 * JSON 404s and the API keeps working. Without a built dashboard, `/` is a plain 404.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe.each(testBackends({ sqliteFile: false }))('dashboard files next to the API on $name', (backend) => {
  let server: TestServer;
  let bare: TestServer;
  const uiDir = mkdtempSync(path.join(tmpdir(), 'aimdb-ui-'));

  beforeAll(async () => {
    writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>aimdb dashboard</title>');
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log("dashboard")');
    server = await startTestServer(backend, {}, { uiDir });
    bare = await startTestServer(backend, {}, { uiDir: false });
  });
  afterAll(async () => {
    await server?.close();
    await bare?.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('serves index.html, the assets, and index.html for page paths', async () => {
    const index = await call(server.url, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('aimdb dashboard');
    const asset = await call(server.url, 'GET', '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toContain('dashboard');
    const page = await call(server.url, 'GET', '/runs/12?tab=metrics');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('aimdb dashboard');
  });

  it('keeps the API and its JSON 404s', async () => {
    expect((await call(server.url, 'GET', '/api/v1/models')).body).toEqual({ items: [], nextCursor: null });
    const missing = await call(server.url, 'GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('answers 404 at / when no dashboard is built', async () => {
    const root = await call(bare.url, 'GET', '/');
    expect(root.status).toBe(404);
    expect(root.body.error.code).toBe('not_found');
  });
});
