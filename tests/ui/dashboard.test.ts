/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core) against the real server
 * over a SQLite file filled with the demo plus a sweep, a long history, a live run, a failed run and
 * a few hours of predictions. Every page is loaded without console errors, navigated by its links,
 * its charts are checked for drawn series pixels, and a screenshot of each lands in
 * test-artifacts/dashboard/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { RUN_COLORS } from '../../src/ui/charts/palette.js';
import { formatMetric } from '../../src/ui/lib/format.js';
import {
  FAILED_RUN_ERROR,
  FAILED_RUN_NAME,
  LONG_RUN_METRICS,
  LONG_RUN_NAME,
  LONG_RUN_STEPS,
  RUNNING_RUN_NAME,
  SERVED_VERSION_SHA256,
  SWEEP_EXPERIMENT,
  SWEEP_LEARNING_RATES,
  seedDashboardData,
  seedManyRuns,
  type DashboardData,
} from './support/dashboard-data.js';
import {
  ARTIFACT_DIR,
  attributeNow,
  buildDashboard,
  closeWatched,
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

/** Series pixels a drawn line leaves at the least (a 2-px line across a few hundred pixels leaves thousands). */
const DRAWN = 50;

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let data: DashboardData;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-dashboard-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'dashboard.sqlite')}` });
  data = await seedDashboardData(db);
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

/** Closes the current page (before its server stops), keeping what it recorded for afterEach. */
let recorded: string[] = [];
async function closePage(): Promise<void> {
  if (current === undefined) return;
  recorded = await closeWatched(current);
  current = undefined;
}

afterEach(async () => {
  // Every page of every test must load without a console error, page error or failed request.
  await closePage();
  const problems = recorded;
  recorded = [];
  expect(problems).toEqual([]);
});

async function open(pathname: string, viewport?: { width: number; height: number }): Promise<Page> {
  current = await openPage(browser, viewport);
  await current.page.goto(`${server.url}${pathname}`);
  return current.page;
}

/** Polls until the value matches; pages load data asynchronously, so every check on them waits. */
const eventually = <T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(read, { timeout: options.timeout ?? 20_000, interval: 100 });

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

async function expectChartDrawn(page: Page, metric: string, color: string = RUN_COLORS[0]): Promise<void> {
  const figure = `figure[data-metric="${metric}"]`;
  // Charts load only near the viewport: bring this one there, as a reader scrolling to it would.
  await page.locator(figure).first().scrollIntoViewIfNeeded();
  await page.locator(`${figure} canvas`).first().waitFor();
  await eventually(() => pixelsOfColor(page, figure, color), { timeout: 15_000 }).toBeGreaterThan(DRAWN);
}

describe('dashboard in Chromium', () => {
  it('overview shows the statistics, recent runs and versions, and predictions per hour', async () => {
    const page = await open('/');
    await eventually(() => textNow(heading(page))).toBe('Overview');
    const statistics = await db.getStatistics();
    const runsCard = page.locator('.stat-card', { hasText: 'Training runs' });
    await eventually(() => textNow(runsCard.locator('.stat-value'))).toBe(statistics.counts.trainingRuns.toLocaleString('en-US'));
    await page.getByRole('link', { name: FAILED_RUN_NAME }).waitFor();
    await page.locator('.panel', { hasText: 'Recent model versions' }).getByRole('link', { name: 'VisionTransformer-CAD' }).first().waitFor();
    const hourly = page.locator('.panel', { hasText: 'Predictions per hour' });
    await hourly.locator('canvas').waitFor();
    await eventually(() => pixelsOfColor(page, '[data-chart="predictions-per-hour"]', '#1f77b4')).toBeGreaterThan(DRAWN);
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'overview.png');
  });

  it('navigates between every page with the main menu and the back button', async () => {
    const page = await open('/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    const pages: [string, string, string][] = [
      ['Experiments', '/experiments', 'Experiments'],
      ['Runs', '/runs', 'Runs'],
      ['Models', '/models', 'Models'],
      ['Datasets', '/datasets', 'Datasets'],
      ['Predictions', '/predictions', 'Predictions'],
      ['Overview', '/', 'Overview'],
    ];
    for (const [link, pathname, title] of pages) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await eventually(() => new URL(page.url()).pathname).toBe(pathname);
      await eventually(() => textNow(heading(page))).toBe(title);
      await eventually(() => attributeNow(nav.getByRole('link', { name: link, exact: true }), 'aria-current')).toBe('page');
    }
    await page.goBack();
    await eventually(() => textNow(heading(page))).toBe('Predictions');
    // A deep link loads directly (the server answers index.html for page paths).
    await page.goto(`${server.url}/runs/${data.longRun.id}`);
    await eventually(() => textNow(heading(page))).toContain(LONG_RUN_NAME);
    // A path that is no dashboard page is a JSON 404, not the dashboard (decision 0216), so health checks
    // probing it cannot pass by mistake.
    const missing = await fetch(`${server.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('experiments lead to a runs table with hyperparameter and metric columns, sorting and filtering', async () => {
    const page = await open('/experiments');
    await page.getByRole('link', { name: SWEEP_EXPERIMENT }).first().waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'experiments.png');
    await page.getByRole('link', { name: SWEEP_EXPERIMENT }).first().click();
    await eventually(() => textNow(heading(page))).toBe(`Runs of experiment ${SWEEP_EXPERIMENT}`);
    const rows = page.locator('table.runs-table tbody tr');
    await eventually(() => rows.count()).toBe(SWEEP_LEARNING_RATES.length);
    // Hyperparameters and latest metrics appear as columns once loaded.
    await page.getByRole('button', { name: 'Sort by learning_rate' }).waitFor();
    await page.getByRole('button', { name: 'Sort by loss' }).waitFor();

    await page.getByRole('button', { name: 'Sort by learning_rate' }).click();
    const firstName = () => textNow(rows.first().locator('td').nth(2));
    await eventually(firstName).toBe(`sweep-lr-${Math.max(...SWEEP_LEARNING_RATES)}`);
    await page.getByRole('button', { name: 'Sort by learning_rate' }).click();
    await eventually(firstName).toBe(`sweep-lr-${Math.min(...SWEEP_LEARNING_RATES)}`);
    // Ascending by last loss: the best learning rate's run first.
    const lastLoss = new Map<string, number>();
    for (const run of data.sweep.runs) {
      const [summary] = (await db.getMetricSummaries(run.id)).filter((s) => s.name === 'loss');
      lastLoss.set(run.name!, summary!.lastValue);
    }
    const best = [...lastLoss.entries()].sort((a, b) => a[1] - b[1])[0]![0];
    await page.getByRole('button', { name: 'Sort by loss' }).click();
    await page.getByRole('button', { name: 'Sort by loss' }).click();
    await eventually(() => attributeNow(page.getByRole('columnheader', { name: 'Sort by loss' }), 'aria-sort')).toBe('ascending');
    await eventually(firstName).toBe(best);

    const queryBox = page.getByRole('combobox', { name: 'Run query' });
    await queryBox.fill('params.learning_rate = 0.03');
    await queryBox.press('Enter');
    await eventually(() => rows.count()).toBe(1);
    await screenshot(page, 'runs-filtered.png');
  });

  it('all runs: status filter and status badges', async () => {
    const page = await open('/runs');
    const rows = page.locator('table.runs-table tbody tr');
    const total = (await db.getStatistics()).counts.trainingRuns;
    await eventually(() => page.getByText(`${total} of ${total} runs`).count()).toBe(1);
    await page.getByRole('checkbox', { name: 'failed' }).check();
    await eventually(() => rows.count()).toBe(1);
    expect(await rows.first().locator('.badge').textContent()).toBe('failed');
    await page.getByRole('checkbox', { name: 'failed' }).uncheck();
    await page.getByRole('checkbox', { name: 'running' }).check();
    await eventually(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(RUNNING_RUN_NAME);
    await page.getByRole('checkbox', { name: 'running' }).uncheck();
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'runs.png');
  });

  it('run detail draws every metric from server buckets at the chart width, with log scale, smoothing and other x axes', async () => {
    current = await openPage(browser);
    const page = current.page;
    const bucketRequests: { metric: string; buckets: number }[] = [];
    // Charts' bucket reads travel together as POST /metric-buckets (runs × names in the body).
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/api/v1/metric-buckets') return;
      const body = request.postDataJSON() as { names: string[]; buckets: number };
      for (const metric of body.names) bucketRequests.push({ metric, buckets: body.buckets });
    });
    await page.goto(`${server.url}/runs/${data.longRun.id}`);
    await eventually(() => textNow(heading(page))).toContain(LONG_RUN_NAME);
    for (const metric of LONG_RUN_METRICS) await expectChartDrawn(page, metric);
    // The chart asked for about as many buckets as it is wide, far fewer than the 5,000 points.
    const canvasWidth = await page.locator('figure[data-metric="train/loss"] .chart-area').evaluate((element) => element.clientWidth);
    const lossRequest = bucketRequests.find((request) => request.metric === 'train/loss');
    expect(lossRequest).toBeDefined();
    expect(lossRequest!.buckets).toBeGreaterThan(100);
    expect(lossRequest!.buckets).toBeLessThanOrEqual(canvasWidth);
    expect(lossRequest!.buckets).toBeLessThan(LONG_RUN_STEPS);
    await screenshot(page, 'run-detail.png');

    await page.getByRole('checkbox', { name: 'Log scale' }).check();
    await page.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
    for (const metric of LONG_RUN_METRICS) await expectChartDrawn(page, metric);
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('time');
    await expectChartDrawn(page, 'train/loss');
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('epoch');
    await expectChartDrawn(page, 'val/accuracy');
    // Against epochs the raw points are drawn, so the one NaN among them is counted and said.
    await page.locator('figure[data-metric="val/accuracy"]').getByText('1 NaN/infinite value not drawn.').waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'run-detail-log-smoothed-epoch.png');
  });

  it('a failed run shows its error; the lineage links lead to model and dataset', async () => {
    const page = await open(`/runs/${data.failedRun.id}`);
    await page.getByText(FAILED_RUN_ERROR).waitFor();
    await expectChartDrawn(page, 'loss');
    await page.getByText('1 NaN/infinite value not drawn.').waitFor();
    const dataset = data.demo.datasets[0]!;
    await page.getByRole('link', { name: `${dataset.name} @ ${dataset.version}` }).click();
    await eventually(() => textNow(heading(page))).toContain(dataset.name);
    await page.goBack();
    await page.locator('.panel', { hasText: 'Lineage' }).getByRole('link', { name: 'VisionTransformer-CAD' }).click();
    await eventually(() => textNow(heading(page))).toBe('VisionTransformer-CAD');
    await screenshot(page, 'run-failed.png');
  });

  it('a running run refreshes by itself when new metrics arrive', async () => {
    const page = await open(`/runs/${data.runningRun.id}`);
    await page.getByText(/Live: refreshing every/).waitFor();
    await expectChartDrawn(page, 'loss');
    const facts = page.locator('.metric-facts');
    await eventually(() => textNow(facts)).toContain('10 points');
    await db.logMetrics(data.runningRun.id, [
      { name: 'loss', value: 0.05, step: 10 },
      { name: 'loss', value: 0.04, step: 11 },
    ]);
    await eventually(() => textNow(facts), { timeout: 20_000 }).toContain('12 points');
    expect(await facts.textContent()).toContain('last 0.04 at step 11');
    await screenshot(page, 'run-live.png');
  });

  it('compare overlays the selected runs on one chart per metric and highlights differing hyperparameters', async () => {
    const page = await open(`/runs?experiment=${data.sweep.experiment.id}`);
    const rows = page.locator('table.runs-table tbody tr');
    await eventually(() => rows.count()).toBe(SWEEP_LEARNING_RATES.length);
    const chosen = data.sweep.runs.slice(0, 3);
    for (const run of chosen) await page.getByRole('checkbox', { name: `Select ${run.name} to compare` }).check();
    await page.getByRole('button', { name: 'Compare 3 selected' }).click();
    await eventually(() => textNow(heading(page))).toBe('Compare 3 runs');
    expect(new URL(page.url()).searchParams.get('runs')?.split(',').map(Number).sort()).toEqual(chosen.map((run) => run.id).sort());
    for (const metric of ['loss', 'accuracy']) {
      await eventually(() => attributeNow(page.locator(`figure[data-metric="${metric}"]`), 'data-runs')).toBe('3');
      for (const color of RUN_COLORS.slice(0, 3)) await expectChartDrawn(page, metric, color);
    }
    const differing = page.locator('table.compare-table tr.differs th');
    await eventually(() => differing.allTextContents()).toEqual(['learning_rate (differs)']);
    await page.getByRole('checkbox', { name: 'Only differences' }).check();
    await eventually(() => page.locator('table.compare-table').first().locator('tbody tr').count()).toBe(1);
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'compare.png');
  });

  it('models list and a model with versions: status, checkpoint, size, checksum and lineage', async () => {
    const page = await open('/models');
    for (const model of data.demo.models) await page.getByRole('link', { name: model.name }).waitFor();
    await screenshot(page, 'models.png');
    await page.getByRole('link', { name: 'VisionTransformer-CAD' }).click();
    await eventually(() => textNow(heading(page))).toBe('VisionTransformer-CAD');
    const version = data.servedVersion;
    const row = page.locator(`tr#version-${version.version}`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('production');
    expect(await row.textContent()).toContain(version.checkpointUri!);
    expect(await row.textContent()).toContain('345.0 MiB');
    expect(await row.locator(`td[title="${SERVED_VERSION_SHA256}"]`).textContent()).toBe(`${SERVED_VERSION_SHA256.slice(0, 12)}…`);
    const trainedOn = data.demo.datasets.find((dataset) => dataset.id === version.datasetId)!;
    expect(await row.getByRole('link', { name: `${trainedOn.name} @ ${trainedOn.version}` }).count()).toBe(1);
    await screenshot(page, 'model-detail.png');
    // Lineage: the version links to the run that produced it, and that run's page links back.
    expect(version.trainingRunId).not.toBeNull();
    await row.getByRole('link').first().click();
    await eventually(() => new URL(page.url()).pathname).toBe(`/runs/${version.trainingRunId}`);
    await page.goBack();
    await row.waitFor();
  });

  it('datasets list and a dataset with splits, schema, versions and the runs using it', async () => {
    const page = await open('/datasets');
    const dataset = data.demo.datasets[0]!;
    await page.getByRole('link', { name: dataset.name }).click();
    await eventually(() => textNow(heading(page))).toContain(dataset.name);
    const splits = page.locator('.panel', { hasText: 'Splits' });
    for (const [name, count] of Object.entries(dataset.splits)) {
      expect(await splits.locator('tr', { hasText: name }).first().textContent()).toContain((count as number).toLocaleString('en-US'));
    }
    const schema = page.locator('.panel', { hasText: 'Schema' });
    for (const column of Object.keys(dataset.schema)) await schema.getByText(column, { exact: true }).waitFor();
    await page.getByRole('link', { name: LONG_RUN_NAME }).waitFor();
    await screenshot(page, 'dataset-detail.png');
    await page.goto(`${server.url}/datasets`);
    await page.getByRole('link', { name: dataset.name }).waitFor();
    await screenshot(page, 'datasets.png');
  });

  it('predictions: previews, filter by model version, latency percentiles over time from the server', async () => {
    // The seeded hours of predictions lie days before the demo's newest ones: a 7-day window holds both.
    const page = await open('/predictions?range=7d');
    const rows = page.locator('table.predictions-table tbody tr');
    await eventually(() => rows.count()).toBe(50);
    await page.getByText(`${data.predictions.length.toLocaleString('en-US')} predictions loaded`).waitFor();
    // The page shows the server's statistics of the 7 days up to the newest prediction.
    const newest = Math.max(...data.predictions.map((p) => p.timestamp.getTime()));
    const stats = await db.getPredictionStats({ since: new Date(newest + 1 - 7 * 86_400_000), until: new Date(newest + 1), buckets: 120 });
    expect(stats.series[0]!.total.count).toBe(data.predictions.length);
    await page.getByText(`p99 ${formatMetric(stats.series[0]!.total.latency.p99)} ms`).waitFor();
    await eventually(() => pixelsOfColor(page, '[data-chart="latency-percentiles"]', '#d62728')).toBeGreaterThan(DRAWN);
    await page.getByText(/Computed by the server from every prediction of the window/).waitFor();
    await screenshot(page, 'predictions.png');

    const otherVersion = data.demo.versions[1]!;
    const expected = data.predictions.filter((p) => p.modelVersionId === otherVersion.id).length;
    await page.getByRole('combobox', { name: 'Model version' }).selectOption(String(otherVersion.id));
    await eventually(() => new URL(page.url()).searchParams.get('modelVersion')).toBe(String(otherVersion.id));
    await eventually(() => rows.count()).toBe(expected);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('a narrow window keeps pages readable without sideways scrolling', async () => {
    const page = await open('/', { width: 390, height: 844 });
    await eventually(() => textNow(heading(page))).toBe('Overview');
    await page.locator('.stat-card').first().waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'narrow-overview.png');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('table.runs-table tbody tr').first().waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'narrow-runs.png');
    await page.goto(`${server.url}/runs/${data.longRun.id}`);
    await expectChartDrawn(page, 'train/loss');
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'narrow-run-detail.png');
  });
});

