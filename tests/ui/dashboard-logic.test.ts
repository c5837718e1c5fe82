/** The dashboard's table, comparison and statistics logic, apart from React. */
import { describe, expect, it } from 'vitest';
import type { LatestMetric, Prediction, TrainingRun } from '../../src/core/entities.js';
import { parameterRows } from '../../src/ui/lib/differences.js';
import { formatBytes, formatDuration, formatLogTick, formatMetric, formatTicks } from '../../src/ui/lib/format.js';
import { latencyPercentilesOverTime, percentile, predictionsPerHour } from '../../src/ui/lib/percentiles.js';
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
      hyperparameters: new Map<number, Record<string, number | string>>([
        [1, { lr: 0.1, opt: 'adam10' }],
        [2, { lr: 0.01, opt: 'adam9' }],
        [3, { lr: 'auto', opt: 'sgd' }],
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

describe('latency percentiles', () => {
  it('interpolates between ranks', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5, 10);
  });

  const prediction = (minute: number, latencyMs: number | null): Prediction => ({
    id: minute,
    modelVersionId: 1,
    input: null,
    output: null,
    groundTruth: null,
    confidence: null,
    latencyMs,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)),
    metadata: {},
  });

  it('groups predictions into round intervals and ignores those without latency', () => {
    const predictions = [prediction(0, 10), prediction(1, 20), prediction(90, 100), prediction(91, null)];
    const summary = latencyPercentilesOverTime(predictions, 4);
    expect(summary.intervalMs).toBe(30 * 60_000);
    expect(summary.buckets.map((bucket) => bucket.count)).toEqual([2, 0, 0, 1]);
    expect(summary.buckets[1]!.p99).toBeNull();
    expect(summary.buckets[0]!.p50).toBe(15);
    expect(summary.overall.count).toBe(3);
    expect(summary.overall.p50).toBe(20);
  });

  it('counts predictions per hour over the day ending at the newest one', () => {
    const end = new Date(Date.UTC(2026, 0, 1, 23, 30));
    const hours = predictionsPerHour([prediction(0, 1), prediction(5, 1), prediction(23 * 60 + 10, 1)], end);
    expect(hours).toHaveLength(24);
    expect(hours[0]!.count).toBe(2);
    expect(hours[23]!.count).toBe(1);
  });
});

describe('formatting', () => {
  it('spells out non-finite metrics and keeps a readable precision', () => {
    expect(formatMetric(Number.NaN)).toBe('NaN');
    expect(formatMetric(Number.NEGATIVE_INFINITY)).toBe('−∞');
    expect(formatMetric(0.123456789)).toBe('0.12346');
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
