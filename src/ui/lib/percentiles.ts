/**
 * Latency percentiles and rates computed in the browser from a window of fetched predictions (the
 * REST API has no latency aggregate, so the pages say which window the numbers come from).
 */
import type { Prediction } from '../../core/entities.js';

/** The p-th percentile (0–100) of ascending values, by linear interpolation between ranks. */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  if (n === 1) return sortedAscending[0]!;
  const rank = (p / 100) * (n - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sortedAscending[low]!;
  return lowValue + (sortedAscending[high]! - lowValue) * (rank - low);
}

export interface LatencyBucket {
  /** Start of the interval, epoch milliseconds. */
  start: number;
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface LatencySummary {
  buckets: LatencyBucket[];
  /** Over the whole window. */
  overall: { count: number; p50: number | null; p95: number | null; p99: number | null };
  intervalMs: number;
}

/** A round interval giving at most `maxBuckets` buckets over `spanMs`. */
export function niceInterval(spanMs: number, maxBuckets: number): number {
  const candidates = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400].map((s) => s * 1000);
  for (const candidate of candidates) {
    if (spanMs / candidate <= maxBuckets) return candidate;
  }
  return candidates[candidates.length - 1]!;
}

function summarise(latencies: number[]) {
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
}

/** p50/p95/p99 latency per time interval (null where an interval has none), over the predictions that report a latency. */
export function latencyPercentilesOverTime(predictions: readonly Prediction[], maxBuckets = 48): LatencySummary {
  const timed = predictions.filter((p) => p.latencyMs !== null && Number.isFinite(p.latencyMs));
  if (timed.length === 0) return { buckets: [], overall: { count: 0, p50: null, p95: null, p99: null }, intervalMs: 0 };
  const times = timed.map((p) => p.timestamp.getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  const intervalMs = niceInterval(last - first + 1, maxBuckets);
  const origin = Math.floor(first / intervalMs) * intervalMs;
  const groups = new Map<number, number[]>();
  for (const prediction of timed) {
    const start = origin + Math.floor((prediction.timestamp.getTime() - origin) / intervalMs) * intervalMs;
    const group = groups.get(start) ?? [];
    group.push(prediction.latencyMs!);
    groups.set(start, group);
  }
  // Every interval from the first to the last, empty ones included, so the chart breaks its lines
  // over quiet periods instead of drawing a slope across them.
  const buckets: LatencyBucket[] = [];
  for (let start = origin; start <= last; start += intervalMs) buckets.push({ start, ...summarise(groups.get(start) ?? []) });
  return { buckets, overall: summarise(timed.map((p) => p.latencyMs!)), intervalMs };
}

/** Predictions per hour over the 24 hours ending at `end`, oldest hour first. */
export function predictionsPerHour(predictions: readonly Prediction[], end: Date, hours = 24): { start: number; count: number }[] {
  const hourMs = 3_600_000;
  const lastHour = Math.floor(end.getTime() / hourMs) * hourMs;
  const firstHour = lastHour - (hours - 1) * hourMs;
  const counts = new Array<number>(hours).fill(0);
  for (const prediction of predictions) {
    const index = Math.floor((prediction.timestamp.getTime() - firstHour) / hourMs);
    if (index >= 0 && index < hours) counts[index]! += 1;
  }
  return counts.map((count, index) => ({ start: firstHour + index * hourMs, count }));
}
