/**
 * The domain vocabulary: what the store returns. Rows never leak out of the store: ids and counts
 * are numbers, times are `Date`s, JSON columns are parsed values, metric values keep NaN/±Infinity.
 */

/** Any value JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };
/** Key/value tags, as MLflow keeps them. */
export type Tags = Record<string, string>;

export const MODEL_VERSION_STATUSES = ['none', 'staging', 'production', 'archived'] as const;
/** Where a model version stands in its promotion lifecycle. */
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'killed'] as const;
/** A training run's lifecycle: `queued → running → completed | failed | killed`. */
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'killed'];

export const EXPERIMENT_STATUSES = ['active', 'completed', 'archived'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export interface Model {
  id: number;
  name: string;
  description: string | null;
  framework: string | null;
  task: string | null;
  architecture: string | null;
  tags: Tags;
  metadata: JsonObject;
  /** The highest version number ever assigned (0 when none); deleted versions keep their number. */
  latestVersion: number;
  /** Named pointers at versions (`champion` → 3); an alias names one version of this model at a time. */
  aliases: Record<string, number>;
  /** When it was soft-deleted (hidden from lists, restorable until `aimdb gc` purges it); null while active. */
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ModelVersion {
  id: number;
  modelId: number;
  /** 1, 2, 3 … per model, assigned by the store. */
  version: number;
  description: string | null;
  checkpointUri: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  config: JsonObject;
  tags: Tags;
  status: ModelVersionStatus;
  trainingRunId: number | null;
  datasetId: number | null;
  /** When it was soft-deleted (hidden from lists, restorable until `aimdb gc` purges it); null while active. */
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Dataset {
  id: number;
  name: string;
  version: string;
  description: string | null;
  sourceUri: string | null;
  format: string | null;
  sampleCount: number | null;
  /** e.g. `{ train: 8000, val: 1000, test: 1000 }` or richer split descriptions. */
  splits: JsonObject;
  schema: JsonObject;
  digest: string | null;
  metadata: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

export interface TrainingRun {
  id: number;
  name: string | null;
  modelId: number | null;
  modelVersionId: number | null;
  datasetId: number | null;
  status: RunStatus;
  config: JsonObject;
  tags: Tags;
  notes: string | null;
  error: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Set by the store when the run ends: `endedAt - startedAt`. */
  durationMs: number | null;
  /** When the run was soft-deleted (hidden from lists, restorable); null while it is active. */
  deletedAt: Date | null;
  /** The last sign of life of the run (heartbeat, metric or parameter write); null when never seen. */
  heartbeatAt: Date | null;
  /** How long a running run may stay silent before it ends `failed` as lost; null: never judged. */
  heartbeatTimeoutMs: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Hyperparameter {
  runId: number;
  name: string;
  value: JsonValue;
}

export interface MetricPoint {
  runId: number;
  name: string;
  step: number;
  /** May be NaN, Infinity or -Infinity: they round-trip on every backend. */
  value: number;
  epoch: number | null;
  timestamp: Date;
}

/** Kept up to date with every write, so a runs table never scans metric history. */
export interface MetricSummary {
  runId: number;
  name: string;
  /** Value at the highest step. */
  lastValue: number;
  lastStep: number;
  lastTimestamp: Date;
  /** Smallest and largest finite value; null when the series has no finite value. */
  min: number | null;
  max: number | null;
  count: number;
}

/**
 * The latest point of one (run, metric) series: what a runs table shows in a metric column. A
 * projection of {@link MetricSummary}, read from the same per-series rows.
 */
export interface LatestMetric {
  runId: number;
  name: string;
  /** Value at the highest step. */
  value: number;
  step: number;
}

/**
 * One hyperparameter of one run, as a bulk read answers it: what a runs table's hyperparameter
 * column shows for that run.
 */
export interface RunHyperparameter {
  runId: number;
  name: string;
  value: JsonValue;
}

/** One bucket of a downsampled metric history. */
export interface MetricBucket {
  stepStart: number;
  stepEnd: number;
  /** Smallest and largest finite value in the bucket (null when none is finite). */
  min: number | null;
  max: number | null;
  /** Value at the highest step of the bucket. */
  last: number;
  lastStep: number;
  count: number;
}

/** The downsampled history of one (run, metric) series, as a bulk read answers it. */
export interface MetricSeriesBuckets {
  runId: number;
  name: string;
  /** Empty when the run has no such metric (or none in the step range). */
  buckets: MetricBucket[];
}

export interface Experiment {
  id: number;
  name: string;
  description: string | null;
  hypothesis: string | null;
  status: ExperimentStatus;
  tags: Tags;
  /** Where the experiment's artifacts live, when the creator said so. */
  artifactLocation: string | null;
  /** When the experiment was soft-deleted (hidden from lists, restorable); null while it is active. */
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A dataset a run used, in a role (`train`, `eval` …) with tags of its own. Logging the same dataset
 * for a run again updates its role and merges its tags.
 */
export interface RunInput {
  runId: number;
  datasetId: number;
  /** The role of the dataset in the run, e.g. `train`, `eval`, `test`; null when not said. */
  context: string | null;
  tags: Record<string, string>;
  loggedAt: Date;
}

/** One run's membership of one experiment. */
export interface ExperimentMembership {
  runId: number;
  experimentId: number;
  addedAt: Date;
}

/** Which soft-deleted entities a list shows: the active ones (the default), the deleted ones, or both. */
export const LIFECYCLE_VIEWS = ['active', 'deleted', 'all'] as const;
export type LifecycleView = (typeof LIFECYCLE_VIEWS)[number];

/** A training run as a member of an experiment. */
export interface ExperimentRun extends TrainingRun {
  addedAt: Date;
}

export interface Prediction {
  id: number;
  modelVersionId: number;
  input: JsonValue;
  output: JsonValue;
  groundTruth: JsonValue | null;
  confidence: number | null;
  latencyMs: number | null;
  timestamp: Date;
  metadata: JsonObject;
  /** The caller's key (a request id), unique within the model version, or null. */
  key: string | null;
}

/** Aggregates of the predictions of one time bucket (or of a whole window). */
export interface PredictionAggregate {
  count: number;
  /** Predictions whose metadata has a non-null `error` field. */
  errorCount: number;
  latency: {
    /** Predictions with a latency. */
    count: number;
    mean: number | null;
    /** Quantiles of rank ⌊q·(n−1)⌋, within 1 % relative error (PREDICTION_QUANTILE_ERROR). */
    p50: number | null;
    p95: number | null;
    p99: number | null;
    /** Exact. */
    max: number | null;
  };
  confidence: {
    count: number;
    mean: number | null;
    /** Counts in ten bins [0, 0.1), …, [0.9, 1]. */
    histogram: number[];
  };
  /** Predictions with ground truth. */
  labelled: number;
  /** Labelled predictions whose output matched the ground truth. */
  correct: number;
  /** correct / labelled, or null with no labels. */
  accuracy: number | null;
}

/** One bucket of a statistics series: [start, end). */
export interface PredictionStatsBucket extends PredictionAggregate {
  start: Date;
  end: Date;
}

/** The statistics of one version (or of a model's or all versions merged: modelVersionId null). */
export interface PredictionStatsSeries {
  modelVersionId: number | null;
  /** Non-empty buckets, oldest first. */
  buckets: PredictionStatsBucket[];
  /** The whole window. */
  total: PredictionAggregate;
}

/** What `getPredictionStats` answers. */
export interface PredictionStats {
  /** The window actually covered: the asked one widened to whole buckets. */
  since: Date;
  until: Date;
  /** Width of a bucket in milliseconds, and its name when it is a minute, an hour or a day. */
  bucketMs: number;
  bucket: string;
  /** Relative error bound of the latency quantiles. */
  quantileError: number;
  accuracyField: string | null;
  series: PredictionStatsSeries[];
}

export interface Statistics {
  counts: {
    models: number;
    modelVersions: number;
    datasets: number;
    trainingRuns: number;
    hyperparameters: number;
    metricPoints: number;
    metricSeries: number;
    experiments: number;
    predictions: number;
  };
  runsByStatus: Record<RunStatus, number>;
  modelVersionsByStatus: Record<ModelVersionStatus, number>;
  /** Newest activity per entity kind (null when there is none). */
  latest: {
    modelCreatedAt: Date | null;
    runCreatedAt: Date | null;
    runUpdatedAt: Date | null;
    predictionAt: Date | null;
  };
}

/** What full-text search finds. */
export type TextSearchEntity = 'run' | 'model' | 'experiment' | 'dataset';

/** One full-text match: the entity, its name, how well it matched, and the text around the match. */
export interface TextSearchHit {
  entity: TextSearchEntity;
  id: number;
  name: string;
  /** Higher is better; comparable within one answer only (each backend ranks its own way). */
  score: number;
  /** The matched text around the first word found (lower-cased, as indexed). */
  snippet: string;
}

/** A page of a list; pass `nextCursor` back as `cursor` for the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a batch write stored. */
export interface WriteResult {
  written: number;
}

/** What `health()` reports about the database behind an AiDatabase. */
export interface HealthReport {
  backend: BackendName | 'http';
  serverVersion: string;
  schemaVersion: string | null;
  latestSchemaVersion: string;
}

export const BACKEND_NAMES = ['sqlite', 'postgresql', 'mysql'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One change in a model's registry: a version's stage, or an alias moved, set or removed. */
export interface RegistryEvent {
  id: number;
  modelId: number;
  /** The version changed (for an alias: the version it points at now, or pointed at when removed). */
  version: number | null;
  kind: 'stage' | 'alias';
  /** The alias, for an alias event. */
  alias: string | null;
  /** A stage, or a version number as text for an alias; null when there was none. */
  from: string | null;
  to: string | null;
  /** Who: the token's name when the change came through a server with tokens; else what the caller said, or null. */
  actor: string | null;
  at: Date;
}

/** What `collectGarbage` purged (or, with `dryRun`, would purge). */
export interface GcReport {
  dryRun: boolean;
  /** Entities soft-deleted before this moment are purged. */
  deletedBefore: Date;
  /** Predictions made before this moment are purged (null: no prediction retention). */
  predictionsBefore: Date | null;
  runs: number;
  experiments: number;
  models: number;
  /** Versions purged on their own or with their model. */
  modelVersions: number;
  /** Metric points of the purged runs. */
  metricPoints: number;
  /** Predictions of purged versions and predictions past their retention. */
  predictions: number;
  /** Transactions committed (0 for a dry run). */
  batches: number;
  /** False when `maxBatches` stopped the call before everything was purged. */
  complete: boolean;
}
