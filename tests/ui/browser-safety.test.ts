/**
 * The dashboard's browser safety in Chromium, against the real server: the production build (what
 * `npm run build` ships) runs under the server's CSP without one violation; another origin's page
 * can neither frame it nor write through the API; a page that rebinds its own name to 127.0.0.1 is
 * refused; the token lives in sessionStorage and travels only to the dashboard's own server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { buildApp } from '../../src/server/app.js';
import { RUN_COLORS } from '../../src/ui/charts/palette.js';
import { captureLogs } from '../server/support/log-capture.js';
import { ARTIFACT_DIR, buildDashboard, launchChromium, openPage, pixelsOfColor, screenshot, startDashboardServer, type WatchedPage } from './support/dashboard-harness.js';

/** A name only this test's Chromium resolves, to 127.0.0.1: what DNS rebinding achieves. */
const REBOUND_NAME = 'rebind.evil.example';
const TOKEN = 'browser-safety-token-0123456789';

let ui: { dir: string; remove(): void };
let db: AiDatabase;
let runId: number;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let attacker: { url: string; close(): Promise<void> };
let opened: WatchedPage[] = [];

/** The attacker's site: another origin (another port) serving whatever page a test sets. */
let attackerPage = '<!doctype html><title>attacker</title>';
function startAttackerSite(): Promise<{ url: string; close(): Promise<void> }> {
  const site = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage);
  });
  return new Promise((resolve) => {
    site.listen(0, '127.0.0.1', () => {
      const { port } = site.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => site.close(() => done())) });
    });
  });
}

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard('production');
  db = await createAiDatabase({ url: 'sqlite::memory:' });
  const model = await db.createModel({ name: 'guarded-model' });
  const run = await db.createTrainingRun({ name: 'guarded-run', modelId: model.id });
  runId = run.id;
  await db.logMetrics(run.id, Array.from({ length: 200 }, (_, step) => ({ name: 'loss', value: 1 / (step + 1), step })));
  server = await startDashboardServer(db, ui.dir);
  attacker = await startAttackerSite();
  browser = await launchChromium([`--host-resolver-rules=MAP ${REBOUND_NAME} 127.0.0.1`]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await attacker?.close();
  await server?.close();
  await db?.close();
  ui?.remove();
});

afterEach(async () => {
  for (const watched of opened) await watched.page.context().close();
  opened = [];
});

/** A fresh page recording console problems and every CSP violation reported to the page. */
async function watchedPage(): Promise<WatchedPage & { violations(): Promise<string[]> }> {
  const watched = await openPage(browser);
  opened.push(watched);
  await watched.page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return {
    ...watched,
    violations: () => watched.page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations),
  };
}

const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
/** The level-1 headings' texts, read at once (`textContent()` would auto-wait up to 30 s inside a poll). */
const headings = (scope: Page | Frame) => scope.getByRole('heading', { level: 1 }).allTextContents();

