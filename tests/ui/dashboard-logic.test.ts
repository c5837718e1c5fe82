/** The dashboard's table, comparison and statistics logic, apart from React. */
import { describe, expect, it } from 'vitest';
import type { LatestMetric, PredictionStats, TrainingRun } from '../../src/core/entities.js';
import { parameterRows } from '../../src/ui/lib/differences.js';
import { formatBytes, formatDuration, formatLogTick, formatMetric, formatTicks } from '../../src/ui/lib/format.js';
import { bucketTimes, describeBucket, fromZero, predictionWindow, rangeOf, seriesValues } from '../../src/ui/lib/prediction-window.js';
import { filterRuns, groupLatest, sortRuns } from '../../src/ui/lib/runs-table.js';
import { splitEntries } from '../../src/ui/lib/splits.js';

const run = (id: number, overrides: Partial<TrainingRun> = {}): TrainingRun => ({
  id,
  name: `run-${id}`,
  modelId: null,
  modelVersionId: null,
  datasetId: null,
  status: 'completed',
  config: {},
  tags: {},
  notes: null,
  error: null,
  deletedAt: null,
  heartbeatAt: null,
  heartbeatTimeoutMs: null,
  startedAt: new Date(id * 1000),
  endedAt: null,
  durationMs: id * 100,
  createdAt: new Date(id * 1000),
  updatedAt: new Date(id * 1000),
  ...overrides,
});

const latest = (runId: number, name: string, value: number): LatestMetric => ({ runId, name, value, step: 1 });

describe('runs table', () => {
  const runs = [run(3, { status: 'failed', tags: { team: 'vision' } }), run(2, { name: 'baseline' }), run(1, { name: null })];

  it('filters by text over name, id and tags, and by status', () => {
    expect(filterRuns(runs, { text: 'team=vis', statuses: [] }).map((r) => r.id)).toEqual([3]);
    expect(filterRuns(runs, { text: 'BASE', statuses: [] }).map((r) => r.id)).toEqual([2]);
    expect(filterRuns(runs, { text: '', statuses: ['failed'] }).map((r) => r.id)).toEqual([3]);
    expect(filterRuns(runs, { text: '1', statuses: ['completed'] }).map((r) => r.id)).toEqual([1]);
  });

  it('sorts by a metric with missing and NaN values last in both directions', () => {
    const data = {
      latest: groupLatest([latest(3, 'loss', 0.5), latest(2, 'loss', Number.NaN), latest(4, 'loss', 0.1)]),
      hyperparameters: new Map(),
    };
    const withFour = [...runs, run(4)];
    expect(sortRuns(withFour, 'metric:loss', 'asc', data).map((r) => r.id)).toEqual([4, 3, 2, 1]);
    expect(sortRuns(withFour, 'metric:loss', 'desc', data).map((r) => r.id)).toEqual([3, 4, 2, 1]);
  });

  it('sorts hyperparameters numerically, strings naturally, mixed types by type', () => {
    const data = {
      latest: new Map(),
      hyperparameters: new Map<number, Map<string, number | string>>([
        [1, new Map<string, number | string>([['lr', 0.1], ['opt', 'adam10']])],
        [2, new Map<string, number | string>([['lr', 0.01], ['opt', 'adam9']])],
        [3, new Map<string, number | string>([['lr', 'auto'], ['opt', 'sgd']])],
      ]),
    };
    expect(sortRuns(runs, 'param:lr', 'asc', data).map((r) => r.id)).toEqual([2, 1, 3]);
    expect(sortRuns(runs, 'param:opt', 'asc', data).map((r) => r.id)).toEqual([2, 1, 3]);
  });
});

describe('hyperparameter differences', () => {
  it('marks a name as differing when values differ or some run lacks it', () => {
    const rows = parameterRows([
      { lr: 0.1, batch: 32, arch: { depth: 4 } },
      { lr: 0.01, batch: 32, arch: { depth: 4 } },
      { lr: 0.1, batch: 32, arch: { depth: 4 }, extra: null },
    ]);
    expect(rows.map((row) => [row.name, row.differs])).toEqual([
      ['arch', false],
      ['batch', false],
      ['extra', true],
      ['lr', true],
    ]);
    expect(rows.find((row) => row.name === 'extra')!.values).toEqual([undefined, undefined, null]);
  });
});

