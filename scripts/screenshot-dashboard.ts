/**
 * Screenshots of every dashboard page at 1400 and 800 px, in light and dark themes, over the data
 * the browser tests use (the demo plus a sweep, a 5,000-step run, a running and a failed run,
 * predictions): what a reader looks at before calling a layout done (issue 19). The viewport is
 * made as tall as each page, so charts that load when near the viewport are drawn before the shot. Prints each file and whether the page scrolls sideways.
 *
 *   scripts/with-node.sh 24 npx tsx scripts/screenshot-dashboard.ts [out-dir]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAiDatabase } from '../src/index.js';
import { seedDashboardData } from '../tests/ui/support/dashboard-data.js';
import { ARTIFACT_DIR, buildDashboard, launchChromium, openPage, overflowsHorizontally, startDashboardServer } from '../tests/ui/support/dashboard-harness.js';

const WIDTHS = [1400, 800] as const;
const THEMES = ['light', 'dark'] as const;

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(ARTIFACT_DIR, 'screens');
  mkdirSync(out, { recursive: true });
  const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-screens-'));
  const db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'screens.sqlite')}` });
  const data = await seedDashboardData(db);
  const sweepIds = data.sweep.runs.map((run) => run.id).join(',');
  const model = data.demo.models[0]!;
  const dataset = data.demo.datasets[0]!;
  const pages: Array<[string, string]> = [
    ['overview', '/'],
    ['experiments', '/experiments'],
    ['runs', '/runs'],
    ['runs-sweep-grouped', `/runs?experiment=${data.sweep.experiment.id}&chart=loss&group=param:learning_rate`],
    ['run-long', `/runs/${data.longRun.id}`],
    ['run-failed', `/runs/${data.failedRun.id}`],
    ['compare-grouped', `/compare?runs=${sweepIds},${data.longRun.id}&group=param:batch_size`],
    ['models', '/models'],
    ['model', `/models/${model.id}`],
    ['datasets', '/datasets'],
    ['dataset', `/datasets/${dataset.id}`],
    ['predictions', '/predictions'],
  ];
  const ui = await buildDashboard('production');
  const server = await startDashboardServer(db, ui.dir);
  const browser = await launchChromium();
  try {
    for (const theme of THEMES) {
      for (const width of WIDTHS) {
        const { page, problems } = await openPage(browser, { width, height: 900 }, { colorScheme: theme });
        for (const [name, pathname] of pages) {
          await page.goto(`${server.url}${pathname}`);
          await page.waitForLoadState('networkidle');
          // Sideways scrolling is judged at the ordinary height (with a vertical scroll bar taking its width).
          const sideways = await overflowsHorizontally(page);
          // The viewport as tall as the page, so every chart that loads near the viewport loads, and
          // the full-page shot does not resize the page (and reload its charts) while it is taken.
          for (let round = 0; round < 4; round++) {
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            await page.setViewportSize({ width, height: Math.min(height, 12_000) });
            await page.waitForLoadState('networkidle');
            await page
              .waitForFunction(() => !Array.from(document.querySelectorAll('figcaption')).some((caption) => caption.textContent?.includes('loading')), undefined, { timeout: 15_000 })
              .catch(() => console.log(`${name}: a chart still loading after 15 s`));
            if ((await page.evaluate(() => document.documentElement.scrollHeight)) === height) break;
          }
          await page.waitForTimeout(300);
          const file = path.join(out, `${name}-${width}-${theme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          console.log(`${file}${sideways || (await overflowsHorizontally(page)) ? ' (scrolls sideways)' : ''}`);
          await page.setViewportSize({ width, height: 900 });
        }
        if (problems.length > 0) console.log(`problems at ${width} px, ${theme}:\n  ${problems.join('\n  ')}`);
        await page.context().close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await db.close();
    ui.remove();
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
