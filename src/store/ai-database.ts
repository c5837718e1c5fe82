/**
 * The one contract. The SQL store and the HTTP client both implement it, and one test suite runs
 * against both. It is composed of small per-aggregate parts, every member required.
 */
import type { Readable } from 'node:stream';
import type {
  ArtifactInfo,
  ArtifactListing,
  ByteRange,
  ListArtifactsOptions,
  LogArtifactOptions,
  OpenArtifactOptions,
} from '../core/artifacts.js';
import type {
  Dataset,
  Experiment,
  GcReport,
  RegistryEvent,
  ExperimentMembership,
  ExperimentRun,
  HealthReport,
  JsonValue,
  LatestMetric,
  RunHyperparameter,
  MetricBucket,
  MetricSeriesBuckets,
  MetricPoint,
  MetricSummary,
  Model,
  ModelVersion,
  Page,
  Prediction,
  RunInput,
  PredictionStats,
  Statistics,
  TextSearchHit,
  TrainingRun,
  WriteResult,
} from '../core/entities.js';
import type {
  CreateDatasetInput,
  CreateExperimentInput,
  CreateModelInput,
  CreateModelVersionInput,
  CreateTrainingRunInput,
  GcOptions,
  ListRegistryEventsQuery,
  RegistryChangeOptions,
  ListDatasetsQuery,
  ListExperimentsQuery,
  ListModelsQuery,
  ListAllModelVersionsQuery,
  ListModelVersionsQuery,
  ListPredictionsQuery,
  ListTrainingRunsQuery,
  LatestMetricsQuery,
  HyperparametersBulkQuery,
  MetricBucketQuery,
  MetricBucketsBulkQuery,
  MetricOptions,
  MetricPointInput,
  MetricQuery,
  MetricWriteOptions,
  PredictionInput,
  RunInputSpec,
  PredictionStatsQuery,
  PredictionExportQuery,
  GroundTruthInput,
  SearchRunsOptions,
  TextSearchOptions,
  UpdateDatasetInput,
  UpdateExperimentInput,
  UpdateModelInput,
  UpdateModelVersionInput,
  UpdateTrainingRunInput,
} from '../core/schemas.js';

/** Models: named, unique, with tags and metadata. `idOrName` accepts a numeric id or the name. */
export interface ModelStore {
  createModel(input: CreateModelInput): Promise<Model>;
  /** @throws NotFoundError */
  getModel(idOrName: number | string): Promise<Model>;
  /** Newest first; `nameContains` is case-insensitive on every backend. */
  listModels(query?: ListModelsQuery): Promise<Page<Model>>;
  updateModel(idOrName: number | string, patch: UpdateModelInput): Promise<Model>;
  /** Deletes the model with its versions and their predictions; runs keep existing, unlinked. */
  deleteModel(idOrName: number | string): Promise<void>;
  /** Sets one tag (adds or replaces it); other tags are untouched, also under concurrent writers. */
  setModelTag(idOrName: number | string, key: string, value: string): Promise<void>;
  /** Deletes one tag; NotFoundError (entity `tag`) when the model has no such tag. */
  deleteModelTag(idOrName: number | string, key: string): Promise<void>;
  /**
   * Points `alias` at a version of the model (moving it if it pointed elsewhere); returns the model
   * with its aliases. @throws NotFoundError when the model or version does not exist.
   */
  setModelAlias(modelIdOrName: number | string, alias: string, version: number, options?: RegistryChangeOptions): Promise<Model>;
  /** Removes an alias; @throws NotFoundError when the model has no such alias. */
  deleteModelAlias(modelIdOrName: number | string, alias: string, options?: RegistryChangeOptions): Promise<Model>;
  /** The version an alias points at. @throws NotFoundError (field `alias`) when there is no such alias. */
  getModelVersionByAlias(modelIdOrName: number | string, alias: string): Promise<ModelVersion>;
  /**
   * The model's registry history, newest first: every stage change (with those archived by
   * `archiveOthers`) and every alias set, moved or removed, with who and when.
   */
  getRegistryEvents(modelIdOrName: number | string, query?: ListRegistryEventsQuery): Promise<Page<RegistryEvent>>;
}

