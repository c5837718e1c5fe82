/**
 * Pure data shaping for metric charts: server buckets or raw points become drawable series
 * (x, last, min, max), then smoothing, log-scale filtering and alignment of several runs onto one
 * x axis, as uPlot's aligned mode wants.
 */
import type { MetricBucket, MetricPoint } from '../../core/entities.js';

/** One run's metric, ready to draw: per x, the last value and the min/max band. */
export interface ChartSeries {
  x: number[];
  last: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  /** How many NaN/±Infinity values could not be drawn. */
  nonFinite: number;
  /** How many raw points the series stands for. */
  pointCount: number;
}

const finiteOrNull = (value: number | null): number | null => (value !== null && Number.isFinite(value) ? value : null);

/** Server buckets (x = the step of each bucket's last point). */
export function seriesFromBuckets(buckets: readonly MetricBucket[]): ChartSeries {
  const series: ChartSeries = { x: [], last: [], min: [], max: [], nonFinite: 0, pointCount: 0 };
  for (const bucket of buckets) {
    series.x.push(bucket.lastStep);
    const last = finiteOrNull(bucket.last);
    if (last === null) series.nonFinite += 1;
    series.last.push(last);
    series.min.push(finiteOrNull(bucket.min));
    series.max.push(finiteOrNull(bucket.max));
    series.pointCount += bucket.count;
  }
  return series;
}

/** How raw points are placed on the x axis; null leaves a point out (e.g. no epoch logged). */
export type XAccessor = (point: MetricPoint) => number | null;

export const X_ACCESSORS = {
  step: (point: MetricPoint) => point.step,
  epoch: (point: MetricPoint) => point.epoch,
  /** uPlot's time scale counts seconds. */
  time: (point: MetricPoint) => point.timestamp.getTime() / 1000,
} satisfies Record<string, XAccessor>;

/**
 * Raw points downsampled in the browser the same way the server does it: at most `maxBuckets` equal
 * x ranges, each keeping min, max and the value at its highest x.
 */
export function seriesFromPoints(points: readonly MetricPoint[], xOf: XAccessor, maxBuckets: number): ChartSeries {
  const placed = points
    .map((point) => ({ x: xOf(point), value: point.value }))
    .filter((point): point is { x: number; value: number } => point.x !== null && Number.isFinite(point.x))
    .sort((a, b) => a.x - b.x);
  const series: ChartSeries = { x: [], last: [], min: [], max: [], nonFinite: 0, pointCount: placed.length };
  if (placed.length === 0) return series;
  const lo = placed[0]!.x;
  const hi = placed[placed.length - 1]!.x;
  const span = hi - lo;
  const bucketCount = Math.max(1, Math.min(maxBuckets, placed.length));
  const bucketOf = (x: number) => (span === 0 ? 0 : Math.min(bucketCount - 1, Math.floor(((x - lo) / span) * bucketCount)));
  let current = -1;
  for (const point of placed) {
    const bucket = bucketOf(point.x);
    const finite = Number.isFinite(point.value) ? point.value : null;
    if (finite === null) series.nonFinite += 1;
    if (bucket !== current) {
      current = bucket;
      series.x.push(point.x);
      series.last.push(finite);
      series.min.push(finite);
      series.max.push(finite);
      continue;
    }
    const index = series.x.length - 1;
    series.x[index] = point.x;
    series.last[index] = finite;
    if (finite !== null) {
      const min = series.min[index]!;
      const max = series.max[index]!;
      series.min[index] = min === null ? finite : Math.min(min, finite);
      series.max[index] = max === null ? finite : Math.max(max, finite);
    }
  }
  return series;
}

/**
 * Exponential moving average with TensorBoard's debiasing (early values are not pulled towards 0).
 * `weight` 0 returns the values unchanged; gaps stay gaps.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let average = 0;
  let seen = 0;
  return values.map((value) => {
    if (value === null) return null;
    seen += 1;
    average = average * weight + (1 - weight) * value;
    return average / (1 - weight ** seen);
  });
}

/** Values a log axis cannot show (≤ 0) become gaps; returns the new values and how many were hidden. */
export function forLogScale(values: readonly (number | null)[]): { values: (number | null)[]; hidden: number } {
  let hidden = 0;
  const kept = values.map((value) => {
    if (value !== null && value <= 0) {
      hidden += 1;
      return null;
    }
    return value;
  });
  return { values: kept, hidden };
}

/**
 * Puts several series on one shared, sorted x array (uPlot's aligned data); a series has null where
 * it has no point.
 */
export function alignOnX(columns: readonly { x: readonly number[]; values: readonly (number | null)[][] }[]): {
  x: number[];
  values: (number | null)[][][];
} {
  const x = [...new Set(columns.flatMap((column) => column.x))].sort((a, b) => a - b);
  const indexOf = new Map(x.map((value, index) => [value, index]));
  const values = columns.map((column) =>
    column.values.map((series) => {
      const aligned = new Array<number | null>(x.length).fill(null);
      column.x.forEach((xValue, i) => {
        aligned[indexOf.get(xValue)!] = series[i] ?? null;
      });
      return aligned;
    }),
  );
  return { x, values };
}

/**
 * Several runs' series as one group: on the union of their x values, the mean of the runs' lines and
 * the smallest and largest of them (the group's min–max band). Each run's line is held at its last
 * value between its own points and counts only within its own first and last x, never beyond.
 */
export function groupSeries(members: readonly ChartSeries[]): ChartSeries {
  const x = [...new Set(members.flatMap((member) => member.x))].sort((a, b) => a - b);
  const sum = new Array<number>(x.length).fill(0);
  const count = new Array<number>(x.length).fill(0);
  const min = new Array<number | null>(x.length).fill(null);
  const max = new Array<number | null>(x.length).fill(null);
  for (const member of members) {
    if (member.x.length === 0) continue;
    const first = member.x[0]!;
    const last = member.x[member.x.length - 1]!;
    let index = -1;
    let held: number | null = null;
    x.forEach((xValue, column) => {
      if (xValue < first || xValue > last) return;
      while (index + 1 < member.x.length && member.x[index + 1]! <= xValue) {
        index += 1;
        if (member.last[index] !== null) held = member.last[index]!;
      }
      if (held === null) return;
      sum[column]! += held;
      count[column]! += 1;
      min[column] = min[column] === null ? held : Math.min(min[column]!, held);
      max[column] = max[column] === null ? held : Math.max(max[column]!, held);
    });
  }
  return {
    x,
    last: sum.map((total, column) => (count[column] === 0 ? null : total / count[column]!)),
    min,
    max,
    nonFinite: members.reduce((total, member) => total + member.nonFinite, 0),
    pointCount: members.reduce((total, member) => total + member.pointCount, 0),
  };
}
