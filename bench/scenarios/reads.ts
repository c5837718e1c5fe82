/** Reads: a full history, a downsampled history and the runs table's latest values. */
import { createRuns, type BenchContext } from '../context.js';
import { runBatches } from '../data.js';
import { bestMs, bestOfInterleaved, durationResult, log, type ScenarioResult } from '../measure.js';

const HISTORY_METRIC = 'metric_00';

/** Loads one run with a single series of `points` steps, through aimdb. */
async function loadSeries(ctx: BenchContext, points: number): Promise<number> {
  const [runId] = await createRuns(ctx.db, 1, 'history');
  for (const batch of runBatches(1, points, 10_000)) await ctx.db.logMetrics(runId!, batch);
  return runId!;
}

export async function histories(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { historyPoints, buckets } = ctx.sizes;
  const runId = await loadSeries(ctx, historyPoints);
  log(`  loaded one series of ${historyPoints} points`);

  let rawCount = 0;
  let aimdbCount = 0;
  await ctx.raw.analyze();
  const [rawRead, aimdbRead] = await bestOfInterleaved(
    3,
    async () => (rawCount = await ctx.raw.readHistory(runId, HISTORY_METRIC)),
    async () => (aimdbCount = (await ctx.db.getMetrics(runId, { name: HISTORY_METRIC })).length),
  );
  if (rawCount !== historyPoints || aimdbCount !== historyPoints) throw new Error(`history read returned ${rawCount} / ${aimdbCount} points`);
  log(`  full history: raw ${rawRead.toFixed(1)} ms, aimdb ${aimdbRead.toFixed(1)} ms`);

  let rawBuckets = 0;
  let aimdbBuckets = 0;
  const [rawBucketMs, aimdbBucketMs] = await bestOfInterleaved(
    5,
    async () => (rawBuckets = await ctx.raw.bucketQuery(runId, HISTORY_METRIC, buckets)),
    async () => (aimdbBuckets = (await ctx.db.getMetricBuckets(runId, HISTORY_METRIC, { buckets })).length),
  );
  if (rawBuckets !== aimdbBuckets) throw new Error(`bucket queries disagree: raw ${rawBuckets}, aimdb ${aimdbBuckets} buckets`);
  log(`  downsampled to ${aimdbBuckets} buckets: raw ${rawBucketMs.toFixed(1)} ms, aimdb ${aimdbBucketMs.toFixed(1)} ms`);

  return [
    durationResult({
      backend: ctx.backend,
      id: 'history-read',
      title: `one metric's full history (${historyPoints.toLocaleString('en')} points)`,
      aimdb: aimdbRead,
      baseline: rawRead,
      baselineLabel: 'raw ordered read',
      target: 0.7,
    }),
    durationResult({
      backend: ctx.backend,
      id: 'history-buckets',
      title: `downsampled history (${historyPoints.toLocaleString('en')} points → ${buckets.toLocaleString('en')} buckets, min/max/last)`,
      aimdb: aimdbBucketMs,
      baseline: rawBucketMs,
      baselineLabel: 'raw GROUP BY bucket query',
      target: 1,
      targetText: '≥ 1× (aim 5×)',
    }),
  ];
}

export async function runsTable(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { listRuns, listSteps } = ctx.sizes;
  const runIds = await createRuns(ctx.db, listRuns, 'table');
  const batches = [...runBatches(10, listSteps, 10 * listSteps)];
  // Several runs per transaction keeps the set-up short; the points still go through logMetrics.
  for (let start = 0; start < runIds.length; start += 100) {
    await ctx.db.transaction(async (tx) => {
      for (const runId of runIds.slice(start, start + 100)) for (const batch of batches) await tx.logMetrics(runId, batch);
    });
  }
  log(`  loaded ${listRuns} runs × 10 metrics × ${listSteps} steps`);
  const lo = Math.min(...runIds);
  const hi = Math.max(...runIds);
  let rawRows = 0;
  let aimdbRows = 0;
  await ctx.raw.analyze();
  const [rawMs, aimdbMs] = await bestOfInterleaved(
    3,
    async () => (rawRows = await ctx.raw.latestPerRun(lo, hi)),
    async () => (aimdbRows = (await ctx.db.getLatestMetrics(runIds)).length),
  );
  // The full summaries (last, min, max, count, time) of the same series, for comparison.
  const summariesMs = await bestMs(3, () => ctx.db.getMetricSummaries(runIds));
  if (rawRows !== listRuns * 10 || aimdbRows !== listRuns * 10) throw new Error(`runs table returned ${rawRows} / ${aimdbRows} rows`);
  log(`  latest of 10 metrics for ${listRuns} runs: raw ${rawMs.toFixed(1)} ms, aimdb ${aimdbMs.toFixed(1)} ms (full summaries ${summariesMs.toFixed(1)} ms)`);
  // On MySQL the raw latest-per-run query is the slow one the summaries exist to avoid.
  const target = ctx.backend === 'mysql' ? 10 : 1;
  return [
    durationResult({
      backend: ctx.backend,
      id: 'runs-table',
      title: `runs table: latest value of 10 metrics for ${listRuns.toLocaleString('en')} runs`,
      aimdb: aimdbMs,
      baseline: rawMs,
      baselineLabel: 'raw latest-per-run query',
      target,
      details: { 'getMetricSummaries ms': Math.round(summariesMs) },
    }),
  ];
}
