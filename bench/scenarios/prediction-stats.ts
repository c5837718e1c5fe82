/**
 * Prediction statistics (issue 18): hourly latency p50/p95/p99 of one model version over a month,
 * from aimdb's write-time rollups, against exact percentiles computed by the database itself
 * (percentile_cont on PostgreSQL, window functions on SQLite and MySQL) in the same run. Also
 * reports how far aimdb's quantiles are from the exact ones.
 */
import type { PredictionInput } from '../../src/index.js';
import type { BenchContext } from '../context.js';
import { bestOfInterleaved, durationResult, log, type ScenarioResult } from '../measure.js';

const HOUR = 3_600_000;
const BATCH = 5_000;

/** A small deterministic generator (mulberry32), so every backend stores the same latencies. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Latencies of a served model: log-normal around 20 ms, and 1 % from a Pareto tail (seconds to minutes). */
function latencyOf(next: () => number): number {
  if (next() < 0.01) return 200 / Math.max(1e-9, next()) ** (1 / 1.2);
  const normal = Math.sqrt(-2 * Math.log(Math.max(1e-12, next()))) * Math.cos(2 * Math.PI * next());
  return Math.exp(Math.log(20) + 0.6 * normal);
}

export async function predictionStats(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { statsPredictions: total, statsDays: days } = ctx.sizes;
  const model = await ctx.db.createModel({ name: `bench-stats-${Date.now()}` });
  const version = await ctx.db.createModelVersion({ modelId: model.id });
  const until = Math.floor(Date.now() / HOUR) * HOUR;
  const since = until - days * 24 * HOUR;
  const step = (until - since) / total;
  const next = random(18);
  // Every latency per hour, kept to compute the exact percentiles aimdb's quantiles are held to
  // (rank ⌊q·(n−1)⌋; percentile_cont interpolates between neighbours, which in a heavy tail differ a lot).
  const perHour = new Map<number, number[]>();
  const loadStart = performance.now();
  for (let start = 0; start < total; start += BATCH) {
    const batch: PredictionInput[] = [];
    for (let index = start; index < Math.min(total, start + BATCH); index++) {
      const label = next() < 0.5 ? 'cat' : 'dog';
      batch.push({
        modelVersionId: version.id,
        input: { i: index },
        output: label,
        groundTruth: index % 5 === 0 ? (next() < 0.9 ? label : 'bird') : null,
        confidence: next(),
        latencyMs: latencyOf(next),
        timestamp: Math.floor(since + index * step),
      });
      const hour = Math.floor((since + index * step) / HOUR) * HOUR;
      const list = perHour.get(hour) ?? [];
      list.push(batch.at(-1)!.latencyMs!);
      perHour.set(hour, list);
    }
    await ctx.db.logPredictions(batch);
  }
  log(`  loaded ${total.toLocaleString('en')} predictions over ${days} days in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  await ctx.raw.analyze();
  await ctx.raw.settle();

  let exact: Awaited<ReturnType<typeof ctx.raw.latencyPercentiles>> = [];
  let stats: Awaited<ReturnType<typeof ctx.db.getPredictionStats>> | undefined;
  const [rawMs, aimdbMs] = await bestOfInterleaved(
    3,
    async () => (exact = await ctx.raw.latencyPercentiles(version.id, since, until, HOUR)),
    async () => (stats = await ctx.db.getPredictionStats({ modelVersionId: version.id, since: new Date(since), until: new Date(until), bucket: 'hour' })),
  );
  const buckets = stats!.series[0]!.buckets;
  if (buckets.length !== exact.length) throw new Error(`hours disagree: raw ${exact.length}, aimdb ${buckets.length}`);
  // Relative distance of aimdb's quantiles from the exact ones, per quantile, over every hour.
  const worst = { p50: 0, p95: 0, p99: 0 };
  for (const [index, bucket] of buckets.entries()) {
    const want = exact[index]!;
    // MariaDB's text protocol may print a double one unit in the last place off, so max compares to 1e-15.
    if (bucket.count !== want.count || Math.abs(bucket.latency.max! - want.max) > 1e-15 * want.max) throw new Error(`hour ${index}: count or max differ from the raw query (aimdb ${bucket.count} / ${bucket.latency.max}, raw ${want.count} / ${want.max})`);
    const sorted = Float64Array.from(perHour.get(bucket.start.getTime()) ?? []).sort();
    for (const [key, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      const value = sorted[Math.floor(q * (sorted.length - 1))]!;
      worst[key] = Math.max(worst[key], Math.abs(bucket.latency[key]! - value) / value);
    }
  }
  const percent = (value: number) => `${(value * 100).toFixed(3)} %`;
  log(`  hourly p50/p95/p99 over ${buckets.length} hours: raw ${rawMs.toFixed(1)} ms, aimdb ${aimdbMs.toFixed(1)} ms`);
  log(`  largest relative error against the exact percentiles: p50 ${percent(worst.p50)}, p95 ${percent(worst.p95)}, p99 ${percent(worst.p99)}`);
  const result = durationResult({
    backend: ctx.backend,
    id: 'prediction-stats',
    title: `hourly latency p50/p95/p99 of one version (${total.toLocaleString('en')} predictions over ${days} days), ≤ 100 ms`,
    aimdb: aimdbMs,
    baseline: rawMs,
    baselineLabel: ctx.backend === 'postgresql' ? 'exact percentile_cont per hour' : 'exact percentiles by window functions',
    target: 10,
    targetText: '≥ 10× and ≤ 100 ms',
    withinMs: 100,
    note: `quantiles within ${percent(Math.max(worst.p50, worst.p95, worst.p99))} of the exact ones (bound 1 %)`,
    details: { 'worst p50 error': percent(worst.p50), 'worst p95 error': percent(worst.p95), 'worst p99 error': percent(worst.p99) },
  });
  return [result];
}
