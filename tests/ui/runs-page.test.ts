/**
 * The runs page for many runs, in Chromium against the real server over a small SQLite sweep: the
 * query box (filtering, the error underlined, completion, recent queries), the view in the URL, bulk
 * hyperparameter reads, default columns and number formatting, parallel coordinates and the scatter
 * plot (pixels in the scale's colours, brushing narrows the table), and the layout at 800 px.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase, type TrainingRun } from '../../src/index.js';
import { RUN_COLORS } from '../../src/ui/charts/palette.js';
import { COLOR_STOPS } from '../../src/ui/lib/run-plots.js';
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
  translucentPixelsOfColor,
  unnamedControls,
  type WatchedPage,
} from './support/dashboard-harness.js';

const LONG_NAME = 'a-rather-long-run-name-from-an-automated-sweep-with-many-parts-lr-0.000567350112749-seed-3';
const LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 0.000567350112749, 1e-3, 3e-3, 1e-2, 3e-2, 0.1];

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let runs: TrainingRun[];
/** Console lines a test expects (the browser reports every 4xx answer as a console error). */
let expectedProblems: RegExp[] = [];

/** Validation accuracy of run i: best at a middle learning rate, so the plots have a shape. */
const accuracy = (index: number) => 0.95 - Math.abs(index - 4) * 0.04;

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-runs-page-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'runs.sqlite')}` });
  runs = [];
  for (const [index, lr] of LEARNING_RATES.entries()) {
    const run = await db.createTrainingRun({
      name: index === 4 ? LONG_NAME : `sweep-${index}`,
      tags: { team: index % 2 === 0 ? 'vision' : 'speech' },
    });
    await db.logHyperparameters(run.id, { lr, batch_size: index < 5 ? 32 : 64, optimizer: index % 3 === 0 ? 'sgd' : 'adamw', seed: 1 });
    await db.logMetrics(run.id, [
      { name: 'val_accuracy', value: accuracy(index) - 0.1, step: 0 },
      { name: 'val_accuracy', value: accuracy(index), step: 1 },
      { name: 'loss', value: 1 - accuracy(index), step: 0 },
      { name: 'loss', value: 0.9 - accuracy(index), step: 1 },
      { name: 'loss', value: 0.8 - accuracy(index), step: 2 },
    ]);
    if (index === 0) await db.logMetric(run.id, 'rare_metric', 1);
    runs.push(run);
  }
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
  const problems = current.problems.filter((problem) => !expectedProblems.some((pattern) => pattern.test(problem)));
  await current.page.context().close();
  current = undefined;
  expectedProblems = [];
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

const rows = (page: Page) => page.locator('table.runs-table tbody tr');
const names = (page: Page) => rows(page).locator('td.name-cell').allTextContents();
const queryBox = (page: Page) => page.getByRole('combobox', { name: 'Run query' });

async function runQuery(page: Page, text: string): Promise<void> {
  await queryBox(page).fill(text);
  await queryBox(page).press('Enter');
}

describe('runs page in Chromium', () => {
  it('filters by a query, underlines a query error with its message, completes names and keeps recent queries', async () => {
    const page = await open('/runs');
    await page.getByText('10 of 10 runs').waitFor();
    await runQuery(page, 'params.lr < 1e-3 and metrics.val_accuracy > 0.9');
    // lr < 1e-3: runs 0–4; val_accuracy > 0.9: runs 3, 4, 5.
    await page.getByText('2 of 2 runs').waitFor();
    expect((await names(page)).sort()).toEqual([LONG_NAME, 'sweep-3'].sort());
    expect(new URL(page.url()).searchParams.get('q')).toBe('params.lr < 1e-3 and metrics.val_accuracy > 0.9');

    expectedProblems = [/status of 422/];
    await runQuery(page, 'params.lr < and status = 1');
    const alert = page.getByRole('alert');
    await eventually(() => textNow(alert)).toContain("at 13: expected a value after '<'");
    expect(await alert.locator('mark').textContent()).toBe('and');
    expect(await queryBox(page).getAttribute('aria-invalid')).toBe('true');
    // The last good answer stays listed while the query is wrong.
    expect(await rows(page).count()).toBe(2);
    await screenshot(page, 'runs-query-error.png');

    // Completion: a prefix lists the runs' hyperparameter names; Tab takes the first.
    await queryBox(page).fill('');
    await queryBox(page).pressSequentially('params.ba');
    const listbox = page.getByRole('listbox', { name: 'Query suggestions' });
    await eventually(() => listbox.getByRole('option').allTextContents()).toEqual([expect.stringContaining('params.batch_size')]);
    await queryBox(page).press('Tab');
    expect(await queryBox(page).inputValue()).toBe('params.batch_size ');
    // After a field come operators; after a value, and/or.
    await eventually(() => textNow(listbox.getByRole('option').first())).toContain('=');
    await queryBox(page).pressSequentially('= 64 ');
    await eventually(() => listbox.getByRole('option').allTextContents()).toEqual([expect.stringContaining('and'), expect.stringContaining('or')]);
    await queryBox(page).pressSequentially('and metrics.');
    await eventually(() => listbox.getByRole('option').allTextContents()).toContain('metrics.val_accuracymetric');
    await queryBox(page).pressSequentially('val_accuracy.m');
    await eventually(() => listbox.getByRole('option').allTextContents()).toEqual(['metrics.val_accuracy.minsmallest value', 'metrics.val_accuracy.maxlargest value']);
    await screenshot(page, 'runs-query-completion.png');
    await queryBox(page).press('ArrowDown');
    await queryBox(page).press('Enter');
    expect(await queryBox(page).inputValue()).toBe('params.batch_size = 64 and metrics.val_accuracy.max ');
    await queryBox(page).pressSequentially('> 0.8');
    await queryBox(page).press('Enter');
    await page.getByText('3 of 3 runs').waitFor();

    // An empty box offers the queries run before, newest first.
    await queryBox(page).fill('');
    await eventually(() => textNow(listbox.getByRole('option').first())).toContain('params.batch_size = 64 and metrics.val_accuracy.max > 0.8');
    await listbox.getByRole('option').nth(1).click();
    await page.getByText('2 of 2 runs').waitFor();
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('keeps query, sort, columns, page size, page and selection in the URL, restored in a new page', async () => {
    const page = await open('/runs');
    await page.getByText('10 of 10 runs').waitFor();
    await runQuery(page, "tags.team = 'vision'");
    await page.getByText('5 of 5 runs').waitFor();
    await page.getByRole('button', { name: 'Sort by val_accuracy' }).click();
    await page.getByRole('button', { name: 'Sort by val_accuracy' }).click();
    await eventually(() => attributeNow(page.getByRole('columnheader', { name: 'Sort by val_accuracy' }), 'aria-sort')).toBe('ascending');
    await page.getByText('Metric columns').click();
    await page.getByRole('group', { name: 'Metric columns' }).getByRole('checkbox', { name: 'loss' }).uncheck();
    await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('25');
    const shown = await names(page);
    await page.getByRole('checkbox', { name: `Select ${shown[0]} to compare` }).check();
    await page.getByRole('checkbox', { name: `Select ${shown[1]} to compare` }).check();
    const url = page.url();
    const params = new URL(url).searchParams;
    expect(params.get('sort')).toBe('metric:val_accuracy:asc');
    expect(params.getAll('metric')).not.toContain('loss');
    expect(params.get('size')).toBe('25');
    expect(params.get('sel')?.split(',')).toHaveLength(2);

    const again = await open(new URL(url).pathname + new URL(url).search);
    await again.getByText('5 of 5 runs').waitFor();
    await eventually(() => names(again)).toEqual(shown);
    expect(await queryBox(again).inputValue()).toBe("tags.team = 'vision'");
    expect(await again.getByRole('columnheader', { name: 'Sort by val_accuracy' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await again.getByRole('button', { name: 'Sort by loss' }).count()).toBe(0);
    expect(await again.getByRole('combobox', { name: 'Rows per page' }).inputValue()).toBe('25');
    expect(await again.getByRole('checkbox', { name: `Select ${shown[0]} to compare` }).isChecked()).toBe(true);
    expect(await again.getByRole('button', { name: 'Compare 2 selected' }).isEnabled()).toBe(true);
  });

  it('reads hyperparameters in bulk, shows varying ones and the most-logged metrics, 4 significant digits with the full value on hover', async () => {
    const page = await open('/runs');
    // The first load's requests must be over before recording starts: its bulk read, still in
    // flight, was counted once beside the reload's (seen on a loaded machine).
    await page.getByText('10 of 10 runs').waitFor();
    await page.getByRole('button', { name: 'Sort by lr' }).waitFor();
    const perRun: string[] = [];
    const bulk: string[] = [];
    // Answered requests only: React's development mode mounts twice and aborts the first load.
    page.on('requestfinished', (request) => {
      const pathname = new URL(request.url()).pathname;
      if (/^\/api\/v1\/runs\/\d+\/hyperparameters$/.test(pathname)) perRun.push(pathname);
      if (pathname.startsWith('/api/v1/hyperparameters')) bulk.push(pathname);
    });
    await page.reload();
    await page.getByText('10 of 10 runs').waitFor();
    // Columns: lr, batch_size and optimizer vary; seed (always 1) does not. Metrics: on every run first.
    await page.getByRole('button', { name: 'Sort by lr' }).waitFor();
    const headers = await page.locator('table.runs-table thead th').allTextContents();
    expect(headers.slice(6)).toEqual(['batch_size', 'lr', 'optimizer', 'loss', 'val_accuracy', 'rare_metric']);
    await page.getByRole('button', { name: 'Sort by lr' }).click();
    await eventually(() => textNow(rows(page).first().locator('td.param-col').nth(1))).toBe('0.1');
    await page.getByRole('button', { name: 'Sort by lr' }).click();
    await eventually(() => textNow(rows(page).first().locator('td.param-col').nth(1))).toBe('1.000e-5');
    const precise = rows(page).locator('td.param-col', { hasText: '5.674e-4' });
    expect(await precise.getAttribute('title')).toBe('0.000567350112749');
    expect(perRun).toEqual([]);
    expect(bulk).toEqual(['/api/v1/hyperparameters/query']);
  });

  it('draws parallel coordinates and a scatter plot in the metric colours; brushing an axis narrows the table', async () => {
    const page = await open('/runs');
    await page.getByText('10 of 10 runs').waitFor();
    const parallel = page.locator('.parallel-coordinates canvas.lines-layer');
    await page.locator('.runs-plots').scrollIntoViewIfNeeded();
    // The best and the worst run's lines in the two ends of the scale (coloured by loss, the first metric column).
    await eventually(() => pixelsOfColor(page, '.parallel-coordinates', COLOR_STOPS[0])).toBeGreaterThan(20);
    await eventually(() => pixelsOfColor(page, '.parallel-coordinates', COLOR_STOPS[4])).toBeGreaterThan(20);
    await eventually(() => pixelsOfColor(page, '.scatter-plot', COLOR_STOPS[4])).toBeGreaterThan(10);
    const drawMs = Number(await parallel.getAttribute('data-draw-ms'));
    expect(drawMs).toBeLessThan(500);

    await page.getByRole('combobox', { name: 'Colour by metric' }).selectOption('val_accuracy');
    await page.getByRole('combobox', { name: 'Scatter x' }).selectOption('param:lr');
    await page.getByRole('combobox', { name: 'y', exact: true }).selectOption('metric:val_accuracy');
    await eventually(() => attributeNow(page.locator('.scatter-plot canvas'), 'aria-label')).toBe('Scatter plot of val_accuracy against lr');
    expect(await page.getByRole('combobox', { name: 'Scatter x' }).inputValue()).toBe('param:lr');
    await eventually(() => pixelsOfColor(page, '.scatter-plot', COLOR_STOPS[4])).toBeGreaterThan(10);
    await screenshot(page, 'runs-plots.png');

    // Brush the top of the last axis (val_accuracy): only the best runs stay in the table.
    const box = (await parallel.boundingBox())!;
    const axisX = box.x + box.width - 36;
    await page.mouse.move(axisX, box.y + 34);
    await page.mouse.down();
    await page.mouse.move(axisX, box.y + 60, { steps: 4 });
    await page.mouse.move(axisX, box.y + 80, { steps: 4 });
    await page.mouse.up();
    await page.getByText(/of 10 runs \(brushed in the plot\)/).waitFor();
    const kept = await names(page);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    expect(kept).toContain(LONG_NAME);
    await page.getByRole('button', { name: 'Clear brushes' }).click();
    await page.getByText('10 of 10 runs').waitFor();
  });

  it("charts the listed runs' metric grouped by a hyperparameter: a mean line and a min–max band per group", async () => {
    const page = await open('/runs');
    await page.getByText('10 of 10 runs').waitFor();
    await page.getByRole('combobox', { name: 'Chart metric' }).selectOption('loss');
    await page.getByRole('combobox', { name: 'Group by' }).selectOption('param:batch_size');
    expect(new URL(page.url()).searchParams.get('group')).toBe('param:batch_size');
    const figure = '.runs-charts figure[data-metric="loss"]';
    await page.locator(figure).scrollIntoViewIfNeeded();
    // One legend entry per group (runs 0–4 have batch size 32, runs 5–9 have 64), at the mean of its runs' last loss.
    await eventually(() => page.locator(`${figure} .chart-legend li`).allTextContents()).toEqual([
      expect.stringMatching(/^batch_size=32 \(5 runs\): -0\.07/),
      expect.stringMatching(/^batch_size=64 \(5 runs\): -0\.03/),
    ]);
    await screenshot(page, 'runs-chart-grouped.png');
    for (const color of RUN_COLORS.slice(0, 2)) {
      // The mean line (opaque, drawn over every band) and the band between the group's lowest and
      // highest run (a translucent fill; counted where the other group's band does not overlap it).
      await eventually(() => pixelsOfColor(page, figure, color)).toBeGreaterThan(50);
      await eventually(() => translucentPixelsOfColor(page, figure, color, 0.22)).toBeGreaterThan(200);
    }

    // Grouped by a tag; a reload restores metric and grouping from the URL.
    await page.getByRole('combobox', { name: 'Group by' }).selectOption('tag:team');
    const again = await open(new URL(page.url()).pathname + new URL(page.url()).search);
    await again.locator(figure).scrollIntoViewIfNeeded();
    await eventually(() => again.locator(`${figure} .chart-legend li`).allTextContents()).toEqual([
      expect.stringContaining('tags.team=speech (5 runs)'),
      expect.stringContaining('tags.team=vision (5 runs)'),
    ]);
    expect(await again.getByRole('combobox', { name: 'Chart metric' }).inputValue()).toBe('loss');
    // Without grouping, one line per listed run.
    await again.getByRole('combobox', { name: 'Group by' }).selectOption('');
    await eventually(() => again.locator(`${figure} .chart-legend li`).count()).toBe(10);
  });

  it('fits 800 px without wrapping names or overflowing, in light and dark themes (screenshots at 1400 and 800 px)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1400, 800]) {
        const page = await open('/runs', { width, height: 1000 }, colorScheme);
        await page.getByText('10 of 10 runs').waitFor();
        await page.getByRole('button', { name: 'Sort by lr' }).waitFor();
        expect(await overflowsHorizontally(page)).toBe(false);
        // One line per name: the long one is cut with an ellipsis, whole in its title.
        const cell = page.locator('td.name-cell', { hasText: LONG_NAME.slice(0, 12) });
        expect(await cell.getAttribute('title')).toBe(LONG_NAME);
        const height = await cell.evaluate((element) => element.getBoundingClientRect().height);
        expect(height).toBeLessThan(40);
        await page.locator('.runs-plots').scrollIntoViewIfNeeded();
        await eventually(() => pixelsOfColor(page, '.parallel-coordinates', COLOR_STOPS[4])).toBeGreaterThan(10);
        // Full-page screenshots from the top, so the sticky menu bar sits where a reader sees it.
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, `runs-${width}-${colorScheme}.png`);
      }
    }
    // Four page loads with charts and plots: on a loaded machine each takes 15–20 s.
  }, 180_000);

  // Last: it adds runs the tests above do not expect.
  it('shows the first rows of a sorted view from one small server-sorted search while the whole list loads', async () => {
    for (let index = 0; index < 30; index++) {
      const run = await db.createTrainingRun({ name: `extra-${index}` });
      await db.logHyperparameters(run.id, { lr: 1e-6 * (index + 1), batch_size: 16 });
    }
    const page = await open('/runs?size=25&sort=param:lr:asc');
    // The first load's own searches must be over before requests are recorded: its whole-list
    // search, still in flight, would otherwise be the first one seen.
    await page.getByText('40 of 40 runs').waitFor();
    const searches: unknown[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The whole list (a search without orderBy) waits until the first rows have been checked.
    await page.route('**/api/v1/runs/search', async (route) => {
      const body = route.request().postDataJSON() as { orderBy?: string };
      searches.push(body);
      if (body.orderBy === undefined) await released;
      await route.continue();
    });
    await page.reload();
    await page.getByText('The first 25 runs · loading the rest…').waitFor();
    expect(await rows(page).count()).toBe(25);
    expect(await rows(page).first().locator('td.param-col', { hasText: '1.000e-6' }).count()).toBe(1);
    expect(await page.getByRole('navigation', { name: 'Runs pages' }).count()).toBe(0);
    expect(searches[0]).toEqual({ query: '', limit: 25, orderBy: 'params.lr ASC' });
    release();
    await page.getByText('40 of 40 runs').waitFor();
    // The same rows in the same order once the browser sorts the whole list.
    expect(await rows(page).first().locator('td.param-col', { hasText: '1.000e-6' }).count()).toBe(1);
    await page.getByRole('navigation', { name: 'Runs pages' }).waitFor();
  });
});