/** Versions of a model, numbered 1, 2, 3 … by the store, safely under concurrent creation. */
export interface ModelVersionStore {
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  /** All versions of a model, oldest first. */
  getModelVersions(modelIdOrName: number | string, query?: ListModelVersionsQuery): Promise<ModelVersion[]>;
  /** Versions across models, newest first, filtered by model, status (one or several), producing run or dataset. */
  listModelVersions(query?: ListAllModelVersionsQuery): Promise<Page<ModelVersion>>;
  /** By id, or by model and version number. */
  getModelVersion(id: number): Promise<ModelVersion>;
  getModelVersionByNumber(modelIdOrName: number | string, version: number): Promise<ModelVersion>;
  updateModelVersion(id: number, patch: UpdateModelVersionInput): Promise<ModelVersion>;
  deleteModelVersion(id: number): Promise<void>;
  /** Sets one tag of a version; other tags are untouched. */
  setModelVersionTag(id: number, key: string, value: string): Promise<void>;
  /** Deletes one tag of a version; NotFoundError (entity `tag`) when there is none. */
  deleteModelVersionTag(id: number, key: string): Promise<void>;
}

/** Datasets, unique by (name, version). */
export interface DatasetStore {
  createDataset(input: CreateDatasetInput): Promise<Dataset>;
  /** By id, or by name and version (the newest version when `version` is omitted). */
  getDataset(idOrName: number | string, version?: string): Promise<Dataset>;
  listDatasets(query?: ListDatasetsQuery): Promise<Page<Dataset>>;
  updateDataset(id: number, patch: UpdateDatasetInput): Promise<Dataset>;
  deleteDataset(id: number): Promise<void>;
}

/** Training runs and their lifecycle `queued → running → completed | failed | killed`. */
export interface TrainingRunStore {
  createTrainingRun(input?: CreateTrainingRunInput): Promise<TrainingRun>;
  /** Status changes are checked against the lifecycle; times and duration are set by the store. */
  updateTrainingRun(id: number, patch: UpdateTrainingRunInput): Promise<TrainingRun>;
  getTrainingRun(id: number): Promise<TrainingRun>;
  /** Newest first. */
  listTrainingRuns(query?: ListTrainingRunsQuery): Promise<Page<TrainingRun>>;
  /** Deletes the run with its hyperparameters, metrics and experiment memberships. */
  deleteTrainingRun(id: number): Promise<void>;
  /**
   * Runs matching a query in the run query language (docs/query-language.md), e.g.
   * `metrics.val_acc > 0.9 and params.lr < 1e-3`, sorted by `orderBy` (e.g. `metrics.val_acc DESC`;
   * missing values last; ties newest first), one keyset page at a time (at most 50,000 runs).
   * The empty query matches every run.
   * @throws ValidationError with `position` (1-based column) when the query or order does not parse.
   */
  searchRuns(query: string, options?: SearchRunsOptions): Promise<Page<TrainingRun>>;
  /** Sets one tag of a run; other tags are untouched, also under concurrent writers. */
  setTrainingRunTag(id: number, key: string, value: string): Promise<void>;
  /** Deletes one tag of a run; NotFoundError (entity `tag`) when there is none. */
  deleteTrainingRunTag(id: number, key: string): Promise<void>;
  /**
   * Records datasets the run used (at most 1,000 per call, atomically). Logging a dataset the run
   * already has updates its role and merges its tags. An input in the role `train` becomes the run's
   * dataset when the run names none.
   */
  logRunInputs(runId: number, inputs: RunInputSpec[]): Promise<void>;
  /** The inputs of these runs (up to 10,000 ids), by run id, then in the order they were logged. */
  getRunInputs(runIds: number[]): Promise<RunInput[]>;
  /**
   * A sign of life of a running run, for code that logs rarely (metric and parameter writes count
   * too). A running run silent for longer than its `heartbeatTimeoutMs` is lost: the next read of it
   * ends it `failed` with the error `heartbeat lost at …`. Answers the run; one that already ended
   * (perhaps as lost) is answered unchanged. @throws NotFoundError
   */
  heartbeat(runId: number): Promise<TrainingRun>;
}

