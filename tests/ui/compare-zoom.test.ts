/**
 * Compare and zoom in Chromium, on a small SQLite database: a dozen runs compared in bulk reads,
 * grouped by a hyperparameter (mean lines and bands per group), charts that never say "No points to
 * draw" while resizing, a hyperparameter table that stays inside the page; and a long history whose
 * zoom reads the visible step range again from the server at the chart's width, with a single spike
 * visible at both levels.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase, type TrainingRun } from '../../src/index.js';
import { RUN_COLORS } from '../../src/ui/charts/palette.js';
import {
  ARTIFACT_DIR,
  attributeNow,
  buildDashboard,
  launchChromium,
  openPage,
  overflowsHorizontally,
  pixelsOfColor,
  screenshot,
  startDashboardServer,
  textNow,
  unnamedControls,
  type WatchedPage,
} from './support/dashboard-harness.js';

const LEARNING_RATES = [0.1, 0.01, 0.001];
const LONG_STEPS = 20_000;
const SPIKE_STEP = 12_345;

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let sweep: TrainingRun[];
let spiky: TrainingRun;

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-compare-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'compare.sqlite')}` });
  sweep = [];
  for (let index = 0; index < 12; index++) {
    const lr = LEARNING_RATES[index % 3]!;
    const run = await db.createTrainingRun({ name: `grouped-${index}`, tags: { seed: String(Math.floor(index / 3)) } });
    await db.logHyperparameters(run.id, {
      lr,
      seed: Math.floor(index / 3),
      augmentation: `a long augmentation pipeline description number ${index} with many words in it`,
    });
    await db.logMetrics(
      run.id,
      Array.from({ length: 50 }, (_, step) => ({ name: 'loss', value: (1 + index / 12) * Math.exp(-step * lr * 3) + 0.1 * (index % 3), step })),
    );
    sweep.push(run);
  }
  // An experiment a little over 100 runs, which the experiments page once showed as "100+".
  const big = await db.createExperiment({ name: 'hundred-and-one' });
  for (let index = 0; index < 101; index++) await db.addExperimentRun(big.id, (await db.createTrainingRun({ name: `member-${index}` })).id);
  spiky = await db.createTrainingRun({ name: 'spiky' });
  await db.logMetrics(
    spiky.id,
    Array.from({ length: LONG_STEPS }, (_, step) => ({ name: 'signal', value: step === SPIKE_STEP ? 100 : 1 + Math.sin(step / 500) * 0.1, step })),
  );
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
  if (current === undefined) return;
  const problems = current.problems;
  await current.page.context().close();
  current = undefined;
  expect(problems).toEqual([]);
});

async function open(pathname: string, viewport = { width: 1400, height: 900 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  if (current !== undefined) await current.page.context().close();
  current = await openPage(browser, viewport, { colorScheme });
  await current.page.goto(`${server.url}${pathname}`);
  return current.page;
}

const eventually = <T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(read, { timeout: options.timeout ?? 20_000, interval: 100 });

describe('compare and zoom in Chromium', () => {
  it('compares a dozen runs in bulk reads, groups them by a hyperparameter, and stays inside the page while resizing', async () => {
    const ids = sweep.map((run) => run.id).join(',');
    const page = await open(`/compare?runs=${ids}`);
    const perRun: string[] = [];
    page.on('requestfinished', (request) => {
      const pathname = new URL(request.url()).pathname;
      if (/^\/api\/v1\/runs\/\d+(\/hyperparameters)?$/.test(pathname)) perRun.push(pathname);
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Compare 12 runs' }).waitFor();
    expect(perRun).toEqual([]);
    await page.getByRole('combobox', { name: 'Group by' }).selectOption('param:lr');
    expect(new URL(page.url()).searchParams.get('group')).toBe('param:lr');
    await eventually(() => page.getByRole('list', { name: 'Groups' }).getByRole('listitem').allTextContents()).toEqual([
      'lr=0.001 (4 runs)',
      'lr=0.01 (4 runs)',
      'lr=0.1 (4 runs)',
    ]);
    const figure = 'figure[data-metric="loss"]';
    await page.locator(figure).scrollIntoViewIfNeeded();
    for (const color of RUN_COLORS.slice(0, 3)) await eventually(() => pixelsOfColor(page, figure, color)).toBeGreaterThan(50);
    // One legend entry per group, not per run.
    expect(await page.locator(`${figure} .chart-legend li`).count()).toBe(3);

    // Resizing re-reads the buckets at the new width; the chart never says it has nothing to draw meanwhile.
    let sawEmpty = 0;
    for (const width of [1100, 820, 1300, 800, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      for (let sample = 0; sample < 8; sample++) {
        sawEmpty += await page.getByText('No points to draw').count();
        await page.waitForTimeout(25);
      }
    }
    expect(sawEmpty).toBe(0);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('shows compare at 1400 and 800 px in light and dark themes without the page overflowing', async () => {
    const ids = sweep.map((run) => run.id).join(',');
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1400, 800]) {
        const page = await open(`/compare?runs=${ids}&group=param:lr`, { width, height: 1000 }, colorScheme);
        await page.getByRole('heading', { name: 'Compare 12 runs' }).waitFor();
        await page.locator('figure[data-metric="loss"]').scrollIntoViewIfNeeded();
        await eventually(() => pixelsOfColor(page, 'figure[data-metric="loss"]', RUN_COLORS[0])).toBeGreaterThan(50);
        await page.locator('table.compare-table').first().scrollIntoViewIfNeeded();
        expect(await overflowsHorizontally(page)).toBe(false);
        // The hyperparameter table scrolls inside its own box.
        const wrap = await page.locator('.table-wrap').first().evaluate((element) => ({ box: element.clientWidth, page: document.documentElement.clientWidth }));
        expect(wrap.box).toBeLessThanOrEqual(wrap.page);
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, `compare-${width}-${colorScheme}.png`);
      }
    }
  });

  it('counts the runs of an experiment exactly beyond 100', async () => {
    const page = await open('/experiments');
    const row = page.locator('tr', { hasText: 'hundred-and-one' });
    await eventually(() => textNow(row.locator('td').nth(2))).toBe('101');
  });

  it('zooming a long history reads the visible step range at the chart width, and the spike shows at both levels', async () => {
    const page = await open(`/runs/${spiky.id}`);
    const reads: { minStep?: number; maxStep?: number; buckets: number; widths: number[] }[] = [];
    page.on('response', async (response) => {
      if (new URL(response.url()).pathname !== '/api/v1/metric-buckets') return;
      const body = response.request().postDataJSON() as { minStep?: number; maxStep?: number; buckets: number };
      // An answer still arriving when the test closes the page is of no interest.
      const answer = (await response.json().catch(() => undefined)) as { series: { stepStart: number[]; stepEnd: number[] }[] } | undefined;
      const series = answer?.series[0];
      if (series === undefined) return;
      reads.push({ ...body, widths: series.stepStart.map((start, index) => series.stepEnd[index]! - start + 1) });
    });
    const figure = page.locator('figure[data-metric="signal"]');
    await figure.scrollIntoViewIfNeeded();
    await eventually(() => attributeNow(figure, 'data-drawn')).toBe('true');
    await eventually(() => reads.length).toBeGreaterThan(0);
    const overview = reads[reads.length - 1]!;
    expect(overview.minStep).toBeUndefined();
    // The spike (100 among values near 1) is drawn: the band's top reaches it.
    const yTop = async () => Number(await attributeNow(figure, 'data-y-max'));
    await eventually(yTop).toBe(100);
    await screenshot(page, 'zoom-overview.png');

    // Drag across a tenth of the chart around the spike.
    const over = figure.locator('.u-over');
    const box = (await over.boundingBox())!;
    const at = (step: number) => box.x + (step / LONG_STEPS) * box.width;
    await page.mouse.move(at(SPIKE_STEP - 1000), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(at(SPIKE_STEP + 1000), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await eventually(() => reads.some((read) => read.minStep !== undefined)).toBe(true);
    const zoomed = reads.find((read) => read.minStep !== undefined)!;
    expect(zoomed.minStep).toBeGreaterThan(SPIKE_STEP - 1500);
    expect(zoomed.maxStep).toBeLessThan(SPIKE_STEP + 1500);
    expect(zoomed.buckets).toBe(overview.buckets);
    // Finer data: the zoomed buckets span far fewer steps than the overview's.
    expect(Math.max(...zoomed.widths)).toBeLessThan(Math.min(...overview.widths) / 4);
    await figure.getByRole('group', { name: 'Zoom of signal' }).waitFor();
    await eventually(() => attributeNow(figure, 'data-zoom')).toBe(`${zoomed.minStep}-${zoomed.maxStep}`);
    await eventually(yTop).toBe(100);
    await screenshot(page, 'zoom-detail.png');

    await figure.getByRole('button', { name: 'Pan signal right' }).click();
    await eventually(() => reads.filter((read) => read.minStep !== undefined).length).toBe(2);
    await figure.getByRole('button', { name: 'Reset zoom' }).click();
    await eventually(() => attributeNow(figure, 'data-zoom')).toBe(null);
  });

  it('shows the zoomed run chart and the experiments page at 1400 and 800 px in light and dark themes', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1400, 800]) {
        const page = await open(`/runs/${spiky.id}`, { width, height: 1000 }, colorScheme);
        const figure = page.locator('figure[data-metric="signal"]');
        await figure.scrollIntoViewIfNeeded();
        await eventually(() => attributeNow(figure, 'data-drawn')).toBe('true');
        const box = (await figure.locator('.u-over').boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.68, box.y + box.height / 2, { steps: 4 });
        await page.mouse.up();
        await figure.getByRole('group', { name: 'Zoom of signal' }).waitFor();
        await eventually(() => attributeNow(figure, 'data-y-max')).toBe('100');
        expect(await overflowsHorizontally(page)).toBe(false);
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, `run-zoom-${width}-${colorScheme}.png`);
        const experiments = await open('/experiments', { width, height: 800 }, colorScheme);
        await eventually(() => textNow(experiments.locator('tr', { hasText: 'hundred-and-one' }).locator('td').nth(2))).toBe('101');
        expect(await overflowsHorizontally(experiments)).toBe(false);
        await screenshot(experiments, `experiments-${width}-${colorScheme}.png`);
      }
    }
    // Eight page loads: on a loaded machine one round of four takes 15 s or more.
  }, 180_000);
});
