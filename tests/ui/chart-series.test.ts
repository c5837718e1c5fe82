/** How metric data becomes chart series: buckets, client-side downsampling, smoothing, log scale, alignment. */
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src/core/entities.js';
import { alignOnX, forLogScale, seriesFromBuckets, seriesFromPoints, smooth, X_ACCESSORS } from '../../src/ui/charts/series.js';

const point = (step: number, value: number, epoch: number | null = null, at = step * 1000): MetricPoint => ({
  runId: 1,
  name: 'loss',
  step,
  value,
  epoch,
  timestamp: new Date(at),
});

describe('seriesFromBuckets', () => {
  it('puts each bucket at its last step with its band, and leaves non-finite values out', () => {
    const series = seriesFromBuckets([
      { stepStart: 0, stepEnd: 9, min: 0.5, max: 2, last: 0.7, lastStep: 9, count: 10 },
      { stepStart: 10, stepEnd: 19, min: null, max: null, last: Number.NaN, lastStep: 19, count: 10 },
      { stepStart: 20, stepEnd: 29, min: 0.1, max: 0.4, last: Number.POSITIVE_INFINITY, lastStep: 29, count: 10 },
    ]);
    expect(series.x).toEqual([9, 19, 29]);
    expect(series.last).toEqual([0.7, null, null]);
    expect(series.min).toEqual([0.5, null, 0.1]);
    expect(series.max).toEqual([2, null, 0.4]);
    expect(series.nonFinite).toBe(2);
    expect(series.pointCount).toBe(30);
  });
});

describe('seriesFromPoints', () => {
  it('keeps every point when they fit', () => {
    const series = seriesFromPoints([point(0, 3), point(1, 2), point(2, 1)], X_ACCESSORS.step, 100);
    expect(series.x).toEqual([0, 1, 2]);
    expect(series.last).toEqual([3, 2, 1]);
  });

  it('downsamples into at most maxBuckets ranges keeping min, max and the last value', () => {
    const points = Array.from({ length: 1000 }, (_, step) => point(step, step % 10 === 0 ? -5 : step));
    const series = seriesFromPoints(points, X_ACCESSORS.step, 10);
    expect(series.x.length).toBe(10);
    expect(series.x[0]).toBe(99);
    expect(series.min[0]).toBe(-5);
    expect(series.max[0]).toBe(99);
    expect(series.last[0]).toBe(99);
    expect(series.x[9]).toBe(999);
  });

  it('places points by epoch or time and skips points without an epoch', () => {
    const points = [point(0, 1, null), point(1, 2, 0), point(2, 3, 1)];
    expect(seriesFromPoints(points, X_ACCESSORS.epoch, 100).x).toEqual([0, 1]);
    const timed = seriesFromPoints([point(0, 1, null, 5000), point(1, 2, null, 7000)], X_ACCESSORS.time, 100);
    expect(timed.x).toEqual([5, 7]);
  });

  it('counts NaN and infinite raw values it cannot draw', () => {
    const series = seriesFromPoints([point(0, 1), point(1, Number.NaN), point(2, Number.NEGATIVE_INFINITY)], X_ACCESSORS.step, 100);
    expect(series.nonFinite).toBe(2);
    expect(series.last).toEqual([1, null, null]);
  });
});

describe('smooth', () => {
  it('is the identity at weight 0 and debiased at the start', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = smooth([10, 10, 10], 0.9);
    for (const value of smoothed) expect(value).toBeCloseTo(10, 10);
  });

  it('lags behind a jump and keeps gaps', () => {
    const smoothed = smooth([0, null, 10], 0.5);
    expect(smoothed[1]).toBeNull();
    expect(smoothed[2]).toBeGreaterThan(0);
    expect(smoothed[2]).toBeLessThan(10);
  });
});

describe('forLogScale', () => {
  it('hides values a log axis cannot show and counts them', () => {
    expect(forLogScale([1, 0, -2, null, 3])).toEqual({ values: [1, null, null, null, 3], hidden: 2 });
  });
});

describe('alignOnX', () => {
  it('puts several runs on one sorted x axis with gaps where a run has no point', () => {
    const aligned = alignOnX([
      { x: [0, 2], values: [[1, 3]] },
      { x: [1, 2, 3], values: [[10, 20, 30]] },
    ]);
    expect(aligned.x).toEqual([0, 1, 2, 3]);
    expect(aligned.values).toEqual([[[1, null, 3, null]], [[null, 10, 20, 30]]]);
  });
});
