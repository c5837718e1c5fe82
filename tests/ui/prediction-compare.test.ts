/**
 * The version comparison view in Chromium: two versions of a model (a baseline and a slower canary
 * taking a tenth of the traffic) over the same window, the server's aggregates side by side with
 * the canary's change from the first version, and both versions drawn on the same axes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase, type Model, type ModelVersion, type PredictionInput } from '../../src/index.js';
import { runColor } from '../../src/ui/charts/palette.js';
import { formatCount, formatMetric } from '../../src/ui/lib/format.js';
import { formatChange } from '../../src/ui/lib/prediction-compare.js';
import {
  ARTIFACT_DIR,
  attributeNow,
  buildDashboard,
  closeWatched,
  launchChromium,
  openPage,
  pixelsOfColor,
  screenshot,
  startDashboardServer,
  textNow,
  unnamedControls,
  type WatchedPage,
} from './support/dashboard-harness.js';

const HOUR = 3_600_000;
const NEWEST = Date.UTC(2026, 10, 20, 12, 0, 0);

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let model: Model;
let baseline: ModelVersion;
let canary: ModelVersion;

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-prediction-compare-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'compare.sqlite')}` });
  model = await db.createModel({ name: 'ranker' });
  baseline = await db.createModelVersion({ modelId: model.id });
  canary = await db.createModelVersion({ modelId: model.id });
  // 20 hours of traffic: the baseline answers in 20–60 ms and is right 90 % of the time; the canary,
  // on every tenth request, answers in 60–180 ms and is right 95 % of the time.
  const predictions: PredictionInput[] = [];
  const count = 20 * 300;
  for (let index = 0; index < count; index++) {
    const onCanary = index % 10 === 0;
    const spread = (index * 37) % 101;
    predictions.push({
      modelVersionId: onCanary ? canary.id : baseline.id,
      input: index,
      output: 'a',
      groundTruth: index % 4 === 0 ? ((index / 4) % 20 < (onCanary ? 19 : 18) ? 'a' : 'b') : null,
      latencyMs: onCanary ? 60 + (spread * 120) / 100 : 20 + (spread * 40) / 100,
      confidence: onCanary ? 0.9 : 0.7,
      timestamp: new Date(NEWEST - 20 * HOUR + (index * 20 * HOUR) / count),
    });
  }
  for (let index = 0; index < predictions.length; index += 2_000) await db.logPredictions(predictions.slice(index, index + 2_000));
  server = await startDashboardServer(db, ui.dir);
  browser = await launchChromium();
}, 180_000);

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

async function open(pathname: string): Promise<Page> {
  current = await openPage(browser);
  await current.page.goto(`${server.url}${pathname}`);
  return current.page;
}

const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
const cell = (page: Page, measure: string, version: ModelVersion) =>
  page.locator(`[data-compare-table] tr[data-measure="${measure}"] td[data-version="${version.id}"]`);

describe('version comparison in Chromium', () => {
  it('from the model page: the two newest versions side by side, the server\'s numbers, both drawn on one axis', async () => {
    const page = await open(`/models/${model.id}`);
    await page.getByRole('link', { name: `Compare predictions of v${canary.version} and v${baseline.version}` }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/predictions/compare');
    expect(new URL(page.url()).searchParams.get('versions')).toBe(`${canary.id},${baseline.id}`);

    // The window the page asks for: 24 hours up to just after the newest prediction, in about 120 buckets.
    const newest = (await db.getPredictions({ limit: 1 })).items[0]!.timestamp.getTime();
    const stats = await db.getPredictionStats({
      modelVersionIds: [canary.id, baseline.id],
      since: new Date(newest + 1 - 24 * HOUR),
      until: new Date(newest + 1),
      buckets: 120,
    });
    const [canaryTotal, baselineTotal] = [stats.series[0]!.total, stats.series[1]!.total];
    expect(canaryTotal.count).toBe(600);
    expect(baselineTotal.count).toBe(5_400);
    // The canary is the slower one: a comparison that could not tell them apart would fail here.
    expect(canaryTotal.latency.p95!).toBeGreaterThan(2 * baselineTotal.latency.p95!);

    await eventually(() => textNow(page.locator('[data-panel="version-comparison"] [data-window]'))).toMatch(
      /in buckets of 15 minutes, the same for every version\. Computed by the server/,
    );
    await eventually(() => textNow(cell(page, 'count', canary).locator('[data-value]'))).toBe(formatCount(canaryTotal.count));
    expect(await cell(page, 'count', baseline).locator('[data-value]').textContent()).toBe(formatCount(baselineTotal.count));
    for (const key of ['p50', 'p95', 'p99'] as const) {
      expect(await cell(page, key, canary).locator('[data-value]').textContent()).toBe(`${formatMetric(canaryTotal.latency[key])} ms`);
      expect(await cell(page, key, baseline).locator('[data-value]').textContent()).toBe(`${formatMetric(baselineTotal.latency[key])} ms`);
    }
    expect(await cell(page, 'accuracy', canary).locator('[data-value]').textContent()).toBe(`${formatMetric(canaryTotal.accuracy! * 100)} %`);
    expect(await cell(page, 'accuracy', baseline).locator('[data-value]').textContent()).toBe(`${formatMetric(baselineTotal.accuracy! * 100)} %`);
    // Changes are relative to the first version (the canary): the baseline is faster, so its change is negative.
    const change = (baselineTotal.latency.p95! - canaryTotal.latency.p95!) / canaryTotal.latency.p95!;
    expect(await cell(page, 'p95', baseline).locator('[data-change]').textContent()).toBe(` (${formatChange(change)})`);
    expect(change).toBeLessThan(0);

    // Both versions are drawn on the same axes, spanning the window the server answered.
    for (const chart of ['compare-latency', 'compare-counts', 'compare-accuracy']) {
      await eventually(() => pixelsOfColor(page, `[data-chart="${chart}"]`, runColor(0))).toBeGreaterThan(50);
      await eventually(() => pixelsOfColor(page, `[data-chart="${chart}"]`, runColor(1))).toBeGreaterThan(50);
      expect(Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-x-min'))).toBe(stats.since.getTime() / 1000);
      expect(Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-x-max'))).toBe(stats.until.getTime() / 1000);
    }
    // The latency chart's y axis holds the canary's slowest bucket p95.
    const highest = Math.max(...stats.series[0]!.buckets.map((bucket) => bucket.latency.p95!));
    expect(Number(await page.locator('[data-chart="compare-latency"]').getAttribute('data-y-max'))).toBeGreaterThanOrEqual(highest);
    expect(Number(await page.locator('[data-chart="compare-latency"]').getAttribute('data-y-min'))).toBe(0);
    await screenshot(page, 'predictions-compare.png');
    expect(await unnamedControls(page)).toEqual([]);

    // Another percentile redraws the overlay; one version alone is no comparison.
    await page.getByRole('combobox', { name: 'Latency chart' }).selectOption('p99');
    await eventually(() => new URL(page.url()).searchParams.get('percentile')).toBe('p99');
    await page.getByRole('heading', { name: 'Latency p99' }).waitFor();
    await page.getByRole('checkbox', { name: new RegExp(`^v${baseline.version} `) }).uncheck();
    await eventually(() => new URL(page.url()).searchParams.get('versions')).toBe(String(canary.id));
    await page.getByText('Choose two or more versions to compare them side by side.').waitFor();
  });

  it('from the predictions page: a link to the comparison of the chosen version\'s model', async () => {
    const page = await open(`/predictions?modelVersion=${baseline.id}`);
    const link = page.getByRole('link', { name: 'Compare versions' });
    await eventually(() => attributeNow(link, 'href')).toBe(`/predictions/compare?model=${model.id}`);
    await link.click();
    // No versions named: the two newest.
    await eventually(() => textNow(cell(page, 'count', canary).locator('[data-value]'))).toBe('600');
    expect(await cell(page, 'count', baseline).locator('[data-value]').textContent()).toBe('5,400');
  });
});
