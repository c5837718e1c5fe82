/**
 * Schemas of the answers, for the OpenAPI document only (answers are serialised as they are). Each
 * entity schema must list exactly the keys of its type in src/core/entities.ts, so a field added
 * there fails the typecheck here until it is documented.
 */
import { z } from 'zod';
import {
  EXPERIMENT_STATUSES,
  MODEL_VERSION_STATUSES,
  RUN_STATUSES,
  type Dataset,
  type Experiment,
  type ExperimentMembership,
  type RunInput,
  type LatestMetric,
  type RunHyperparameter,
  type HealthReport,
  type MetricBucket,
  type MetricPoint,
  type MetricSummary,
  type Model,
  type ModelVersion,
  type Prediction,
  type PredictionAggregate,
  type PredictionStats,
  type PredictionStatsBucket,
  type PredictionStatsSeries,
  type RegistryEvent,
  type Statistics,
  type TrainingRun,
} from '../entities.js';
import { jsonObjectSchema, jsonValueSchema, tagsSchema } from '../schemas.js';

/** An object schema with exactly the keys of T. */
function entity<T>() {
  return <S extends { [K in keyof T]-?: z.ZodType }>(shape: S & Record<Exclude<keyof S, keyof T>, never>) => z.object(shape);
}

const time = z.iso.datetime().describe('ISO-8601 time');
const nullableTime = time.nullable();
const id = z.number().int().positive();
const nullableId = id.nullable();
const text = z.string().nullable();
const count = z.number().int().min(0);
/** Metric steps may be negative (docs/decisions/0910). */
const step = z.number().int();
/** A double; NaN and ±Infinity travel as strings. */
const metricValue = z.union([z.number(), z.literal(['NaN', 'Infinity', '-Infinity'])]);

export const modelResponse = entity<Model>()({
  id,
  name: z.string(),
  description: text,
  framework: text,
  task: text,
  architecture: text,
  tags: tagsSchema,
  metadata: jsonObjectSchema,
  latestVersion: count,
  aliases: z.record(z.string(), z.number().int().positive()),
  deletedAt: nullableTime,
  createdAt: time,
  updatedAt: time,
});

export const modelVersionResponse = entity<ModelVersion>()({
  id,
  modelId: id,
  version: z.number().int().positive(),
  description: text,
  checkpointUri: text,
  sizeBytes: count.nullable(),
  sha256: text,
  config: jsonObjectSchema,
  tags: tagsSchema,
  status: z.enum(MODEL_VERSION_STATUSES),
  trainingRunId: nullableId,
  datasetId: nullableId,
  deletedAt: nullableTime,
  createdAt: time,
  updatedAt: time,
});

export const datasetResponse = entity<Dataset>()({
  id,
  name: z.string(),
  version: z.string(),
  description: text,
  sourceUri: text,
  format: text,
  sampleCount: count.nullable(),
  splits: jsonObjectSchema,
  schema: jsonObjectSchema,
  digest: text,
  metadata: jsonObjectSchema,
  createdAt: time,
  updatedAt: time,
});

const trainingRunShape = {
  id,
  name: text,
  modelId: nullableId,
  modelVersionId: nullableId,
  datasetId: nullableId,
  status: z.enum(RUN_STATUSES),
  config: jsonObjectSchema,
  tags: tagsSchema,
  notes: text,
  error: text,
  startedAt: nullableTime,
  endedAt: nullableTime,
  durationMs: z.number().nullable(),
  deletedAt: nullableTime,
  heartbeatAt: nullableTime,
  heartbeatTimeoutMs: z.number().nullable(),
  createdAt: time,
  updatedAt: time,
};
export const trainingRunResponse = entity<TrainingRun>()(trainingRunShape);
export const experimentRunResponse = trainingRunResponse.extend({ addedAt: time });

export const metricPointResponse = entity<MetricPoint>()({
  runId: id,
  name: z.string(),
  step,
  value: metricValue,
  epoch: count.nullable(),
  timestamp: time,
});

/** GET /runs/:id/metrics?format=columns (decision 1300; decoded by decodeMetricHistoryColumns). */
export const metricHistoryColumnsResponse = z.object({
  runId: id,
  segments: z
    .array(
      z.object({
        name: z.string(),
        step: z.array(z.number().int()).describe('the first step, then each point\'s difference from the one before'),
        value: z.string().describe('the values as IEEE-754 doubles, little-endian, in base64 (NaN and ±Infinity included)'),
        epoch: z.array(count.nullable()).nullable().describe('null when no point of the segment has an epoch'),
        timestamp: z.array(z.number().int()).describe('the first time (epoch milliseconds), then each point\'s difference from the one before'),
      }),
    )
    .describe('consecutive points of one series each, in name then step order; a long series may come as several segments'),
});

export const metricSummaryResponse = entity<MetricSummary>()({
  runId: id,
  name: z.string(),
  lastValue: metricValue,
  lastStep: step,
  lastTimestamp: time,
  min: z.number().nullable(),
  max: z.number().nullable(),
  count,
});

export const latestMetricResponse = entity<LatestMetric>()({
  runId: id,
  name: z.string(),
  value: metricValue,
  step,
});

export const metricBucketResponse = entity<MetricBucket>()({
  stepStart: step,
  stepEnd: step,
  min: z.number().nullable(),
  max: z.number().nullable(),
  last: metricValue,
  lastStep: step,
  count,
});