describe('prediction statistics windows', () => {
  const stats = (since: number, until: number, bucketMs: number, starts: number[]): PredictionStats => ({
    since: new Date(since),
    until: new Date(until),
    bucketMs,
    bucket: 'x',
    quantileError: 0.01,
    accuracyField: null,
    series: [
      {
        modelVersionId: 1,
        buckets: starts.map((start) => ({
          start: new Date(start),
          end: new Date(start + bucketMs),
          count: 3,
          errorCount: 0,
          latency: { count: 3, mean: 2, p50: 2, p95: 3, p99: 3, max: 3 },
          confidence: { count: 0, mean: null, histogram: [] },
          labelled: 0,
          correct: 0,
          accuracy: null,
        })),
        total: {} as PredictionStats['series'][number]['total'],
      },
    ],
  });

  it('ends the default window just after the newest prediction, or at the filter bounds', () => {
    const newest = new Date(Date.UTC(2026, 0, 1, 12));
    expect(predictionWindow({}, newest, 3_600_000)).toEqual({ since: new Date(newest.getTime() + 1 - 3_600_000), until: new Date(newest.getTime() + 1) });
    const since = new Date(Date.UTC(2025, 0, 1));
    expect(predictionWindow({ since }, newest, 3_600_000).since).toEqual(since);
    expect(predictionWindow({}, null, 1000, 5000)).toEqual({ since: new Date(4001), until: new Date(5001) });
    expect(rangeOf('7d').ms).toBe(7 * 86_400_000);
    expect(rangeOf('nonsense').value).toBe('24h');
  });

  it('lays the buckets on every bucket of the window, gaps as null and counts as zero', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const answer = stats(t0, t0 + 4 * 60_000, 60_000, [t0, t0 + 3 * 60_000]);
    expect(bucketTimes(answer)).toEqual([0, 1, 2, 3].map((minute) => (t0 + minute * 60_000) / 1000));
    expect(seriesValues(answer, answer.series[0], (bucket) => bucket.latency.p99)).toEqual([3, null, null, 3]);
    expect(seriesValues(answer, answer.series[0], (bucket) => bucket.count, 0)).toEqual([3, 0, 0, 3]);
    expect(describeBucket(60_000)).toBe('1 minute');
    expect(describeBucket(15 * 60_000)).toBe('15 minutes');
    expect(describeBucket(86_400_000 * 2)).toBe('2 days');
    expect(fromZero(null, 330, 400)[0]).toBe(0);
    expect(fromZero(null, 330, 400)[1]).toBeCloseTo(440, 9);
    expect(fromZero(null, null, null)).toEqual([0, 1]);
  });
});

describe('formatting', () => {
  it('spells out non-finite metrics and keeps a readable precision', () => {
    expect(formatMetric(Number.NaN)).toBe('NaN');
    expect(formatMetric(Number.NEGATIVE_INFINITY)).toBe('−∞');
    expect(formatMetric(0.123456789)).toBe('0.1235');
    expect(formatMetric(1e-7)).toBe('1.000e-7');
    expect(formatMetric(null)).toBe('—');
  });

  it('labels axis ticks with one format per axis and enough digits', () => {
    expect(formatTicks([0.0002, 0.0004, 0.0006], 0.0002)).toEqual(['2e-4', '4e-4', '6e-4']);
    expect(formatTicks([0.5, 0.6, 0.7], 0.1)).toEqual(['0.5', '0.6', '0.7']);
    expect(formatTicks([1000, 2000], 1000)).toEqual(['1,000', '2,000']);
    expect(formatTicks([0.0005, 0.001], 0.0005)).toEqual(['0.0005', '0.0010']);
    expect(formatTicks([0.00025, 0.0005, 0.00075, 0.001], 0.00025)).toEqual(['0.00025', '0.00050', '0.00075', '0.00100']);
    expect(formatTicks([0.2, 0.4], 0.2)).toEqual(['0.2', '0.4']);
    expect([1e-6, 1e-4, 0.01, 0.7, 10, null].map(formatLogTick)).toEqual(['1e-6', '1e-4', '0.01', '0.7', '10', '']);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(345 * 1024 * 1024)).toBe('345.0 MiB');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(3_725_000)).toBe('1 h 2 min');
  });

  it('reads sample counts out of plain and rich split descriptions', () => {
    expect(splitEntries({ train: 8000, val: { count: 1000, path: 'v/' }, test: 'external' })).toEqual([
      { name: 'train', count: 8000, details: 8000 },
      { name: 'val', count: 1000, details: { count: 1000, path: 'v/' } },
      { name: 'test', count: null, details: 'external' },
    ]);
  });
});
