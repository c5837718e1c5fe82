/** The dashboard turns REST answers back into domain types: Dates, and NaN/±Infinity from their strings. */
import { describe, expect, it } from 'vitest';
import {
  decodeMetricBucket,
  decodeMetricSummary,
  decodeNumber,
  decodePrediction,
  decodeStatistics,
  decodeTrainingRun,
} from '../../src/ui/api/decode.js';
import { apiUrl } from '../../src/ui/api/http.js';

describe('wire decoding', () => {
  it('reads the three non-finite spellings and plain numbers', () => {
    expect(decodeNumber('NaN')).toBeNaN();
    expect(decodeNumber('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(decodeNumber('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeNumber(1.5)).toBe(1.5);
    expect(() => decodeNumber('banana')).toThrow(TypeError);
  });

  it('decodes a run with its dates', () => {
    const run = decodeTrainingRun({
      id: 3,
      name: 'r',
      modelId: null,
      modelVersionId: null,
      datasetId: null,
      status: 'running',
      config: { lr: 0.1 },
      tags: {},
      notes: null,
      error: null,
      startedAt: '2026-11-26T04:45:17.564Z',
      endedAt: null,
      durationMs: null,
      createdAt: '2026-11-26T04:45:17.000Z',
      updatedAt: '2026-11-26T04:45:18.000Z',
    });
    expect(run.startedAt).toEqual(new Date('2026-11-26T04:45:17.564Z'));
    expect(run.endedAt).toBeNull();
    expect(run.config).toEqual({ lr: 0.1 });
  });

  it('decodes summaries and buckets holding non-finite values', () => {
    const summary = decodeMetricSummary({
      runId: 1,
      name: 'loss',
      lastValue: 'NaN',
      lastStep: 12,
      lastTimestamp: '2026-11-26T00:00:00.000Z',
      min: 0.5,
      max: null,
      count: 3,
    });
    expect(summary.lastValue).toBeNaN();
    expect(summary.lastTimestamp).toEqual(new Date('2026-11-26T00:00:00.000Z'));
    const bucket = decodeMetricBucket({ stepStart: 0, stepEnd: 4, min: null, max: null, last: '-Infinity', lastStep: 4, count: 5 });
    expect(bucket.last).toBe(Number.NEGATIVE_INFINITY);
  });

  it('leaves user JSON in predictions untouched, even keys that look like dates or NaN', () => {
    const prediction = decodePrediction({
      id: 1,
      modelVersionId: 2,
      input: { timestamp: '2026-01-01T00:00:00.000Z', value: 'NaN' },
      output: 'NaN',
      groundTruth: null,
      confidence: 0.9,
      latencyMs: 12,
      timestamp: '2026-11-26T01:00:00.000Z',
      metadata: {},
    });
    expect(prediction.input).toEqual({ timestamp: '2026-01-01T00:00:00.000Z', value: 'NaN' });
    expect(prediction.output).toBe('NaN');
    expect(prediction.timestamp).toEqual(new Date('2026-11-26T01:00:00.000Z'));
  });

  it('decodes the nested dates of statistics', () => {
    const statistics = decodeStatistics({
      counts: { models: 1, modelVersions: 0, datasets: 0, trainingRuns: 0, hyperparameters: 0, metricPoints: 0, metricSeries: 0, experiments: 0, predictions: 0 },
      runsByStatus: { queued: 0, running: 0, completed: 0, failed: 0, killed: 0 },
      modelVersionsByStatus: { none: 0, staging: 0, production: 0, archived: 0 },
      latest: { modelCreatedAt: '2026-11-26T00:00:00.000Z', runCreatedAt: null, runUpdatedAt: null, predictionAt: null },
    });
    expect(statistics.latest.modelCreatedAt).toEqual(new Date('2026-11-26T00:00:00.000Z'));
    expect(statistics.latest.predictionAt).toBeNull();
  });

  it('builds API URLs without empty parameters and with ISO dates', () => {
    expect(apiUrl('/api/v1/runs', { limit: 10, cursor: null, status: '', since: new Date('2026-11-26T00:00:00.000Z') })).toBe(
      '/api/v1/runs?limit=10&since=2026-11-26T00%3A00%3A00.000Z',
    );
  });
});