/** Hyperparameters: immutable once logged, values keep their JSON type. */
export interface HyperparameterStore {
  /** Re-logging an identical value is a no-op; a different value is a ConflictError. Atomic. */
  logHyperparameters(runId: number, values: Record<string, JsonValue>): Promise<void>;
  getHyperparameters(runId: number): Promise<Record<string, JsonValue>>;
  /**
   * The hyperparameters of many runs in one call (optionally only `names`), ordered by run id then
   * name; a run without hyperparameters, or one that does not exist, contributes no rows. What a runs
   * table needs to sort or show a hyperparameter column without one request per run.
   */
  getHyperparametersBulk(runIds: number[], query?: HyperparametersBulkQuery): Promise<RunHyperparameter[]>;
}

/** Metric time series, identified by (run, name, step). */
export interface MetricStore {
  /** One point; a thin wrapper over `logMetrics`. */
  logMetric(runId: number, name: string, value: number, options?: MetricOptions): Promise<void>;
  /**
   * A batch of points, atomically. Re-sending a point (same run, name, step) replaces it instead of
   * duplicating it, so retried batches with explicit steps are safe. A batch with omitted steps is
   * safe to re-send when it carries `options.batchId`: the run remembers the id for a day and answers
   * a second batch with that id without storing it again. `{ sameStep: 'keep' }` keeps every distinct
   * value logged at a step instead of replacing it (docs/decisions/0901-several-values-per-step.md).
   */
  logMetrics(runId: number, points: MetricPointInput[], options?: MetricWriteOptions): Promise<WriteResult>;
  /** Raw points ordered by name then step (then timestamp and value, with `allValues`). */
  getMetrics(runId: number, query?: MetricQuery): Promise<MetricPoint[]>;
  /**
   * A downsampled history for charts: at most `buckets` contiguous step ranges in step order, each
   * with its exact min/max/last/count. Short series get equal ranges; long ones (at least four 64-step
   * blocks a bucket) get ranges of whole blocks, within 25 % of each other, read from rollups kept at
   * write time. Each bucket says its `stepStart`/`stepEnd`.
   */
  getMetricBuckets(runId: number, name: string, query: MetricBucketQuery): Promise<MetricBucket[]>;
  /**
   * `getMetricBuckets` for many series in one call: every (run, name) of `runIds` × `names` (in that
   * order; a run without the metric answers an empty list), or each run's metrics whose names start
   * with `namePrefix` (in name order). At most `LIMITS.bulkSeries` series; each series' buckets equal
   * what `getMetricBuckets` answers for it. What a page of charts needs, in one request.
   */
  getMetricBucketsBulk(query: MetricBucketsBulkQuery): Promise<MetricSeriesBuckets[]>;
  /** Per-(run, metric) summaries (last, min, max, count) for one or many runs, without scanning history. */
  getMetricSummaries(runIds: number | number[]): Promise<MetricSummary[]>;
  /**
   * The latest value and step of each metric of one or many runs (optionally only `names`), ordered
   * by run id then name: a runs table's metric columns, reading only what such a table shows.
   */
  getLatestMetrics(runIds: number | number[], query?: LatestMetricsQuery): Promise<LatestMetric[]>;
}

