/**
 * Turning JSON answers back into entities: ISO strings become `Date`s and the strings "NaN",
 * "Infinity", "-Infinity" become numbers again. Only the fields the entity types declare are
 * touched, so user JSON (metadata, config, prediction input) that happens to hold a date-like string
 * comes back exactly as it was stored.
 */
import type {
  Dataset,
  Experiment,
  ExperimentRun,
  MetricBucket,
  MetricPoint,
  MetricSummary,
  Model,
  ModelVersion,
  Page,
  Prediction,
  Statistics,
  TrainingRun,
} from '../core/entities.js';

type Wire<T> = { [K in keyof T]: unknown };

function toDate(value: unknown): Date {
  return new Date(value as string);
}

function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as string);
}

/** A metric value from the wire: a number, or one of the strings JSON needs for non-finite doubles. */
export function decodeMetricValue(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function withTimes<T>(wire: unknown, fields: readonly string[], nullable: readonly string[] = []): T {
  const entity = { ...(wire as Record<string, unknown>) };
  for (const field of fields) entity[field] = toDate(entity[field]);
  for (const field of nullable) entity[field] = toNullableDate(entity[field]);
  return entity as T;
}

const CREATED_UPDATED = ['createdAt', 'updatedAt'] as const;

export const decodeModel = (wire: unknown): Model => withTimes<Model>(wire, CREATED_UPDATED);
export const decodeModelVersion = (wire: unknown): ModelVersion => withTimes<ModelVersion>(wire, CREATED_UPDATED);
export const decodeDataset = (wire: unknown): Dataset => withTimes<Dataset>(wire, CREATED_UPDATED);
export const decodeTrainingRun = (wire: unknown): TrainingRun =>
  withTimes<TrainingRun>(wire, CREATED_UPDATED, ['startedAt', 'endedAt']);
export const decodeExperiment = (wire: unknown): Experiment => withTimes<Experiment>(wire, CREATED_UPDATED);
export const decodeExperimentRun = (wire: unknown): ExperimentRun =>
  withTimes<ExperimentRun>(wire, [...CREATED_UPDATED, 'addedAt'], ['startedAt', 'endedAt']);
export const decodePrediction = (wire: unknown): Prediction => withTimes<Prediction>(wire, ['timestamp']);

export function decodeMetricPoint(wire: unknown): MetricPoint {
  const point = wire as Wire<MetricPoint>;
  return {
    runId: point.runId as number,
    name: point.name as string,
    step: point.step as number,
    value: decodeMetricValue(point.value),
    epoch: point.epoch as number | null,
    timestamp: toDate(point.timestamp),
  };
}

export function decodeMetricSummary(wire: unknown): MetricSummary {
  const summary = wire as Wire<MetricSummary>;
  return {
    runId: summary.runId as number,
    name: summary.name as string,
    lastValue: decodeMetricValue(summary.lastValue),
    lastStep: summary.lastStep as number,
    lastTimestamp: toDate(summary.lastTimestamp),
    min: summary.min as number | null,
    max: summary.max as number | null,
    count: summary.count as number,
  };
}

export function decodeMetricBucket(wire: unknown): MetricBucket {
  const bucket = wire as Wire<MetricBucket>;
  return { ...(bucket as MetricBucket), last: decodeMetricValue(bucket.last) };
}

export function decodeStatistics(wire: unknown): Statistics {
  const statistics = wire as Statistics;
  const latest = statistics.latest as Wire<Statistics['latest']>;
  return {
    ...statistics,
    latest: {
      modelCreatedAt: toNullableDate(latest.modelCreatedAt),
      runCreatedAt: toNullableDate(latest.runCreatedAt),
      runUpdatedAt: toNullableDate(latest.runUpdatedAt),
      predictionAt: toNullableDate(latest.predictionAt),
    },
  };
}

/** A list answer `{ items, nextCursor }` with each item decoded. */
export function decodePage<T>(wire: unknown, decodeItem: (item: unknown) => T): Page<T> {
  const page = wire as { items: unknown[]; nextCursor: string | null };
  return { items: page.items.map(decodeItem), nextCursor: page.nextCursor ?? null };
}

/** A JSON array answer with each item decoded. */
export function decodeArray<T>(wire: unknown, decodeItem: (item: unknown) => T): T[] {
  return (wire as unknown[]).map(decodeItem);
}
