/**
 * Turning REST answers back into entities, for the HTTP client and the dashboard alike: ISO strings
 * become Dates and the strings "NaN", "Infinity", "-Infinity" become numbers again. Each entity is
 * decoded field by field (not with a blanket JSON reviver), so user JSON such as a prediction input
 * that happens to hold a `timestamp` key or the string "NaN" arrives exactly as it was stored.
 */
import type {
  Dataset,
  Experiment,
  GcReport,
  RegistryEvent,
  ExperimentMembership,
  RunInput,
  ExperimentRun,
  MetricBucket,
  MetricPoint,
  MetricSeriesBuckets,
  MetricSummary,
  LatestMetric,
  RunHyperparameter,
  Model,
  ModelVersion,
  Page,
  Prediction,
  PredictionAggregate,
  PredictionStats,
  Statistics,
  TrainingRun,
} from './entities.js';

/** How a domain type travels as JSON: Dates as ISO strings, metric numbers possibly as strings. */
export type Wire<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] extends number ? number | string : T[K];
};

/** A wire date (ISO string or epoch milliseconds) as a Date. */
export function decodeDate(value: string | number): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a date: ${String(value)}`);
  return date;
}

export function decodeOptionalDate(value: string | number | null | undefined): Date | null {
  return value === null || value === undefined ? null : decodeDate(value);
}

/** A wire number that may be one of the strings JSON cannot hold as a number. */
export function decodeNumber(value: number | string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  const parsed = Number(value);
  if (Number.isNaN(parsed)) throw new TypeError(`not a number: ${value}`);
  return parsed;
}

function decodeOptionalNumber(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : decodeNumber(value);
}

const timestamps = <T extends { createdAt: string; updatedAt: string }>(wire: T) => ({
  createdAt: decodeDate(wire.createdAt),
  updatedAt: decodeDate(wire.updatedAt),
});

export function decodeModel(input: unknown): Model {
  const wire = input as Wire<Model>;
  return {
    ...wire,
    latestVersion: decodeNumber(wire.latestVersion),
    id: decodeNumber(wire.id),
    deletedAt: decodeOptionalDate(wire.deletedAt),
    ...timestamps(wire),
  } as Model;
}

export function decodeModelVersion(input: unknown): ModelVersion {
  const wire = input as Wire<ModelVersion>;
  return {
    ...wire,
    id: decodeNumber(wire.id),
    version: decodeNumber(wire.version),
    deletedAt: decodeOptionalDate(wire.deletedAt),
    ...timestamps(wire),
  } as ModelVersion;
}

export function decodeDataset(input: unknown): Dataset {
  const wire = input as Wire<Dataset>;
  return { ...wire, id: decodeNumber(wire.id), ...timestamps(wire) } as Dataset;
}

export function decodeTrainingRun(input: unknown): TrainingRun {
  const wire = input as Wire<TrainingRun>;
  return {
    ...wire,
    id: decodeNumber(wire.id),
    startedAt: decodeOptionalDate(wire.startedAt),
    endedAt: decodeOptionalDate(wire.endedAt),
    deletedAt: decodeOptionalDate(wire.deletedAt),
    heartbeatAt: decodeOptionalDate(wire.heartbeatAt),
    heartbeatTimeoutMs: decodeOptionalNumber(wire.heartbeatTimeoutMs as number | string | null),
    ...timestamps(wire),
  } as TrainingRun;
}

export function decodeExperimentRun(input: unknown): ExperimentRun {
  const wire = input as Wire<ExperimentRun>;
  return { ...decodeTrainingRun(wire as unknown as Wire<TrainingRun>), addedAt: decodeDate(wire.addedAt) };
}

export function decodeExperiment(input: unknown): Experiment {
  const wire = input as Wire<Experiment>;
  return { ...wire, id: decodeNumber(wire.id), deletedAt: decodeOptionalDate(wire.deletedAt), ...timestamps(wire) } as Experiment;
}

export function decodeRunInput(input: unknown): RunInput {
  const wire = input as Wire<RunInput>;
  return { runId: decodeNumber(wire.runId), datasetId: decodeNumber(wire.datasetId), context: wire.context, tags: wire.tags, loggedAt: decodeDate(wire.loggedAt) };
}

export function decodeExperimentMembership(input: unknown): ExperimentMembership {
  const wire = input as Wire<ExperimentMembership>;
  return { runId: decodeNumber(wire.runId), experimentId: decodeNumber(wire.experimentId), addedAt: decodeDate(wire.addedAt) };
}

export function decodeMetricPoint(input: unknown): MetricPoint {
  const wire = input as Wire<MetricPoint>;
  return {
    runId: decodeNumber(wire.runId),
    name: wire.name,
    step: decodeNumber(wire.step),
    value: decodeNumber(wire.value),
    epoch: decodeOptionalNumber(wire.epoch as number | string | null),
    timestamp: decodeDate(wire.timestamp),
  };
}

export function decodeMetricSummary(input: unknown): MetricSummary {
  const wire = input as Wire<MetricSummary>;
  return {
    runId: decodeNumber(wire.runId),
    name: wire.name,
    lastValue: decodeNumber(wire.lastValue),
    lastStep: decodeNumber(wire.lastStep),
    lastTimestamp: decodeDate(wire.lastTimestamp),
    min: decodeOptionalNumber(wire.min as number | string | null),
    max: decodeOptionalNumber(wire.max as number | string | null),
    count: decodeNumber(wire.count),
  };
}

export function decodeLatestMetric(input: unknown): LatestMetric {
  const wire = input as Wire<LatestMetric>;
  return { runId: decodeNumber(wire.runId), name: wire.name, value: decodeNumber(wire.value), step: decodeNumber(wire.step) };
}

/** One row of a bulk hyperparameter read; the value is the logged JSON, untouched. */
export function decodeRunHyperparameter(input: unknown): RunHyperparameter {
  const wire = input as Wire<RunHyperparameter>;
  return { runId: decodeNumber(wire.runId), name: wire.name, value: wire.value };
}

/** How a bulk bucket read travels: one array per bucket field, per series (entry i of each is bucket i). */
export interface WireMetricSeriesBuckets {
  series: Array<{
    runId: number;
    name: string;
    stepStart: number[];
    stepEnd: number[];
    min: Array<number | null>;
    max: Array<number | null>;
    last: Array<number | string>;
    lastStep: number[];
    count: number[];
  }>;
}

export function decodeMetricSeriesBuckets(input: unknown): MetricSeriesBuckets[] {
  const wire = input as WireMetricSeriesBuckets;
  return wire.series.map((series) => {
    const buckets: MetricBucket[] = new Array(series.stepStart.length);
    for (let index = 0; index < buckets.length; index++) {
      buckets[index] = {
        stepStart: series.stepStart[index]!,
        stepEnd: series.stepEnd[index]!,
        min: series.min[index]!,
        max: series.max[index]!,
        last: decodeNumber(series.last[index]!),
        lastStep: series.lastStep[index]!,
        count: series.count[index]!,
      };
    }
    return { runId: series.runId, name: series.name, buckets };
  });
}

export function decodeMetricBucket(input: unknown): MetricBucket {
  const wire = input as Wire<MetricBucket>;
  return {
    stepStart: decodeNumber(wire.stepStart),
    stepEnd: decodeNumber(wire.stepEnd),
    min: decodeOptionalNumber(wire.min as number | string | null),
    max: decodeOptionalNumber(wire.max as number | string | null),
    last: decodeNumber(wire.last),
    lastStep: decodeNumber(wire.lastStep),
    count: decodeNumber(wire.count),
  };
}

export function decodePrediction(input: unknown): Prediction {
  const wire = input as Wire<Prediction>;
  return {
    ...wire,
    id: decodeNumber(wire.id),
    confidence: decodeOptionalNumber(wire.confidence as number | string | null),
    latencyMs: decodeOptionalNumber(wire.latencyMs as number | string | null),
    timestamp: decodeDate(wire.timestamp),
    key: wire.key ?? null,
  } as Prediction;
}

const decodeAggregate = <T extends PredictionAggregate>(wire: T): T => wire;

/** Prediction statistics: dates at the top and in every bucket. */
export function decodePredictionStats(input: unknown): PredictionStats {
  const wire = input as Omit<PredictionStats, 'since' | 'until' | 'series'> & {
    since: string;
    until: string;
    series: Array<{ modelVersionId: number | null; total: PredictionAggregate; buckets: Array<PredictionAggregate & { start: string; end: string }> }>;
  };
  return {
    ...wire,
    since: decodeDate(wire.since),
    until: decodeDate(wire.until),
    series: wire.series.map((series) => ({
      modelVersionId: series.modelVersionId,
      total: decodeAggregate(series.total),
      buckets: series.buckets.map((bucket) => ({ ...decodeAggregate(bucket), start: decodeDate(bucket.start), end: decodeDate(bucket.end) })),
    })),
  } as PredictionStats;
}

/** Statistics nest their dates one level down. */
export interface WireStatistics extends Omit<Statistics, 'latest'> {
  latest: Record<keyof Statistics['latest'], string | null>;
}

export function decodeStatistics(input: unknown): Statistics {
  const wire = input as WireStatistics;
  return {
    ...wire,
    latest: {
      modelCreatedAt: decodeOptionalDate(wire.latest.modelCreatedAt),
      runCreatedAt: decodeOptionalDate(wire.latest.runCreatedAt),
      runUpdatedAt: decodeOptionalDate(wire.latest.runUpdatedAt),
      predictionAt: decodeOptionalDate(wire.latest.predictionAt),
    },
  };
}

/** A list answer `{ items, nextCursor }` with each item decoded. */
export function decodePage<T>(input: unknown, decodeItem: (item: unknown) => T): Page<T> {
  const wire = input as { items: unknown[]; nextCursor: string | null };
  return { items: wire.items.map(decodeItem), nextCursor: wire.nextCursor ?? null };
}

/** A JSON array answer with each item decoded. */
export function decodeArray<T>(input: unknown, decodeItem: (item: unknown) => T): T[] {
  return (input as unknown[]).map(decodeItem);
}

export function decodeGcReport(input: unknown): GcReport {
  const wire = input as Wire<GcReport>;
  return { ...wire, deletedBefore: decodeDate(wire.deletedBefore), predictionsBefore: decodeOptionalDate(wire.predictionsBefore) } as GcReport;
}

export function decodeRegistryEvent(input: unknown): RegistryEvent {
  const wire = input as Wire<RegistryEvent>;
  return { ...wire, id: decodeNumber(wire.id), modelId: decodeNumber(wire.modelId), at: decodeDate(wire.at) } as RegistryEvent;
}

/**
 * A metric history in columns (GET /runs/:id/metrics?format=columns, decision 1300): segments of
 * consecutive points of one series, in name then step order (a long series may come as several
 * segments). `step` and `timestamp` hold the first value, then each point's difference from the
 * one before; `value` is the doubles' IEEE-754 bits, little-endian, in base64 (exact, NaN and
 * ±Infinity included); `epoch` is null when no point of the segment has one.
 */
export interface WireMetricHistorySegment {
  name: string;
  step: number[];
  value: string;
  epoch: Array<number | null> | null;
  timestamp: number[];
}
export interface WireMetricHistoryColumns {
  runId: number;
  segments: WireMetricHistorySegment[];
}

/** Node's Buffer where there is one: its base64 decoder is native, Node's `atob` is not (and slow). */
const nodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer;

/** The bytes of a base64 text (Buffer in Node, atob in browsers). */
function base64Bytes(text: string): Uint8Array {
  if (nodeBuffer !== undefined) return nodeBuffer.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** The points of a columnar history answer, in the order they were sent. */
export function decodeMetricHistoryColumns(input: unknown): MetricPoint[] {
  const wire = input as WireMetricHistoryColumns;
  const runId = decodeNumber(wire.runId);
  const points: MetricPoint[] = [];
  for (const segment of wire.segments) {
    const count = segment.step.length;
    const bytes = base64Bytes(segment.value);
    if (segment.timestamp.length !== count || bytes.length !== count * 8 || (segment.epoch !== null && segment.epoch.length !== count)) {
      throw new Error(`a history segment of '${segment.name}' has columns of different lengths`);
    }
    const values = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let step = 0;
    let time = 0;
    for (let index = 0; index < count; index++) {
      step += segment.step[index]!;
      time += segment.timestamp[index]!;
      points.push({
        runId,
        name: segment.name,
        step,
        value: values.getFloat64(index * 8, true),
        epoch: segment.epoch === null ? null : segment.epoch[index]!,
        timestamp: new Date(time),
      });
    }
  }
  return points;
}
