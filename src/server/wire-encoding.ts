/**
 * Answers as JSON: Dates serialise to ISO strings on their own; metric values that JSON cannot
 * hold (NaN, ±Infinity) become the strings "NaN", "Infinity", "-Infinity". Only the metric fields
 * can hold them, so only those are looked at, and a point is copied only when it needs it.
 */
import type { LatestMetric, MetricBucket, MetricPoint, MetricSeriesBuckets, MetricSummary } from '../core/entities.js';
import type { WireMetricHistorySegment, WireMetricSeriesBuckets } from '../core/wire-decoding.js';
import type { MetricSeriesColumns } from '../store/index.js';

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

/** Whether this machine stores a Float64Array's doubles little-endian, as the wire carries them. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Doubles as base64 of their IEEE-754 bits, little-endian. */
function doublesBase64(values: Float64Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  const bytes = Buffer.allocUnsafe(values.length * 8);
  for (let index = 0; index < values.length; index++) bytes.writeDoubleLE(values[index]!, index * 8);
  return bytes.toString('base64');
}

/** The first entry, then each entry's difference from the one before. */
function deltas(values: number[]): number[] {
  const coded: number[] = new Array(values.length);
  let previous = 0;
  for (let index = 0; index < values.length; index++) {
    coded[index] = values[index]! - previous;
    previous = values[index]!;
  }
  return coded;
}

/**
 * Series columns (in name then step order) as columnar history segments, one per run of
 * consecutive points of a series (decision 1300; decoded by decodeMetricHistoryColumns in
 * core/wire-decoding.ts).
 */
export function encodeMetricHistorySegments(series: MetricSeriesColumns[]): WireMetricHistorySegment[] {
  return series.map(({ name, step, value, epoch, timestamp }) => ({
    name,
    step: deltas(step),
    value: doublesBase64(value),
    epoch,
    timestamp: deltas(timestamp),
  }));
}
