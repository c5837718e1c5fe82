/**
 * Rows become entities here and only here: snake_case columns, numeric strings, JSON text and the
 * NaN/±Infinity encoding never leak out of the store.
 */
import type {
  Dataset,
  Experiment,
  ExperimentStatus,
  JsonObject,
  JsonValue,
  MetricSummary,
  Model,
  ModelVersion,
  ModelVersionStatus,
  Prediction,
  RunStatus,
  Tags,
  TrainingRun,
} from '../../core/entities.js';
import type { Selectable } from 'kysely';
import type {
  DatasetsTable,
  ExperimentsTable,
  MetricSummariesTable,
  ModelsTable,
  ModelVersionsTable,
  PredictionsTable,
  TrainingRunsTable,
  ValueKind,
} from './tables.js';

export const toJsonText = (value: unknown): string => JSON.stringify(value);

export function fromJsonText<T extends JsonValue>(text: unknown): T {
  if (typeof text !== 'string') return (text ?? null) as T;
  return JSON.parse(text) as T;
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(Number(value)));

/**
 * A double as every backend stores it: -0 becomes 0, because SQLite (which keeps integral REALs as
 * integers) and MariaDB cannot keep the sign of zero, and JSON cannot carry it over HTTP.
 * Every other finite double is stored with its exact bits (docs/decisions/0110-exact-doubles.md).
 */
export function storedDouble<T extends number | null>(value: T): T {
  return (value === 0 ? 0 : value) as T;
}

/** Stores a double so that NaN and ±Infinity survive on every backend (MySQL and SQLite cannot hold them). */
export function encodeDouble(value: number): { value: number | null; kind: ValueKind } {
  if (Number.isFinite(value)) return { value: storedDouble(value), kind: 0 };
  if (Number.isNaN(value)) return { value: null, kind: 1 };
  return { value: null, kind: value > 0 ? 2 : 3 };
}

export function decodeDouble(value: unknown, kind: unknown): number {
  switch (Number(kind)) {
    case 1:
      return Number.NaN;
    case 2:
      return Number.POSITIVE_INFINITY;
    case 3:
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(value);
  }
}

export function toModel(row: Selectable<ModelsTable>): Model {
  return {
    id: num(row.id),
    name: row.name,
    description: row.description,
    framework: row.framework,
    task: row.task,
    architecture: row.architecture,
    tags: fromJsonText<Tags>(row.tags),
    metadata: fromJsonText<JsonObject>(row.metadata),
    latestVersion: num(row.latest_version),
    aliases: {},
    deletedAt: dateOrNull(row.deleted_at),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

export function toModelVersion(row: Selectable<ModelVersionsTable>): ModelVersion {
  return {
    id: num(row.id),
    modelId: num(row.model_id),
    version: num(row.version),
    description: row.description,
    checkpointUri: row.checkpoint_uri,
    sizeBytes: numOrNull(row.size_bytes),
    sha256: row.sha256,
    config: fromJsonText<JsonObject>(row.config),
    // Versions created before migration 0003 were backfilled with {}; null never leaks out.
    tags: row.tags === null ? {} : fromJsonText<Tags>(row.tags),
    status: row.status as ModelVersionStatus,
    trainingRunId: numOrNull(row.training_run_id),
    datasetId: numOrNull(row.dataset_id),
    deletedAt: dateOrNull(row.deleted_at),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

export function toDataset(row: Selectable<DatasetsTable>): Dataset {
  return {
    id: num(row.id),
    name: row.name,
    version: row.version,
    description: row.description,
    sourceUri: row.source_uri,
    format: row.format,
    sampleCount: numOrNull(row.sample_count),
    splits: fromJsonText<JsonObject>(row.splits),
    schema: fromJsonText<JsonObject>(row.data_schema),
    digest: row.digest,
    metadata: fromJsonText<JsonObject>(row.metadata),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

export function toTrainingRun(row: Selectable<TrainingRunsTable>): TrainingRun {
  return {
    id: num(row.id),
    name: row.name,
    modelId: numOrNull(row.model_id),
    modelVersionId: numOrNull(row.model_version_id),
    datasetId: numOrNull(row.dataset_id),
    status: row.status as RunStatus,
    config: fromJsonText<JsonObject>(row.config),
    tags: fromJsonText<Tags>(row.tags),
    notes: row.notes,
    error: row.error,
    startedAt: dateOrNull(row.started_at),
    endedAt: dateOrNull(row.ended_at),
    durationMs: numOrNull(row.duration_ms),
    deletedAt: dateOrNull(row.deleted_at),
    heartbeatAt: dateOrNull(row.heartbeat_at),
    heartbeatTimeoutMs: numOrNull(row.heartbeat_timeout_ms),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

export function toMetricSummary(row: Selectable<MetricSummariesTable>): MetricSummary {
  return {
    runId: num(row.run_id),
    name: row.name,
    lastValue: decodeDouble(row.last_value, row.last_kind),
    lastStep: num(row.last_step),
    lastTimestamp: new Date(num(row.last_logged_at)),
    min: numOrNull(row.min_value),
    max: numOrNull(row.max_value),
    count: num(row.count),
  };
}

export function toExperiment(row: Selectable<ExperimentsTable>): Experiment {
  return {
    id: num(row.id),
    name: row.name,
    description: row.description,
    hypothesis: row.hypothesis,
    status: row.status as ExperimentStatus,
    tags: fromJsonText<Tags>(row.tags),
    artifactLocation: row.artifact_location,
    deletedAt: dateOrNull(row.deleted_at),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

export function toPrediction(row: Selectable<PredictionsTable>): Prediction {
  return {
    id: num(row.id),
    modelVersionId: num(row.model_version_id),
    input: fromJsonText(row.input),
    output: fromJsonText(row.output),
    groundTruth: row.ground_truth === null ? null : fromJsonText(row.ground_truth),
    confidence: numOrNull(row.confidence),
    latencyMs: numOrNull(row.latency_ms),
    timestamp: new Date(num(row.predicted_at)),
    metadata: fromJsonText<JsonObject>(row.metadata),
    key: row.prediction_key ?? null,
  };
}
