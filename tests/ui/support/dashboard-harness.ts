/**
 * The dashboard under test: the UI built from src/ui (development build, so React's own warnings
 * reach the console and fail the tests), the real Fastify app listening on loopback over a real
 * database, and Debian's Chromium driven by playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { buildApp } from '../../../src/server/app.js';
import type { ServerConfig } from '../../../src/config/config.js';
import type { AiDatabase } from '../../../src/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACT_DIR = path.join(REPO_ROOT, 'test-artifacts', 'dashboard');

/**
 * Builds the dashboard into a temporary folder; returns it and a cleanup. `development` (the
 * default) keeps React's warnings; `production` is what `npm run build` ships (`minify: false` keeps
 * function names readable in a profile).
 */
export async function buildDashboard(
  mode: 'development' | 'production' = 'development',
  options: { minify?: boolean } = {},
): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aimdb-ui-'));
  // Vite and the React plugin pick React's build and the JSX runtime from NODE_ENV, which vitest
  // sets to 'test'; the build must see the mode it builds, as it does when run from npm.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = mode;
  try {
    await build({
      configFile: path.join(REPO_ROOT, 'src/ui/vite.config.ts'),
      mode,
      build: { outDir: dir, emptyOutDir: true, minify: options.minify ?? mode === 'production' },
      logLevel: 'error',
    });
  } finally {
    process.env.NODE_ENV = previous;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real app over `db`, listening on an ephemeral loopback port. */
export async function startDashboardServer(db: AiDatabase, uiDir: string, server?: ServerConfig): Promise<{ url: string; close(): Promise<void> }> {
  const app = await buildApp({ db, uiDir, logger: false, ...(server === undefined ? {} : { server }) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules=MAP evil.example 127.0.0.1`. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run 'bash scripts/install-chromium.sh' (Debian's chromium package)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests seen so far. */
  problems: string[];
}

/** A fresh page (own storage) that records every console error and page error. */
export async function openPage(
  browser: Browser,
  viewport = { width: 1366, height: 900 },
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce', colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    // Requests a page aborts when it moves on (AbortController) are expected.
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()} ${failure}`);
  });
  return { page, problems };
}

/**
 * Closes a watched page's browser context (before its server stops) and answers what it recorded:
 * every console error, page error and failed request, which a test expects to be none.
 */
export async function closeWatched(watched: WatchedPage | undefined): Promise<string[]> {
  if (watched === undefined) return [];
  await watched.page.context().close();
  return watched.problems;
}

/*
 * Reads for expect.poll. Playwright's locator.textContent(), getAttribute(), inputValue() and
 * evaluate() first wait for the locator to match, up to 30 s, so one read in a poll round can
 * outlast the whole poll on a loaded machine. These read what the page shows at once (evaluateAll
 * never waits) and throw at once unless exactly one element matches, as Playwright's strict reads
 * would, so the poll just tries again.
 */
function theOne<T>(locator: Locator, values: T[]): T {
  if (values.length !== 1) throw new Error(`${values.length} elements match ${String(locator)}, not one`);
  return values[0]!;
}

/** The text of the one element `locator` matches now (as locator.textContent(), without waiting). */
export async function textNow(locator: Locator): Promise<string> {
  return theOne(locator, await locator.evaluateAll((elements) => elements.map((element) => element.textContent ?? '')));
}

/** An attribute of the one element `locator` matches now, null when it has none (as locator.getAttribute(), without waiting). */
export async function attributeNow(locator: Locator, name: string): Promise<string | null> {
  return theOne(locator, await locator.evaluateAll((elements, attribute) => elements.map((element) => element.getAttribute(attribute)), name));
}

/** The value of the one form field `locator` matches now (as locator.inputValue(), without waiting). */
export async function valueNow(locator: Locator): Promise<string> {
  return theOne(locator, await locator.evaluateAll((elements) => elements.map((element) => (element as HTMLInputElement).value)));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Pixels of the chart canvas inside `scope` whose colour is within a small distance of `hex`:
 * proof that a series of that colour was drawn (axes and grid are grey).
 */
export async function pixelsOfColor(page: Page, scope: string, hex: string): Promise<number> {
  return canvasPixelsOfColor(page, scope, hex, null);
}

/**
 * Pixels of a translucent fill of `hex` (a chart's band: about `alpha` opaque) in the first canvas
 * under `scope`, where no other drawing covers it.
 */
export async function translucentPixelsOfColor(page: Page, scope: string, hex: string, alpha: number): Promise<number> {
  return canvasPixelsOfColor(page, scope, hex, alpha);
}

/** Pixels near `hex`: opaque ones (alpha null), or ones about `alpha` opaque. -1 when there is no canvas. */
async function canvasPixelsOfColor(page: Page, scope: string, hex: string, alpha: number | null): Promise<number> {
  return page.evaluate(
    ({ scope: selector, hex: color, alpha: expected }) => {
      const canvas = document.querySelector(selector)?.querySelector('canvas');
      if (canvas === null || canvas === undefined) return -1;
      // Read a copy, so the chart's own canvas is not switched to slow CPU readback (Chromium warns).
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext('2d', { willReadFrequently: true });
      if (context === null) return -1;
      context.drawImage(canvas, 0, 0);
      const { data } = context.getImageData(0, 0, copy.width, copy.height);
      const target = Number.parseInt(color.slice(1), 16);
      const [r, g, b] = [(target >> 16) & 255, (target >> 8) & 255, target & 255];
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const opacityMatches = expected === null ? data[i + 3]! > 200 : Math.abs(data[i + 3]! - expected * 255) <= 20;
        if (opacityMatches && Math.abs(data[i]! - r) < 24 && Math.abs(data[i + 1]! - g) < 24 && Math.abs(data[i + 2]! - b) < 24) count += 1;
      }
      return count;
    },
    { scope, hex, alpha },
  );
}

/** Controls without an accessible name (no label, aria-label, title or text), described for the failure message. */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const element of Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], summary'))) {
      const labelled =
        (element.getAttribute('aria-label') ?? '').trim() !== '' ||
        (element.getAttribute('aria-labelledby') ?? '').trim() !== '' ||
        (element.getAttribute('title') ?? '').trim() !== '' ||
        ('labels' in element && (element as HTMLInputElement).labels !== null && (element as HTMLInputElement).labels!.length > 0) ||
        (element.tagName !== 'INPUT' && (element.textContent ?? '').trim() !== '');
      if (!labelled) problems.push(element.outerHTML.slice(0, 120));
    }
    return problems;
  });
}

/** Whether the page scrolls sideways as a whole (tables may scroll inside their own box). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}
