/**
 * A long history over HTTP, end to end (issue #17, "compact histories"): one series of
 * `httpHistoryPoints` points read whole through the HTTP client from `aimdb serve`, which asks for
 * the columnar form (decision 1300) and decodes it, against the raw driver's ordered read of the
 * same points. Targets are absolute: ≤ 100 ms and ≤ 2 MB on the wire for 100,000 points.
 */
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { createRuns, type BenchContext } from '../context.js';
import { runBatches } from '../data.js';
import { bestOfInterleaved, durationResult, log, type ScenarioResult } from '../measure.js';
import { startServerProcess, stopServerProcess } from './http.js';

const SERIES = 'metric_00';
const WITHIN_MS = 100;
const WITHIN_MB = 2;

export async function httpHistory(ctx: BenchContext): Promise<ScenarioResult[]> {
  const points = ctx.sizes.httpHistoryPoints;
  const [runId] = await createRuns(ctx.db, 1, 'http-history');
  for (const batch of runBatches(1, points, 10_000)) await ctx.db.logMetrics(runId!, batch);
  const { child, url } = await startServerProcess(ctx.database.url);
  const http = createHttpAiDatabase({ url });
  try {
    // The bytes the client receives for the same read (one request, no paging below 50,000 points; streamed above).
    const query = new URLSearchParams({ name: SERIES, format: 'columns' });
    const response = await fetch(`${url}/api/v1/runs/${runId}/metrics?${query}`);
    if (!response.ok) throw new Error(`columnar history read answered ${response.status}`);
    const megabytes = (await response.arrayBuffer()).byteLength / 1e6;
    let rawCount = 0;
    let httpCount = 0;
    await ctx.raw.analyze();
    const [rawMs, httpMs] = await bestOfInterleaved(
      5,
      async () => (rawCount = await ctx.raw.readHistory(runId!, SERIES)),
      async () => (httpCount = (await http.getMetrics(runId!, { name: SERIES })).length),
    );
    if (rawCount !== points || httpCount !== points) throw new Error(`history read returned ${rawCount} / ${httpCount} points`);
    log(`  ${points.toLocaleString('en')}-point history over HTTP: ${httpMs.toFixed(1)} ms, ${megabytes.toFixed(2)} MB; raw ordered read ${rawMs.toFixed(1)} ms`);
    const title = `one metric's ${points.toLocaleString('en')}-point history through the HTTP client (columnar)`;
    return [
      durationResult({
        backend: ctx.backend,
        id: 'http-history',
        title,
        aimdb: httpMs,
        baseline: rawMs,
        baselineLabel: 'raw ordered read, in-process',
        target: 0,
        targetText: `≤ ${WITHIN_MS} ms end to end`,
        withinMs: WITHIN_MS,
      }),
      {
        backend: ctx.backend,
        id: 'http-history-size',
        title: `${title}: bytes on the wire`,
        unit: 'MB',
        aimdb: megabytes,
        baseline: null,
        baselineLabel: 'ceiling',
        ratio: null,
        target: WITHIN_MB,
        targetText: `≤ ${WITHIN_MB} MB`,
        met: megabytes <= WITHIN_MB,
      },
    ];
  } finally {
    await http.close();
    await stopServerProcess(child);
  }
}
