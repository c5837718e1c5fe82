/**
 * Runs that log thousands of metric names, in Chromium against the real server: the run page opens
 * with a handful of requests, loads charts only as they scroll into view, groups names into
 * sections, filters them (substring and regular expression) with the state in the URL, and live
 * refresh reloads only charts whose series changed; compare does the same for ten runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase, type MetricPointInput } from '../../src/index.js';
import { RUN_COLORS } from '../../src/ui/charts/palette.js';
import { LIVE_REFRESH_MS } from '../../src/ui/lib/statuses.js';
import {
  ARTIFACT_DIR,
  buildDashboard,
  closeWatched,
  launchChromium,
  openPage,
  pixelsOfColor,
  startDashboardServer,
  textNow,
  unnamedControls,
  type WatchedPage,
} from './support/dashboard-harness.js';

const NAMES = 5_000;
const STEPS = 100;
const COMPARE_RUNS = 10;
const COMPARE_NAMES = 1_000;
const COMPARE_STEPS = 20;

/** `layers.0.grad_norm` … `layers.2499.weight_norm`, then `class.<i>.recall`, and a few top-level names. */
function metricName(index: number): string {
  if (index < 3) return ['loss', 'accuracy', 'lr'][index]!;
  if (index < 3003) return `layers.${Math.floor((index - 3) / 2)}.${index % 2 === 0 ? 'grad_norm' : 'weight_norm'}`;
  return `class.${index - 3003}.recall`;
}

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let wideRunId: number;
let compareIds: number[];

