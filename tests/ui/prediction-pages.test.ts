/**
 * The predictions and overview pages on the server's prediction statistics, in Chromium: the window
 * and bucket are stated, the numbers are the server's, and three paper cuts of issue 19 stay fixed —
 * five predictions within one second get an axis spanning the window (not 2027 to 2029), the
 * per-hour chart's y axis starts at zero, and an experiment of 101 runs says 101.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase, type ModelVersion } from '../../src/index.js';
import { formatMetric } from '../../src/ui/lib/format.js';
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
/** The newest prediction: 12:40 UTC, so its hour is partial. */
const NEWEST = Date.UTC(2026, 10, 20, 12, 40, 0);
const BURST = Date.UTC(2026, 10, 20, 9, 15, 30);

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let steady: ModelVersion;
let burst: ModelVersion;
let experimentId: number;

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-prediction-pages-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'predictions.sqlite')}` });
  const model = await db.createModel({ name: 'serving-model' });
  steady = await db.createModelVersion({ modelId: model.id });
  burst = await db.createModelVersion({ modelId: model.id });
  // 23 busy hours (about 400 predictions each) and a partial last hour of 40.
  const steadyPredictions = [];
  for (let index = 0; index < 23 * 400; index++) {
    steadyPredictions.push({
      modelVersionId: steady.id,
      input: index,
      output: index % 3 === 0 ? 'b' : 'a',
      groundTruth: index % 10 === 0 ? 'a' : null,
      latencyMs: 10 + (index % 97) + (index % 500 === 0 ? 900 : 0),
      confidence: (index % 100) / 100,
      timestamp: new Date(NEWEST - 40 * 60_000 - 23 * HOUR + index * (HOUR / 400)),
    });
  }
  for (let index = 0; index < 40; index++) {
    steadyPredictions.push({ modelVersionId: steady.id, input: index, output: 'a', latencyMs: 20, timestamp: new Date(NEWEST - (39 - index) * 60_000) });
  }
  for (let index = 0; index < steadyPredictions.length; index += 5_000) await db.logPredictions(steadyPredictions.slice(index, index + 5_000));
  // Five predictions of another version within one second.
  await db.logPredictions(
    Array.from({ length: 5 }, (_unused, index) => ({ modelVersionId: burst.id, input: index, output: 'x', latencyMs: 5 + index, timestamp: new Date(BURST + index * 150) })),
  );
  const experiment = await db.createExperiment({ name: 'sweep-of-101' });
  experimentId = experiment.id;
  await db.transaction(async (tx) => {
    for (let index = 0; index < 101; index++) {
      const run = await tx.createTrainingRun({ name: `sweep-${index}` });
      await tx.addExperimentRun(experiment.id, run.id);
    }
  });
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

async function open(pathname: string, viewport?: { width: number; height: number }): Promise<Page> {
  current = await openPage(browser, viewport);
  await current.page.goto(`${server.url}${pathname}`);
  return current.page;
}

const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
const scale = async (page: Page, chart: string, key: string) => Number(await page.locator(`[data-chart="${chart}"]`).getAttribute(`data-${key}`));

describe('prediction pages in Chromium', () => {
  it('predictions: the server\'s percentiles for the stated window and bucket', async () => {
    const page = await open(`/predictions?modelVersion=${steady.id}`);
    const window = page.locator('[data-panel="prediction-stats"] [data-window]');
    await eventually(() => textNow(window)).toMatch(/in buckets of 15 minutes\. Computed by the server from every prediction of the window; latency percentiles within 1 %/);
    // The default window: the 24 hours up to the newest prediction, on the 15-minute grid.
    const stats = await db.getPredictionStats({ modelVersionId: steady.id, since: new Date(NEWEST + 1 - 24 * HOUR), until: new Date(NEWEST + 1), buckets: 120 });
    const total = stats.series[0]!.total;
    expect(total.count).toBe(23 * 400 + 40);
    await page.getByText(`p99 ${formatMetric(total.latency.p99)} ms`).waitFor();
    await page.getByText(`accuracy ${formatMetric(total.accuracy! * 100)} % of ${total.labelled.toLocaleString('en-US')} labelled`).waitFor();
    await eventually(() => pixelsOfColor(page, '[data-chart="latency-percentiles"]', '#d62728')).toBeGreaterThan(50);
    await eventually(() => pixelsOfColor(page, '[data-chart="prediction-counts"]', '#1f77b4')).toBeGreaterThan(50);
    expect(await scale(page, 'latency-percentiles', 'x-min')).toBe(stats.since.getTime() / 1000);
    expect(await scale(page, 'latency-percentiles', 'x-max')).toBe(stats.until.getTime() / 1000);
    expect(await scale(page, 'latency-percentiles', 'y-min')).toBe(0);
    await screenshot(page, 'predictions-server-stats.png');

    await page.getByRole('combobox', { name: 'Window' }).selectOption('7d');
    await eventually(() => new URL(page.url()).searchParams.get('range')).toBe('7d');
    await eventually(() => textNow(window)).toMatch(/in buckets of 2 hours/);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('five predictions within one second: the time axis spans the window, not years', async () => {
    const page = await open(`/predictions?modelVersion=${burst.id}&range=1h&until=${new Date(BURST + 1000).toISOString()}`);
    await eventually(() => attributeNow(page.locator('[data-chart="latency-percentiles"]'), 'data-x-max')).not.toBeNull();
    const min = await scale(page, 'latency-percentiles', 'x-min');
    const max = await scale(page, 'latency-percentiles', 'x-max');
    expect(max - min).toBeLessThanOrEqual(2 * 3600);
    expect(min * 1000).toBeLessThanOrEqual(BURST);
    expect(max * 1000).toBeGreaterThan(BURST);
    await page.getByText('5 predictions · p50').waitFor();
    await eventually(() => pixelsOfColor(page, '[data-chart="latency-percentiles"]', '#d62728')).toBeGreaterThan(0);
    await screenshot(page, 'predictions-burst.png');
  });

  it('predictions table at 800 px: each time stays on one line', async () => {
    const page = await open(`/predictions?modelVersion=${burst.id}`, { width: 800, height: 900 });
    const times = page.locator('table.predictions-table td.when');
    await eventually(() => times.count()).toBe(5);
    // One line box per cell: the text's fragments all share one top edge.
    const linesPerCell = await times.evaluateAll((cells) =>
      cells.map((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
      }),
    );
    expect(linesPerCell).toEqual([1, 1, 1, 1, 1]);
    await screenshot(page, 'predictions-800.png');
  });

  it('overview: predictions per hour from the server, y axis from zero, the partial hour said', async () => {
    const page = await open('/');
    const hourly = page.locator('.panel', { hasText: 'Predictions per hour' });
    await eventually(() => textNow(hourly.locator('[data-window]'))).toMatch(/per hour: all 9,245 predictions of the window, counted by the server\. The last hour ends at the newest prediction/);
    await eventually(() => attributeNow(page.locator('[data-chart="predictions-per-hour"]'), 'data-y-min')).toBe('0');
    await eventually(() => pixelsOfColor(page, '[data-chart="predictions-per-hour"]', '#1f77b4')).toBeGreaterThan(50);
    expect(await scale(page, 'predictions-per-hour', 'x-max')).toBe((Math.floor(NEWEST / HOUR) * HOUR + HOUR) / 1000);
    await screenshot(page, 'overview-per-hour.png');
  });

  it('experiments: an experiment of 101 runs says 101, not 100+', async () => {
    const page = await open('/experiments');
    // The experiment's name links there too; the count is the link that holds a number.
    const count = page.locator(`a[href="/runs?experiment=${experimentId}"]`, { hasText: /^[\d,…+]+$/ });
    await eventually(() => textNow(count)).toBe('101');
    await screenshot(page, 'experiments-101.png');
  });
});