describe('dashboard edge cases in Chromium', () => {
  async function withDatabase<T>(fn: (db: AiDatabase) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(path.join(tmpdir(), 'aimdb-dashboard-'));
    const other = await createAiDatabase({ url: `sqlite:///${path.join(dir, 'other.sqlite')}` });
    try {
      return await fn(other);
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('an empty database tells a new user to run aimdb demo', async () => {
    await withDatabase(async (empty) => {
      const emptyServer = await startDashboardServer(empty, ui.dir);
      try {
        current = await openPage(browser);
        const page = current.page;
        for (const pathname of ['/', '/runs', '/models', '/datasets', '/predictions', '/experiments']) {
          await page.goto(`${emptyServer.url}${pathname}`);
          await page.locator('.empty-state code', { hasText: 'aimdb demo' }).first().waitFor();
          if (pathname === '/') await screenshot(page, 'empty-overview.png');
        }
      } finally {
        await closePage();
        await emptyServer.close();
      }
    });
  });

  it('asks for a token when the server requires one, keeps it in sessionStorage (not localStorage), then loads', async () => {
    const token = 'dashboard-test-token-0123456789';
    const guarded = await startDashboardServer(db, ui.dir, { tokens: [{ token, scope: 'read', name: 'dashboard' }] });
    try {
      current = await openPage(browser);
      const page = current.page;
      await page.goto(`${guarded.url}/`);
      await page.getByText('This server requires an API token.').waitFor();
      await screenshot(page, 'token-required.png');
      await page.getByLabel('API token').first().fill(token);
      await page.getByRole('button', { name: 'Save token' }).first().click();
      await eventually(() => textNow(heading(page))).toBe('Overview');
      await page.locator('.stat-card').first().waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('aimdb.token'))).toBe(token);
      expect(await page.evaluate(() => localStorage.getItem('aimdb.token'))).toBeNull();
      await page.reload();
      await page.locator('.stat-card').first().waitFor();
      // The 401 answers before the token was entered are the point of this test.
      current.problems.splice(0, current.problems.length, ...current.problems.filter((problem) => !problem.includes('401')));
    } finally {
      await closePage();
      await guarded.close();
    }
  });

  it('the production build (what npm run build ships) loads and draws charts without errors', async () => {
    const production = await buildDashboard('production');
    const productionServer = await startDashboardServer(db, production.dir);
    try {
      current = await openPage(browser);
      const page = current.page;
      await page.goto(`${productionServer.url}/compare?runs=${data.sweep.runs.map((run) => run.id).join(',')}`);
      await eventually(() => textNow(heading(page))).toBe(`Compare ${data.sweep.runs.length} runs`);
      for (const color of RUN_COLORS.slice(0, data.sweep.runs.length)) await expectChartDrawn(page, 'loss', color);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview', exact: true }).click();
      await page.locator('.stat-card').first().waitFor();
    } finally {
      await closePage();
      await productionServer.close();
      production.remove();
    }
  }, 120_000);

  it('a table of 10,000 runs pages, sorts by a metric and filters', async () => {
    await withDatabase(async (big) => {
      await seedManyRuns(big, 10_000);
      const bigServer = await startDashboardServer(big, ui.dir);
      try {
        const page = await (async () => {
          current = await openPage(browser);
          await current.page.goto(`${bigServer.url}/runs`);
          return current.page;
        })();
        await page.getByText('10,000 of 10,000 runs').waitFor({ timeout: 60_000 });
        const rows = page.locator('table.runs-table tbody tr');
        // The count shows as soon as the runs arrive; rows follow with their columns' values (bulk reads).
        await eventually(() => rows.count(), { timeout: 60_000 }).toBe(50);
        await page.getByRole('button', { name: 'Sort by score' }).waitFor({ timeout: 60_000 });
        await page.getByRole('button', { name: 'Sort by score' }).click();
        const highest = Math.max(...Array.from({ length: 10_000 }, (_, index) => (index * 7919) % 10_007));
        await eventually(() => textNow(rows.first().locator('td.mono').last())).toBe(highest.toLocaleString('en-US'));
        await page.getByRole('button', { name: 'Last page' }).click();
        await page.getByText('Page 200 of 200').waitFor();
        const queryBox = page.getByRole('combobox', { name: 'Run query' });
        await queryBox.fill("name LIKE 'bulk-0099%'");
        await queryBox.press('Enter');
        await eventually(() => rows.count()).toBe(10);
        await screenshot(page, 'runs-10000.png');
      } finally {
        await closePage();
        await bigServer.close();
      }
    });
  }, 240_000);
});