/** Experiments group runs. */
export interface ExperimentStore {
  createExperiment(input: CreateExperimentInput): Promise<Experiment>;
  getExperiment(idOrName: number | string): Promise<Experiment>;
  listExperiments(query?: ListExperimentsQuery): Promise<Page<Experiment>>;
  updateExperiment(idOrName: number | string, patch: UpdateExperimentInput): Promise<Experiment>;
  deleteExperiment(idOrName: number | string): Promise<void>;
  /** Sets one tag of an experiment; other tags are untouched. */
  setExperimentTag(idOrName: number | string, key: string, value: string): Promise<void>;
  /** Deletes one tag of an experiment; NotFoundError (entity `tag`) when there is none. */
  deleteExperimentTag(idOrName: number | string, key: string): Promise<void>;
  /** Idempotent: adding a run twice keeps the first membership. */
  addExperimentRun(experimentId: number, runId: number): Promise<void>;
  removeExperimentRun(experimentId: number, runId: number): Promise<void>;
  /** The experiment's runs, in the order they were added (runs added in the same millisecond by id). */
  getExperimentRuns(experimentId: number): Promise<ExperimentRun[]>;
  /** The experiments each of these runs belongs to, ordered by run id then experiment id. */
  getExperimentMemberships(runIds: number[]): Promise<ExperimentMembership[]>;
}

/** Inference logs. */
export interface PredictionStore {
  logPrediction(input: PredictionInput): Promise<Prediction>;
  /** A batch, atomically. */
  logPredictions(inputs: PredictionInput[]): Promise<WriteResult>;
  /** Newest first. */
  getPredictions(query?: ListPredictionsQuery): Promise<Page<Prediction>>;
  /** One prediction by id, with its full input, output and ground truth. */
  getPrediction(id: number): Promise<Prediction>;
  /**
   * Count, errors, latency p50/p95/p99 (within `quantileError`, 1 %) and max, confidence mean and
   * histogram, and accuracy per time bucket, from rollups kept at write time: for one version, each
   * of several versions side by side (`modelVersionIds`), a model, or everything. The window (default:
   * the last 24 hours) is widened to whole buckets of the UTC grid and returned.
   */
  getPredictionStats(query?: PredictionStatsQuery): Promise<PredictionStats>;
  /**
   * The predictions as CSV (a header, then one line each) or NDJSON (the default), in chunks of text
   * as they are read: newest first within each version of `modelVersionIds` (one after the other),
   * or of everything. The query is checked when called; over HTTP the text streams from one request.
   */
  exportPredictions(query?: PredictionExportQuery): AsyncIterable<string>;
  /** Records the ground truth of a prediction (null removes it); accuracy aggregates follow atomically. */
  recordGroundTruth(predictionId: number, value: JsonValue | null): Promise<Prediction>;
  /** Records the ground truth of the prediction logged with `key` (its request id, say) in a model version. */
  recordGroundTruthByKey(modelVersionId: number, key: string, value: JsonValue | null): Promise<Prediction>;
  /** Ground truth for many predictions, by id or by (modelVersionId, key), atomically. */
  recordGroundTruths(items: GroundTruthInput[]): Promise<WriteResult>;
}

/** Full-text search across runs, models, experiments and datasets (kept current by every write). */
export interface TextSearchStore {
  /**
   * Entities whose names, descriptions, notes or tag values hold every word, best first, each with
   * the text around the match. Words are runs of letters and digits, matched whole and in any case.
   */
  searchText(words: string, options?: TextSearchOptions): Promise<TextSearchHit[]>;
}

/** What `logArtifact` reads: a file's path, bytes in memory, or a stream (read once, to its end). */
export type ArtifactSource = string | Uint8Array | Readable;

