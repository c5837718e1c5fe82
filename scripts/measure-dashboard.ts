/**
 * Measures the runs page at scale once (issue 19's Proof), too heavy for the browser tests on a
 * shared machine: 10,000 runs with 4 hyperparameters and 2 metrics each plus one run of 1,000,000
 * points, a production build of the dashboard, Chromium. Prints the timings as JSON.
 *
 *   scripts/with-node.sh 24 npx tsx scripts/measure-dashboard.ts
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAiDatabase } from '../src/index.js';
import { buildDashboard, launchChromium, openPage, startDashboardServer } from '../tests/ui/support/dashboard-harness.js';

const RUNS = 10_000;
const LONG_POINTS = 1_000_000;
/** The sweep and the long run. */
const LISTED = `${(RUNS + 1).toLocaleString('en-US')} of ${(RUNS + 1).toLocaleString('en-US')} runs`;

async function main(): Promise<void> {
  // The seeded database is kept between runs of the script (seeding takes minutes); delete the folder to start over.
  const folder = path.join(tmpdir(), 'aimdb-measure-dashboard');
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'measure.sqlite');
  const seeded = existsSync(file);
  const db = await createAiDatabase({ url: `sqlite:///${file}` });
  const seedStarted = performance.now();
  if (!seeded) await seed(db);
  const long = (await db.searchRuns("name = 'million'")).items[0]!;
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await measure(db, long.id, seedSeconds, folder);
}

async function seed(db: Awaited<ReturnType<typeof createAiDatabase>>): Promise<void> {
  await db.transaction(async (tx) => {
    for (let index = 0; index < RUNS; index++) {
      const run = await tx.createTrainingRun({ name: `sweep-${String(index).padStart(5, '0')}`, tags: { team: index % 2 === 0 ? 'vision' : 'speech' } });
      const lr = 10 ** (-5 + (index % 97) / 24);
      await tx.logHyperparameters(run.id, { lr, batch_size: [16, 32, 64, 128][index % 4]!, optimizer: index % 3 === 0 ? 'sgd' : 'adamw', dropout: (index % 10) / 20 });
      await tx.logMetrics(run.id, [
        { name: 'val_accuracy', value: 0.5 + 0.45 * Math.exp(-((Math.log10(lr) + 3) ** 2)) - (index % 7) * 0.003, step: 0 },
        { name: 'loss', value: 2 - (index % 101) / 60, step: 0 },
      ]);
    }
  });
  const long = await db.createTrainingRun({ name: 'million' });
  for (let start = 0; start < LONG_POINTS; start += 50_000) {
    await db.logMetrics(
      long.id,
      Array.from({ length: 50_000 }, (_, offset) => {
        const step = start + offset;
        return { name: 'loss', value: step === 654_321 ? 50 : 1 / Math.sqrt(step + 1), step };
      }),
    );
  }
}