describe('dashboard under the server CSP', () => {
  it('loads and draws charts from every allowed host with no CSP violation and no console error', async () => {
    const port = new URL(server.url).port;
    for (const host of ['127.0.0.1', 'localhost']) {
      const watched = await watchedPage();
      const { page } = watched;
      const response = await page.goto(`http://${host}:${port}/`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await eventually(() => headings(page)).toEqual(['Overview']);
      await page.locator('.stat-card').first().waitFor();
      await page.goto(`http://${host}:${port}/runs/${runId}`);
      const figure = 'figure[data-metric="loss"]';
      await page.locator(`${figure} canvas`).first().waitFor();
      await eventually(() => pixelsOfColor(page, figure, RUN_COLORS[0])).toBeGreaterThan(50);
      if (host === '127.0.0.1') await screenshot(page, 'csp-run-page.png');
      expect(await watched.violations()).toEqual([]);
      expect(watched.problems).toEqual([]);
    }
  });

  it('the API docs page (Swagger UI) works under the same CSP', async () => {
    const watched = await watchedPage();
    await watched.page.goto(`${server.url}/docs`);
    await watched.page.getByText('/api/v1/models', { exact: false }).first().waitFor();
    expect(await watched.violations()).toEqual([]);
    expect(watched.problems).toEqual([]);
  });
});

/**
 * What the attacker's only frame shows, read from what Playwright already recorded (no wait in the
 * page): `none` when there is no frame (not yet attached, or dropped by Chromium), `error page` when
 * Chromium committed its own error page instead of the framed document, else the frame's URL
 * (`about:blank` until its first navigation commits). By frame tree, not by name: Playwright learns a
 * frame's name only when a navigation commits in it.
 */
function victimFrame(page: Page): Frame | undefined {
  return page.mainFrame().childFrames()[0];
}
function victimShows(page: Page): string {
  const frame = victimFrame(page);
  if (frame === undefined || frame.isDetached()) return 'none';
  return frame.url().startsWith('chrome-error:') ? 'error page' : frame.url();
}

describe('another origin', () => {
  // Waits only for what each assertion needs, never for the attacker page's `load`: that fires only
  // once the refused frame has committed Chromium's error page, on Chromium's schedule, and `goto`
  // would wait up to 30 s for it. Every read polled here returns at once: a Playwright auto-wait
  // inside a poll (up to 30 s per read) outlasts the poll's own 20 s and adds up past the test's 60 s.
  it('cannot frame the dashboard; an origin named in frameAncestors can', async () => {
    const embeddable = await startDashboardServer(db, ui.dir, { frameAncestors: [attacker.url] });
    try {
      for (const [target, framed] of [
        [server.url, false],
        [embeddable.url, true],
      ] as const) {
        attackerPage = `<!doctype html><title>attacker</title><iframe name="victim" src="${target}/" width="800" height="600"></iframe>`;
        const watched = await watchedPage();
        const attached = watched.page.waitForEvent('frameattached');
        await watched.page.goto(`${attacker.url}/`, { waitUntil: 'commit' });
        await attached;
        if (framed) {
          await eventually(() => victimShows(watched.page)).toBe(`${target}/`);
          await eventually(() => headings(victimFrame(watched.page)!)).toEqual(['Overview']);
          expect(watched.problems).toEqual([]);
        } else {
          await eventually(() => watched.problems.some((problem) => /frame-ancestors|Refused to (display|frame)/.test(problem))).toBe(true);
          // The frame exists (attached above); Chromium commits its own error page into it or drops it
          // (which one varies with load). Either way the dashboard must not be what the frame shows.
          await eventually(() => victimShows(watched.page)).toMatch(/^(none|error page)$/);
          await screenshot(watched.page, 'framed-by-other-origin.png');
        }
      }
    } finally {
      await embeddable.close();
    }
  });

  it('cannot write through the API, even with a "simple" request, nor read the answers', async () => {
    // Its own server with logs: the page cannot see the status of a no-cors request, and Chromium
    // drops the refused answer (Cross-Origin-Resource-Policy), but the server's log has it.
    const logs = captureLogs('info');
    const app = await buildApp({ db, uiDir: ui.dir, logger: logs.options });
    const api = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      attackerPage = '<!doctype html><title>attacker</title>';
      const watched = await watchedPage();
      await watched.page.goto(`${attacker.url}/`);
      const read = await watched.page.evaluate(async (url) => {
        await fetch(`${url}/api/v1/models`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'planted-by-page' }),
        }).catch(() => undefined);
        return fetch(`${url}/api/v1/models`).then(
          async (response) => `read ${response.status}: ${await response.text()}`,
          (error: Error) => `blocked: ${error.name}`,
        );
      }, api);
      expect(read).toBe('blocked: TypeError');
      const entries = logs.entries();
      const postIds = entries.filter((entry) => entry.req?.method === 'POST').map((entry) => entry.reqId);
      expect(postIds).toHaveLength(1);
      const completed = entries.find((entry) => entry.reqId === postIds[0] && entry.msg === 'request completed');
      expect(completed?.res?.statusCode).toBe(403);
      expect((await db.listModels()).items.map((model) => model.name)).toEqual(['guarded-model']);
    } finally {
      await app.close();
    }
  });

  it('a page that rebinds its own name to 127.0.0.1 is refused, for the dashboard and the API', async () => {
    const watched = await watchedPage();
    const { page } = watched;
    const response = await page.goto(`http://${REBOUND_NAME}:${new URL(server.url).port}/`);
    expect(response?.status()).toBe(403);
    expect(JSON.parse(await response!.text()).error).toMatchObject({ code: 'forbidden', field: 'host' });
    // Now "same-origin" with the server in the browser's eyes: exactly what rebinding is for.
    const attempt = await page.evaluate(async () => {
      const read = await fetch('/api/v1/models');
      const write = await fetch('/api/v1/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rebound"}' });
      return { read: read.status, readBody: await read.text(), write: write.status };
    });
    expect(attempt).toMatchObject({ read: 403, write: 403 });
    expect(attempt.readBody).not.toContain('guarded-model');
    expect((await db.listModels()).items.map((model) => model.name)).toEqual(['guarded-model']);
  });
});

describe('the dashboard token', () => {
  it('is kept in sessionStorage, moved out of localStorage, and sent only to its own server', async () => {
    const guarded = await startDashboardServer(db, ui.dir, { tokens: [{ token: TOKEN, scope: 'read', name: 'dashboard' }] });
    try {
      const watched = await watchedPage();
      const { page } = watched;
      const sentWithToken: string[] = [];
      page.on('request', (request) => {
        if (request.headers().authorization !== undefined) sentWithToken.push(new URL(request.url()).origin);
      });
      // A token an earlier version left in localStorage is taken over for this tab and removed there.
      await page.addInitScript(
        ({ token, origin }) => {
          if (location.origin !== origin || localStorage.getItem('aimdb.seeded') !== null) return;
          localStorage.setItem('aimdb.token', token);
          localStorage.setItem('aimdb.seeded', 'yes');
        },
        { token: TOKEN, origin: guarded.url },
      );
      await page.goto(`${guarded.url}/`);
      await eventually(() => headings(page)).toEqual(['Overview']);
      await page.locator('.stat-card').first().waitFor();
      expect(await page.evaluate(() => [sessionStorage.getItem('aimdb.token'), localStorage.getItem('aimdb.token')])).toEqual([TOKEN, null]);
      await page.reload();
      await page.locator('.stat-card').first().waitFor();
      expect(sentWithToken.length).toBeGreaterThan(0);
      expect(new Set(sentWithToken)).toEqual(new Set([guarded.url]));

      // Another origin's page reads its own storage, never the dashboard's.
      await page.goto(`${attacker.url}/`);
      expect(await page.evaluate(() => [sessionStorage.getItem('aimdb.token'), localStorage.getItem('aimdb.token')])).toEqual([null, null]);
      expect(await watched.violations()).toEqual([]);
      expect(watched.problems).toEqual([]);
    } finally {
      await guarded.close();
    }
  });
});