async function logGrid(runId: number, names: number, steps: number, offset = 0): Promise<void> {
  let batch: MetricPointInput[] = [];
  for (let index = 0; index < names; index++) {
    const name = metricName(index);
    for (let step = 0; step < steps; step++) {
      batch.push({ name, step, value: Math.sin((step + index + offset) / 7) });
      if (batch.length === 50_000) {
        await db.logMetrics(runId, batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await db.logMetrics(runId, batch);
}

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-many-metrics-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'many.sqlite')}` });
  const wide = await db.createTrainingRun({ name: 'per-layer-stats', status: 'queued' });
  await db.updateTrainingRun(wide.id, { status: 'running' });
  wideRunId = wide.id;
  await logGrid(wide.id, NAMES, STEPS);
  compareIds = [];
  for (let index = 0; index < COMPARE_RUNS; index++) {
    const run = await db.createTrainingRun({ name: `sweep-${index}` });
    await logGrid(run.id, COMPARE_NAMES, COMPARE_STEPS, index);
    compareIds.push(run.id);
  }
  server = await startDashboardServer(db, ui.dir);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  rmSync(folder, { recursive: true, force: true });
  ui?.remove();
});

afterEach(async () => {
  const problems = await closeWatched(current);
  current = undefined;
  expect(problems).toEqual([]);
});

/** Opens a page and records every API request it sends. */
async function open(pathname: string): Promise<{ page: Page; apiRequests: string[] }> {
  current = await openPage(browser);
  const apiRequests: string[] = [];
  current.page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) apiRequests.push(`${request.method()} ${url.pathname}`);
  });
  await current.page.goto(`${server.url}${pathname}`);
  return { page: current.page, apiRequests };
}

const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

const drawnCharts = (page: Page) => page.locator('figure.chart-card[data-drawn="true"]').count();

describe('runs with thousands of metric names', () => {
  it('opens a run of 5,000 metric names with a handful of requests and loads more charts only when scrolled to', async () => {
    const started = Date.now();
    const { page, apiRequests } = await open(`/runs/${wideRunId}`);
    const bucketReads = () => apiRequests.filter((request) => request.includes('/metric-buckets')).length;
    await eventually(() => textNow(page.getByRole('status').filter({ hasText: 'metrics' }).first())).toContain('5,000 metrics in 3 sections');
    // With more than a screenful of names, sections start closed: open the per-layer one.
    const layers = page.locator('details[data-section="layers"]');
    expect(await layers.getAttribute('open')).toBeNull();
    await layers.locator('summary').click();
    await eventually(() => pixelsOfColor(page, 'figure[data-metric="layers.0.grad_norm"]', RUN_COLORS[0])).toBeGreaterThan(50);
    const usableAfterMs = Date.now() - started;
    const firstScreen = [...apiRequests];
    // The charts on screen came in one or two bulk reads; no chart asked for its own series.
    expect(bucketReads(), firstScreen.join('\n')).toBeLessThanOrEqual(2);
    expect(apiRequests.some((request) => /\/metrics\/[^/]+\/buckets$/.test(request))).toBe(false);
    expect(new URL(page.url()).searchParams.getAll('open')).toEqual(['layers']);
    // Only what is near the viewport loads: a few rows of charts, not the 24 rendered.
    const drawnFirst = await drawnCharts(page);
    expect(drawnFirst).toBeGreaterThan(0);
    expect(drawnFirst).toBeLessThan(24);

    // Live refresh: the run is running. Nothing changed, so ticks reload summaries but no chart…
    const readsBeforeTicks = bucketReads();
    await page.waitForTimeout(LIVE_REFRESH_MS * 2 + 500);
    expect(bucketReads()).toBe(readsBeforeTicks);
    // …and when one series on screen changes, only its chart reloads, in one request.
    await db.logMetrics(wideRunId, [{ name: 'layers.0.grad_norm', step: STEPS, value: 5 }]);
    await eventually(() => bucketReads(), 3 * LIVE_REFRESH_MS).toBe(readsBeforeTicks + 1);
    await page.waitForTimeout(LIVE_REFRESH_MS + 500);
    expect(bucketReads()).toBe(readsBeforeTicks + 1);

    // Scrolling renders and loads the next charts, a few requests at a time, never all 3,000.
    const renderedBefore = await page.locator('details[data-section="layers"] figure.chart-card').count();
    const readsBeforeScroll = bucketReads();
    for (let scroll = 0; scroll < 4; scroll++) {
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(500);
    }
    await eventually(() => page.locator('details[data-section="layers"] figure.chart-card').count()).toBeGreaterThan(renderedBefore);
    await eventually(() => bucketReads()).toBeGreaterThan(readsBeforeScroll);
    expect(bucketReads() - readsBeforeScroll).toBeLessThanOrEqual(16);
    expect(await page.locator('details[data-section="layers"] figure.chart-card').count()).toBeLessThan(500);
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    expect(await unnamedControls(page)).toEqual([]);
    console.info(
      `many-metrics: first chart drawn ${usableAfterMs} ms after navigation (machine load included); ` +
        `${firstScreen.length} API requests until then (${firstScreen.filter((request) => request.includes('/metric-buckets')).length} bulk bucket reads)`,
    );
  }, 240_000);

  it('filters metric names by substring or regular expression, keeps it in the URL, and pins charts first', async () => {
    const { page } = await open(`/runs/${wideRunId}?metrics=recall&open=class`);
    const status = page.getByRole('status').filter({ hasText: 'metrics' }).first();
    await eventually(() => textNow(status)).toContain('1,997 of 5,000 metrics');
    await page.getByLabel('regular expression').check();
    const box = page.getByRole('searchbox', { name: /Filter metrics/ });
    await box.fill('^layers\\.1[0-9]\\.grad');
    await eventually(() => textNow(status)).toContain('10 of 5,000 metrics');
    await eventually(() => page.locator('figure.chart-card').count()).toBe(10);
    await eventually(() => drawnCharts(page)).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('regex')).toBe('1');
    await box.fill('layers.(');
    await page.getByRole('alert').filter({ hasText: 'Not a regular expression' }).waitFor();
    await box.fill('^loss$');
    await page.getByRole('button', { name: 'Pin loss' }).click();
    await box.fill('');
    await page.getByRole('region', { name: 'Pinned metrics' }).locator('figure[data-metric="loss"]').waitFor();
    expect(new URL(page.url()).searchParams.getAll('pin')).toEqual(['loss']);
    // The URL restores the same view in a new page.
    const shared = page.url();
    const again = await open(new URL(shared).pathname + new URL(shared).search);
    await again.page.getByRole('region', { name: 'Pinned metrics' }).locator('figure[data-metric="loss"][data-drawn="true"]').waitFor();
    await again.page.screenshot({ path: path.join(ARTIFACT_DIR, 'run-many-metrics.png') });
  }, 240_000);

  it('compares ten runs with 1,000 metric names each in a handful of requests', async () => {
    const { page, apiRequests } = await open(`/compare?runs=${compareIds.join(',')}`);
    await eventually(() => textNow(page.getByRole('status').filter({ hasText: 'metrics' }).first())).toContain('1,000 metrics in 2 sections');
    await page.locator('details[data-section="layers"] summary').click();
    await eventually(() => pixelsOfColor(page, 'figure[data-metric="layers.0.grad_norm"]', RUN_COLORS[9]!)).toBeGreaterThan(50);
    const bucketReads = apiRequests.filter((request) => request.includes('/metric-buckets'));
    expect(bucketReads.length, apiRequests.join('\n')).toBeLessThanOrEqual(2);
    expect(apiRequests.some((request) => /\/metrics\/[^/]+\/buckets$/.test(request))).toBe(false);
    expect(await page.locator('table.compare-table tbody tr').count()).toBeLessThan(200);
    console.info(`many-metrics compare: ${apiRequests.length} API requests, ${bucketReads.length} bulk bucket reads`);
  }, 240_000);
});