async function measure(db: Awaited<ReturnType<typeof createAiDatabase>>, longId: number, seedSeconds: number, folder: string): Promise<void> {
  const long = { id: longId };

  // A profile names functions only in an unminified build.
  // MEASURE_UI_DIR: a dashboard built elsewhere (another commit's), to compare two builds on one database.
  const prebuilt = process.env.MEASURE_UI_DIR;
  const ui = prebuilt !== undefined ? { dir: prebuilt, remove: () => undefined } : await buildDashboard('production', { minify: process.env.MEASURE_PROFILE !== '1' });
  const server = await startDashboardServer(db, ui.dir);
  const browser = await launchChromium();
  const results: Record<string, number | string> = { runs: RUNS, longRunPoints: LONG_POINTS, seedSeconds: Math.round(seedSeconds) };
  try {
    const { page, problems } = await openPage(browser, { width: 1400, height: 900 });
    // Main-thread time blocked in tasks over 50 ms, per page load: the client's share of a wait.
    await page.addInitScript(() => {
      const store = window as unknown as { longTasks: number; longTaskSpans: string[] };
      store.longTasks = 0;
      store.longTaskSpans = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          store.longTasks += entry.duration;
          store.longTaskSpans.push(`${Math.round(entry.startTime)}+${Math.round(entry.duration)}`);
        }
      }).observe({ type: 'longtask', buffered: true });
      // When the 50th row entered the DOM, by the page's own clock (the test's polling lags under load).
      const rows = window as unknown as { rowsAt?: number; paintedAt?: number };
      new MutationObserver((_records, observer) => {
        if (document.querySelector('table.runs-table tbody tr:nth-child(50)') === null) return;
        rows.rowsAt = performance.now();
        observer.disconnect();
        // The frame after: when the rows can have been painted.
        requestAnimationFrame(() => setTimeout(() => ((rows as { paintedAt?: number }).paintedAt = performance.now())));
      }).observe(document, { childList: true, subtree: true });
    });
    process.on('exit', () => {
      if (problems.length > 0) console.error(problems.join('\n'));
    });
    // Warm the server (first statements, caches) as a reader's second visit would.
    await page.goto(`${server.url}/runs`);
    await page.getByText(LISTED).waitFor({ timeout: 120_000 });

    const usable: number[] = [];
    const complete: number[] = [];
    const boot: string[] = [];
    const longTasks: number[] = [];
    let calls: string[] = [];
    page.on('requestfinished', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) calls.push(`${request.method()} ${url.pathname} ${Math.round(request.timing().responseEnd)} ms`);
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      calls = [];
      const started = Date.now();
      await page.goto(`${server.url}/runs`);
      await page.locator('table.runs-table tbody tr').nth(49).waitFor({ timeout: 60_000 });
      usable.push(Date.now() - started);
      // Where the wait went: the page's own start (HTML, script, first render) until its first API call,
      // then the answers of the first rows.
      const timeOrigin = await page.evaluate(() => performance.timeOrigin);
      boot.push(
        `navigation started ${Math.round(timeOrigin - started)} ms after goto, ` +
        await page.evaluate(() => {
          const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
          const api = resources.filter((entry) => new URL(entry.name).pathname.startsWith('/api/'));
          const script = resources.find((entry) => entry.name.endsWith('.js'));
          const first = api[0];
          const rowsAt = (window as unknown as { rowsAt?: number }).rowsAt ?? -1;
          const spans = (window as unknown as { longTaskSpans: string[] }).longTaskSpans.join(' ');
          return `long tasks ${spans}, script ${Math.round(script?.responseEnd ?? -1)} ms, first API call ${Math.round(first?.startTime ?? -1)} ms, first answers ${Math.round(Math.max(...api.slice(0, 3).map((entry) => entry.responseEnd)))} ms, 50 rows in the DOM ${Math.round(rowsAt)} ms, the frame after ${Math.round((window as unknown as { paintedAt?: number }).paintedAt ?? -1)} ms`;
        }),
      );
      // The whole list (count, other pages, plots) follows the first rows; the next load starts after it,
      // so one attempt's main-thread work does not delay the next one's navigation.
      await page.getByText(LISTED).waitFor({ timeout: 60_000 });
      complete.push(Date.now() - started);
      longTasks.push(Math.round(await page.evaluate(() => (window as unknown as { longTasks: number }).longTasks)));
    }
    results.runsPageCompleteMsAll = complete.join(', ');
    results.runsPageBreakdown = boot.join('; ');
    results.runsPageLongTasksMs = longTasks.join(', ');
    if (process.env.MEASURE_PROFILE === '1') {
      // Where the page's main-thread time goes on one load (self time per function, top 20).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
      await page.goto(`${server.url}/runs`);
      await page.locator('table.runs-table tbody tr').nth(49).waitFor({ timeout: 60_000 });
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: { nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] };
      };
      const selfTime = new Map<string, number>();
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      profile.samples.forEach((id, index) => {
        const frame = byId.get(id)!.callFrame;
        const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
        selfTime.set(key, (selfTime.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
      });
      results.profile = [...selfTime.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([key, ms]) => `${Math.round(ms)} ms ${key}`)
        .join('\n');
    }
    results.runsPageUsableMs = Math.min(...usable);
    results.runsPageUsableMsAll = usable.join(', ');
    results.runsPageRequests = calls.join('; ');

    const box = page.getByRole('combobox', { name: 'Run query' });
    const queryTimes: number[] = [];
    const queryCompleteTimes: number[] = [];
    const queryInPage: number[] = [];
    const countText = () => page.locator('.run-count').textContent();
    for (const [query, expected] of [
      ['params.lr < 1e-3 and metrics.val_accuracy > 0.9', undefined],
      ["params.optimizer = 'sgd' and params.batch_size >= 64", undefined],
      ["name LIKE 'sweep-0099%'", '10 of 10 runs'],
    ] as const) {
      await box.fill(query);
      const before = await countText();
      // The same wait by the page's own clock: from just before Enter until the count line shows the answer.
      await page.evaluate((previous) => {
        const store = window as unknown as { queryMs?: number };
        store.queryMs = undefined;
        const start = performance.now();
        const observer = new MutationObserver(() => {
          const text = document.querySelector('.run-count')?.textContent ?? '';
          if (text === previous || /searching|loading values/.test(text)) return;
          store.queryMs = performance.now() - start;
          observer.disconnect();
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      }, before);
      const started = Date.now();
      await box.press('Enter');
      // The round trip ends when the table shows the new query's rows (its count line changes).
      await page.waitForFunction(
        (previous) => {
          const text = document.querySelector('.run-count')?.textContent ?? '';
          return text !== previous && !/searching|loading values/.test(text);
        },
        before,
        { timeout: 60_000 },
      );
      queryTimes.push(Date.now() - started);
      queryInPage.push(Math.round(await page.evaluate(() => (window as unknown as { queryMs?: number }).queryMs ?? -1)));
      if (expected !== undefined) await page.getByText(expected).waitFor();
      await page.waitForFunction(() => /^[\d,]+ of [\d,]+ runs$/.test(document.querySelector('.run-count')?.textContent ?? ''), undefined, { timeout: 60_000 });
      queryCompleteTimes.push(Date.now() - started);
    }
    results.queryCompleteMs = queryCompleteTimes.join(', ');
    results.queryRoundTripMs = queryTimes.join(', ');
    results.queryRoundTripInPageMs = queryInPage.join(', ');
    const raw: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const started = performance.now();
      const response = await fetch(`${server.url}/api/v1/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'params.lr < 1e-3 and metrics.val_accuracy > 0.9', limit: 10_000 }),
      });
      await response.json();
      raw.push(performance.now() - started);
    }
    results.searchHttpMs = raw.map((value) => Math.round(value)).join(', ');

    await box.fill('');
    await box.press('Enter');
    await page.getByText(LISTED).waitFor({ timeout: 60_000 });
    const parallel = page.locator('.parallel-coordinates canvas.lines-layer');
    await page.locator('.runs-plots').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => Number(document.querySelector('.parallel-coordinates canvas.lines-layer')?.getAttribute('data-lines')) >= 10_000, undefined, { timeout: 60_000 });
    results.parallelCoordinatesDrawMs = Number(await parallel.getAttribute('data-draw-ms'));
    results.scatterDrawMs = Number(await page.locator('.scatter-plot canvas').getAttribute('data-draw-ms'));
    const brushStarted = Date.now();
    const canvasBox = (await parallel.boundingBox())!;
    const axisX = canvasBox.x + canvasBox.width - 36;
    await page.mouse.move(axisX, canvasBox.y + 40);
    await page.mouse.down();
    await page.mouse.move(axisX, canvasBox.y + 90, { steps: 3 });
    await page.mouse.up();
    await page.getByText(/brushed in the plot/).waitFor();
    results.brushToTableMs = Date.now() - brushStarted;

    await page.goto(`${server.url}/runs/${long.id}`);
    const figure = page.locator('figure[data-metric="loss"]');
    await figure.scrollIntoViewIfNeeded();
    const firstDraw = Date.now();
    await page.waitForFunction(() => document.querySelector('figure[data-metric="loss"]')?.getAttribute('data-drawn') === 'true', undefined, { timeout: 60_000 });
    results.millionPointChartMs = Date.now() - firstDraw;
    const over = figure.locator('.u-over');
    const overBox = (await over.boundingBox())!;
    const zoomStarted = Date.now();
    await page.mouse.move(overBox.x + overBox.width * 0.6, overBox.y + overBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(overBox.x + overBox.width * 0.7, overBox.y + overBox.height / 2, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('figure[data-metric="loss"]')?.getAttribute('data-zoom') !== null, undefined, { timeout: 60_000 });
    await page.waitForFunction(() => !document.querySelector('figure[data-metric="loss"] figcaption')?.textContent?.includes('loading'), undefined, { timeout: 60_000 });
    results.zoomDetailMs = Date.now() - zoomStarted;
    results.zoomRange = String(await figure.getAttribute('data-zoom'));
    results.zoomSpikeDrawn = String(await figure.getAttribute('data-y-max'));
  } catch (error) {
    const pages = browser.contexts().flatMap((context) => context.pages());
    if (pages[0] !== undefined) await pages[0].screenshot({ path: path.join(folder, 'failure.png'), fullPage: true });
    throw error;
  } finally {
    await browser.close();
    await server.close();
    await db.close();
    ui.remove();
  }
  console.log(JSON.stringify(results, null, 2));
}

await main();
