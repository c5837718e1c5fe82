/**
 * Windows and chart series for prediction statistics. The numbers come from the server
 * (`/api/v1/prediction-stats`); this only lays its buckets on a time axis that spans the window asked
 * for, so a handful of predictions within one second still get a sensible axis.
 */
import type { PredictionStats, PredictionStatsSeries } from '../../core/entities.js';

/** The windows the predictions page offers, by URL value. */
export const PREDICTION_RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
export type PredictionRange = (typeof PREDICTION_RANGES)[number]['value'];
export const DEFAULT_PREDICTION_RANGE: PredictionRange = '24h';

/** The range of a URL value, or the default. */
export function rangeOf(value: string | null): (typeof PREDICTION_RANGES)[number] {
  return PREDICTION_RANGES.find((range) => range.value === value) ?? PREDICTION_RANGES.find((range) => range.value === DEFAULT_PREDICTION_RANGE)!;
}

/**
 * The window to ask for: the filter's bounds when given, else `rangeMs` ending just after the newest
 * prediction (a quiet database still shows its last activity, not an empty "last 24 hours").
 */
export function predictionWindow(
  filter: { since?: Date | undefined; until?: Date | undefined },
  newest: Date | null,
  rangeMs: number,
  now = Date.now(),
): { since: Date; until: Date } {
  const until = filter.until ?? new Date((newest?.getTime() ?? now) + 1);
  const since = filter.since ?? new Date(until.getTime() - rangeMs);
  return since.getTime() < until.getTime() ? { since, until } : { since, until: new Date(since.getTime() + 1) };
}

/** Every bucket start of the answered window, in seconds (uPlot's time unit). */
export function bucketTimes(stats: PredictionStats): number[] {
  const times: number[] = [];
  for (let start = stats.since.getTime(); start < stats.until.getTime(); start += stats.bucketMs) times.push(start / 1000);
  return times;
}

/** One value per bucket of the window from a series, null where a bucket has no predictions (or no value). */
export function seriesValues(
  stats: PredictionStats,
  series: PredictionStatsSeries | undefined,
  pick: (bucket: PredictionStatsSeries['buckets'][number]) => number | null,
  empty: number | null = null,
): Array<number | null> {
  const byStart = new Map((series?.buckets ?? []).map((bucket) => [bucket.start.getTime(), bucket]));
  const values: Array<number | null> = [];
  for (let start = stats.since.getTime(); start < stats.until.getTime(); start += stats.bucketMs) {
    const bucket = byStart.get(start);
    values.push(bucket === undefined ? empty : pick(bucket));
  }
  return values;
}

/** A bucket width in words: `1 minute`, `15 minutes`, `1 hour`, `2 days`. */
export function describeBucket(bucketMs: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    if (bucketMs % size === 0) {
      const count = bucketMs / size;
      return count === 1 ? `1 ${name}` : `${count} ${name}s`;
    }
  }
  return `${bucketMs / 1000} seconds`;
}

/** A y range that starts at zero (counts and latencies are never negative; a floor near the top hides a dip). */
export function fromZero(_self: unknown, _min: number | null, max: number | null): [number, number] {
  const top = max === null || !Number.isFinite(max) || max <= 0 ? 1 : max * 1.1;
  return [0, top];
}
