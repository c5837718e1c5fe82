/**
 * Answers as JSON: Dates serialise to ISO strings on their own; metric values that JSON cannot
 * hold (NaN, ±Infinity) become the strings "NaN", "Infinity", "-Infinity". Only the metric fields
 * can hold them, so only those are looked at, and a point is copied only when it needs it.
 */
import type { LatestMetric, MetricBucket, MetricPoint, MetricSeriesBuckets, MetricSummary } from '../core/entities.js';
import type { WireMetricHistorySegment, WireMetricSeriesBuckets } from '../core/wire-decoding.js';

type Encoded<T, K extends keyof T> = Omit<T, K> & { [P in K]: number | string };

/** A double as JSON carries it. */
export function encodeMetricValue(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

function encodeField<T, K extends keyof T>(items: T[], field: K): Array<Encoded<T, K>> {
  let encoded: T[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const value = items[index]![field];
    if (typeof value === 'number' && !Number.isFinite(value)) {
      encoded ??= items.slice();
      encoded[index] = { ...items[index]!, [field]: String(value) };
    }
  }
  return (encoded ?? items) as Array<Encoded<T, K>>;
}

export const encodeMetricPoints = (points: MetricPoint[]) => encodeField(points, 'value');
export const encodeMetricSummaries = (summaries: MetricSummary[]) => encodeField(summaries, 'lastValue');
export const encodeLatestMetrics = (latest: LatestMetric[]) => encodeField(latest, 'value');
export const encodeMetricBuckets = (buckets: MetricBucket[]) => encodeField(buckets, 'last');

/** Bulk buckets in the columnar shape: a few arrays per series instead of an object per bucket. */
export function encodeMetricSeriesBuckets(series: MetricSeriesBuckets[]): WireMetricSeriesBuckets {
  return {
    series: series.map(({ runId, name, buckets }) => ({
      runId,
      name,
      stepStart: buckets.map((bucket) => bucket.stepStart),
      stepEnd: buckets.map((bucket) => bucket.stepEnd),
      min: buckets.map((bucket) => bucket.min),
      max: buckets.map((bucket) => bucket.max),
      last: buckets.map((bucket) => encodeMetricValue(bucket.last)),
      lastStep: buckets.map((bucket) => bucket.lastStep),
      count: buckets.map((bucket) => bucket.count),
    })),
  };
}

/**
 * Points (in name then step order) as columnar history segments, one per run of consecutive points
 * of a series (decision 1300; decoded by decodeMetricHistoryColumns in core/wire-decoding.ts).
 */
export function encodeMetricHistorySegments(points: MetricPoint[]): WireMetricHistorySegment[] {
  const segments: WireMetricHistorySegment[] = [];
  let start = 0;
  while (start < points.length) {
    const name = points[start]!.name;
    let end = start + 1;
    while (end < points.length && points[end]!.name === name) end++;
    const count = end - start;
    const step: number[] = new Array(count);
    const timestamp: number[] = new Array(count);
    const bytes = Buffer.allocUnsafe(count * 8);
    let epoch: Array<number | null> | null = null;
    let previousStep = 0;
    let previousTime = 0;
    for (let index = 0; index < count; index++) {
      const point = points[start + index]!;
      step[index] = point.step - previousStep;
      previousStep = point.step;
      const time = point.timestamp.getTime();
      timestamp[index] = time - previousTime;
      previousTime = time;
      bytes.writeDoubleLE(point.value, index * 8);
      if (point.epoch !== null) {
        epoch ??= new Array<number | null>(count).fill(null);
        epoch[index] = point.epoch;
      }
    }
    segments.push({ name, step, value: bytes.toString('base64'), epoch, timestamp });
    start = end;
  }
  return segments;
}