export const metricSeriesBucketsResponse = z.object({
  series: z.array(
    z.object({
      runId: id,
      name: z.string(),
      stepStart: z.array(step),
      stepEnd: z.array(step),
      min: z.array(z.number().nullable()),
      max: z.array(z.number().nullable()),
      last: z.array(metricValue),
      lastStep: z.array(step),
      count: z.array(count),
    }),
  ),
});

export const experimentResponse = entity<Experiment>()({
  id,
  name: z.string(),
  description: text,
  hypothesis: text,
  status: z.enum(EXPERIMENT_STATUSES),
  tags: tagsSchema,
  artifactLocation: text,
  deletedAt: nullableTime,
  createdAt: time,
  updatedAt: time,
});

export const predictionResponse = entity<Prediction>()({
  id,
  modelVersionId: id,
  input: jsonValueSchema,
  output: jsonValueSchema,
  groundTruth: jsonValueSchema.nullable(),
  confidence: z.number().nullable(),
  latencyMs: z.number().nullable(),
  timestamp: time,
  metadata: jsonObjectSchema,
  key: z.string().nullable(),
});

const nullableNumber = z.number().nullable();
const predictionAggregateShape = {
  count,
  errorCount: count,
  latency: z.object({ count, mean: nullableNumber, p50: nullableNumber, p95: nullableNumber, p99: nullableNumber, max: nullableNumber }),
  confidence: z.object({ count, mean: nullableNumber, histogram: z.array(count) }),
  labelled: count,
  correct: count,
  accuracy: nullableNumber,
};
const predictionAggregateResponse = entity<PredictionAggregate>()(predictionAggregateShape);
const predictionStatsBucketResponse = entity<PredictionStatsBucket>()({ start: time, end: time, ...predictionAggregateShape });
const predictionStatsSeriesResponse = entity<PredictionStatsSeries>()({
  modelVersionId: nullableId,
  buckets: z.array(predictionStatsBucketResponse),
  total: predictionAggregateResponse,
});
export const predictionStatsResponse = entity<PredictionStats>()({
  since: time,
  until: time,
  bucketMs: count,
  bucket: z.string(),
  quantileError: z.number(),
  accuracyField: text,
  series: z.array(predictionStatsSeriesResponse),
});

const countsOf = <const K extends readonly string[]>(keys: K) =>
  z.object(Object.fromEntries(keys.map((key) => [key, count])) as Record<K[number], typeof count>);

export const statisticsResponse = entity<Statistics>()({
  counts: entity<Statistics['counts']>()({
    models: count,
    modelVersions: count,
    datasets: count,
    trainingRuns: count,
    hyperparameters: count,
    metricPoints: count,
    metricSeries: count,
    experiments: count,
    predictions: count,
  }),
  runsByStatus: countsOf(RUN_STATUSES),
  modelVersionsByStatus: countsOf(MODEL_VERSION_STATUSES),
  latest: entity<Statistics['latest']>()({
    modelCreatedAt: nullableTime,
    runCreatedAt: nullableTime,
    runUpdatedAt: nullableTime,
    predictionAt: nullableTime,
  }),
});

export const healthResponse = entity<HealthReport>()({
  backend: z.enum(['sqlite', 'postgresql', 'mysql', 'http']),
  serverVersion: z.string(),
  schemaVersion: z.string().nullable(),
  latestSchemaVersion: z.string(),
});

export const writeResultResponse = z.object({ written: count.describe('how many items were stored') });
export const hyperparametersResponse = z.record(z.string(), jsonValueSchema);
export const runHyperparameterResponse = entity<RunHyperparameter>()({ runId: id, name: z.string(), value: jsonValueSchema });

/** A page of a list answer. */
export const pageOf = (item: z.ZodType) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last') });

/** The body of every failed request. */
export const errorResponse = z.object({
  error: z.object({
    code: z.enum([
      'validation_failed',
      'not_found',
      'conflict',
      'illegal_transition',
      'schema_outdated',
      'backend_error',
      'unauthorized',
      'forbidden',
      'payload_too_large',
      'integrity_failed',
    ]),
    message: z.string(),
    field: z.string().optional().describe('the input field the error is about, as a dotted path'),
    entity: z.string().optional().describe('for not_found: the kind of entity'),
  }),
});

export const runInputResponse = entity<RunInput>()({
  runId: id,
  datasetId: id,
  context: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  loggedAt: time,
});

export const experimentMembershipResponse = entity<ExperimentMembership>()({
  runId: id,
  experimentId: id,
  addedAt: time,
});

/** One hit of the full-text search. */
export const textSearchHitResponse = z.object({
  entity: z.enum(['run', 'model', 'experiment', 'dataset']),
  id: z.number().int().positive(),
  name: z.string(),
  score: z.number(),
  snippet: z.string(),
});

export const registryEventResponse = entity<RegistryEvent>()({
  id,
  modelId: id,
  version: z.number().int().nullable(),
  kind: z.enum(['stage', 'alias']),
  alias: text,
  from: text,
  to: text,
  actor: text,
  at: time,
});

/** What a purge (`collectGarbage`) removed, or would remove with dryRun. */
export const gcReportResponse = z.object({
  dryRun: z.boolean(),
  deletedBefore: time,
  predictionsBefore: time.nullable(),
  runs: z.number().int().min(0),
  experiments: z.number().int().min(0),
  models: z.number().int().min(0),
  modelVersions: z.number().int().min(0),
  metricPoints: z.number().int().min(0),
  predictions: z.number().int().min(0),
  batches: z.number().int().min(0),
  complete: z.boolean(),
});
