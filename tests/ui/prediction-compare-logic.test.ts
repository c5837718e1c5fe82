/** The comparison view's pure parts: which versions a URL names, and the table rows with their changes. */
import { describe, expect, it } from 'vitest';
import type { PredictionAggregate, PredictionStats } from '../../src/index.js';
import { MAX_COMPARED_VERSIONS, comparisonRows, formatChange, parseVersionIds, percentileOf } from '../../src/ui/lib/prediction-compare.js';

function aggregate(count: number, p95: number | null, labelled: number, correct: number): PredictionAggregate {
  return {
    count,
    errorCount: 1,
    latency: { count, mean: p95, p50: p95, p95, p99: p95, max: p95 },
    confidence: { count: 0, mean: null, histogram: new Array<number>(10).fill(0) },
    labelled,
    correct,
    accuracy: labelled === 0 ? null : correct / labelled,
  };
}

const stats = (series: Array<[number, PredictionAggregate]>): PredictionStats => ({
  since: new Date(0),
  until: new Date(3_600_000),
  bucketMs: 3_600_000,
  bucket: 'hour',
  quantileError: 0.01,
  accuracyField: null,
  series: series.map(([modelVersionId, total]) => ({ modelVersionId, buckets: [], total })),
});

describe('version comparison logic', () => {
  it('reads version ids from the URL: positive integers, each once, in order, at most the limit', () => {
    expect(parseVersionIds('7,3,x,7,0,-2, 4')).toEqual([7, 3, 4]);
    expect(parseVersionIds(null)).toEqual([]);
    expect(parseVersionIds(Array.from({ length: 30 }, (_, index) => index + 1).join(','))).toHaveLength(MAX_COMPARED_VERSIONS);
    expect(percentileOf('p99')).toBe('p99');
    expect(percentileOf('p42')).toBe('p95');
  });

  it('lays the totals side by side in the asked order, with each change relative to the first version', () => {
    // The answer lists the baseline first; the page asked for the canary first.
    const rows = comparisonRows(stats([[1, aggregate(900, 50, 10, 9)], [2, aggregate(100, 75, 0, 0)]]), [2, 1, 3]);
    const row = (key: string) => rows.find((candidate) => candidate.key === key)!;
    expect(row('count').values).toEqual([100, 900, null]);
    expect(row('count').texts).toEqual(['100', '900', '0']);
    expect(row('p95').changes).toEqual([null, (50 - 75) / 75, null]);
    expect(row('p95').better).toBe('lower');
    expect(row('errors').values).toEqual([0.01, 1 / 900, null]);
    // The first version has no labels: no change can be computed from it.
    expect(row('accuracy').values).toEqual([null, 0.9, null]);
    expect(row('accuracy').changes).toEqual([null, null, null]);
    expect(formatChange(-1 / 3)).toBe('−33.33 %');
    expect(formatChange(0.125)).toBe('+12.5 %');
  });
});