/** An artifact opened for reading. */
export interface OpenedArtifact {
  info: ArtifactInfo;
  /**
   * The bytes. A whole-file read is verified against the SHA-256 as it streams: corrupted stored
   * bytes make the stream fail with IntegrityError before it ends, never end normally. A range read
   * of a part is verified block by block against the block list recorded at upload (decision 1014):
   * a corrupted first block fails the open call, a later one fails the stream, both IntegrityError.
   * (Blobs stored before block lists: parts are checked against the size only until a whole read.)
   */
  stream: Readable;
  /** For a range read: the bytes actually sent (ends inclusive, clipped to the file). */
  range?: Required<ByteRange>;
}

/**
 * Artifacts: files of a run or a model version, content-addressed by SHA-256 (stored once however
 * many owners log them), streamed in and out, verified on read. Paths are relative, `/`-separated
 * (core/artifacts.ts says what is refused). Logging to an existing path replaces it whole.
 */
export interface ArtifactStore {
  /**
   * Stores a file for a run. With `options.sha256`, bytes hashing differently are refused
   * (IntegrityError) and nothing is stored; an interrupted source stores nothing either.
   */
  logArtifact(runId: number, path: string, source: ArtifactSource, options?: LogArtifactOptions): Promise<ArtifactInfo>;
  /** One folder level below `prefix` (or every file below it with `recursive`), files in path order. */
  listArtifacts(runId: number, options?: ListArtifactsOptions): Promise<ArtifactListing>;
  /** @throws NotFoundError (entity `artifact`) */
  getArtifactInfo(runId: number, path: string): Promise<ArtifactInfo>;
  /** Streams a file, whole (verified) or a byte range. */
  openArtifact(runId: number, path: string, options?: OpenArtifactOptions): Promise<OpenedArtifact>;
  /** Removes the path; the bytes go when no artifact references them (`collectArtifactGarbage`). */
  deleteArtifact(runId: number, path: string): Promise<void>;
  logModelVersionArtifact(versionId: number, path: string, source: ArtifactSource, options?: LogArtifactOptions): Promise<ArtifactInfo>;
  listModelVersionArtifacts(versionId: number, options?: ListArtifactsOptions): Promise<ArtifactListing>;
  getModelVersionArtifactInfo(versionId: number, path: string): Promise<ArtifactInfo>;
  openModelVersionArtifact(versionId: number, path: string, options?: OpenArtifactOptions): Promise<OpenedArtifact>;
  deleteModelVersionArtifact(versionId: number, path: string): Promise<void>;
}

/** Purging what was deleted long enough ago, and old predictions. */
export interface RetentionStore {
  /**
   * Purges runs, experiments, models and versions soft-deleted more than `olderThanMs` ago (default
   * 30 days) with everything that is theirs (metrics, rollups, summaries, predictions, aliases), and
   * predictions older than `predictionsOlderThanMs` when given. Works in small committed batches:
   * writers wait at most one batch, a restore during the purge wins, and an interrupted call is
   * finished by the next. `dryRun` counts instead.
   */
  collectGarbage(options?: GcOptions): Promise<GcReport>;
}

export interface StatisticsStore {
  /** Counts per entity, runs by status, and the newest activity. */
  getStatistics(): Promise<Statistics>;
}

/**
 * The AI model database: one typed, async API over SQLite, PostgreSQL, MySQL and HTTP.
 */
export interface AiDatabase
  extends ModelStore,
    ModelVersionStore,
    DatasetStore,
    TrainingRunStore,
    HyperparameterStore,
    MetricStore,
    ExperimentStore,
    PredictionStore,
    TextSearchStore,
    ArtifactStore,
    RetentionStore,
    StatisticsStore {
  /**
   * Runs `fn` with an AiDatabase whose calls all share one transaction: committed when `fn`
   * resolves, rolled back when it throws. Over HTTP, not supported (throws ValidationError).
   */
  transaction<T>(fn: (tx: AiDatabase) => Promise<T>): Promise<T>;
  /** Backend, server version and schema version; throws BackendError when unreachable. */
  health(): Promise<HealthReport>;
  /** Drains the pool. The instance is unusable afterwards. */
  close(): Promise<void>;
}
