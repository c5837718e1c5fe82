/**
 * Row shapes of the tables, as Kysely sees them. Times are epoch milliseconds (BIGINT), JSON columns
 * are written as text and read back as text (see the backends), ids are auto-increment integers.
 */
import type { Generated } from 'kysely';

/** A JSON column: written as serialised text, read back as text by every backend. */
export type JsonColumn = string;
/** A BIGINT; the drivers are set up to return numbers, and the mappers coerce anyway. */
export type Numeric = number;

export interface ModelsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  framework: string | null;
  task: string | null;
  architecture: string | null;
  tags: JsonColumn;
  metadata: JsonColumn;
  latest_version: Numeric;
  /** Migration 0008: soft deletion (hidden from lists, restorable until gc purges it). */
  deleted_at: number | null;
  created_at: Numeric;
  updated_at: Numeric;
}

export interface ModelVersionsTable {
  id: Generated<number>;
  model_id: number;
  version: Numeric;
  description: string | null;
  checkpoint_uri: string | null;
  size_bytes: number | null;
  sha256: string | null;
  config: JsonColumn;
  /** Added by migration 0003 (nullable there, as MySQL JSON columns take no literal default). */
  tags: JsonColumn | null;
  status: string;
  training_run_id: number | null;
  dataset_id: number | null;
  /** Migration 0008: soft deletion. */
  deleted_at: number | null;
  created_at: Numeric;
  updated_at: Numeric;
}

/** One stage change or alias move of a model's versions (migration 0008). */
export interface RegistryEventsTable {
  id: Generated<number>;
  model_id: number;
  version: number | null;
  /** `stage` or `alias`. */
  kind: string;
  /** The alias moved (null for a stage change). */
  subject: string | null;
  from_value: string | null;
  to_value: string | null;
  /** Who: the token's name when the change came through the server, else null. */
  actor: string | null;
  at: Numeric;
}

export interface ModelAliasesTable {
  model_id: number;
  alias: string;
  version: Numeric;
}

export interface DatasetsTable {
  id: Generated<number>;
  name: string;
  version: string;
  description: string | null;
  source_uri: string | null;
  format: string | null;
  sample_count: number | null;
  splits: JsonColumn;
  /** `schema` is reserved in MySQL, hence the longer name. */
  data_schema: JsonColumn;
  digest: string | null;
  metadata: JsonColumn;
  created_at: Numeric;
  updated_at: Numeric;
}

export interface TrainingRunsTable {
  id: Generated<number>;
  name: string | null;
  model_id: number | null;
  model_version_id: number | null;
  dataset_id: number | null;
  status: string;
  config: JsonColumn;
  tags: JsonColumn;
  notes: string | null;
  error: string | null;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  deleted_at: number | null;
  /** Migration 0008: the last sign of life, the window it was given, and heartbeat + window. */
  heartbeat_at: number | null;
  heartbeat_timeout_ms: number | null;
  lost_after: number | null;
  created_at: Numeric;
  updated_at: Numeric;
}

export interface HyperparametersTable {
  run_id: number;
  name: string;
  value: JsonColumn;
  /** The value when it is a finite number, so parameters sort and filter numerically. */
  value_number: number | null;
  /** The value as text: a string as is, anything else as JSON (`hyperparameterColumns`). */
  value_text: string | null;
}

/** How a metric value is stored: `value` holds finite numbers; the others are flagged, value NULL. */
export type ValueKind = 0 | 1 | 2 | 3;

/**
 * The metric names of a run, each once (migration 0011, decision 1304): the metric tables hold the
 * key's id, not the name, in every row. Keys belong to their run and go with it.
 */
export interface MetricKeysTable {
  id: Generated<number>;
  run_id: number;
  name: string;
}

export interface MetricsTable {
  run_id: number;
  /** metric_keys.id of the series' name. */
  key_id: number;
  step: Numeric;
  value: number | null;
  value_kind: ValueKind;
  epoch: number | null;
  logged_at: Numeric;
}

/** A further value of a step whose current value `metrics` holds (decision 0901). */
export interface MetricStepValuesTable extends MetricsTable {
  /** 1, 2, 3 … among the further values of one step. */
  seq: Numeric;
}

/** One row per series, so it keeps the name (search walks an index on it, migration 0013). */
export interface MetricSummariesTable {
  run_id: number;
  name: string;
  last_value: number | null;
  last_kind: ValueKind;
  last_step: Numeric;
  last_logged_at: Numeric;
  min_value: number | null;
  max_value: number | null;
  count: Numeric;
}

/**
 * One block of a metric series: the points with `floor(step / ROLLUP_BLOCK_STEPS) = block`, summed up
 * when they are written so downsampled reads merge blocks instead of scanning points
 * (docs/decisions/0503-metric-rollups.md).
 */
export interface MetricRollupsTable {
  run_id: number;
  key_id: number;
  block: Numeric;
  first_step: Numeric;
  last_step: Numeric;
  /** Smallest and largest finite value of the block; null when none is finite. */
  min_value: number | null;
  max_value: number | null;
  /** The value at `last_step`, stored like `metrics.value` / `value_kind`. */
  last_value: number | null;
  last_kind: ValueKind;
  count: Numeric;
  /** The latest `logged_at` of the block's points, so `--since` transfers carry every block they touch. */
  max_logged_at: Numeric;
}

export interface ExperimentsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  hypothesis: string | null;
  status: string;
  tags: JsonColumn;
  artifact_location: string | null;
  deleted_at: number | null;
  created_at: Numeric;
  updated_at: Numeric;
}

/**
 * Which batches sent with a batch id a run has stored, and how many points each wrote, so a re-sent
 * batch is answered without writing it again (docs/decisions/0520). Not data: transfers skip it.
 */
export interface MetricBatchReceiptsTable {
  run_id: number;
  batch_id: string;
  written: Numeric;
  created_at: Numeric;
}

export interface ExperimentRunsTable {
  experiment_id: number;
  run_id: number;
  added_at: Numeric;
}

export interface RunInputsTable {
  run_id: number;
  dataset_id: number;
  context: string | null;
  tags: JsonColumn;
  logged_at: Numeric;
}

export interface PredictionsTable {
  id: Generated<number>;
  model_version_id: number;
  input: JsonColumn;
  output: JsonColumn;
  ground_truth: JsonColumn | null;
  confidence: number | null;
  latency_ms: number | null;
  predicted_at: Numeric;
  metadata: JsonColumn;
  prediction_key: string | null;
}

/** Prediction aggregates per (model version, period of width_ms), kept at write time (prediction-rollups.ts). */
export interface PredictionRollupsTable {
  model_version_id: number;
  width_ms: number;
  period_start: number;
  count: number;
  error_count: number;
  latency_count: number;
  latency_sum: number;
  latency_max: number | null;
  latency_zero: number;
  /** `bin:count` pairs of the latency sketch, comma-separated. */
  latency_bins: string;
  confidence_count: number;
  confidence_sum: number;
  /** Ten comma-separated counts. */
  confidence_bins: string;
  labelled_count: number;
  correct_count: number;
}

/** The searchable text of a run, model, experiment or dataset, indexed per backend (text-search.ts). */
export interface SearchDocumentsTable {
  entity: string;
  entity_id: number;
  /** The entity's name when the document was written, to show in answers. */
  title: string;
  /** Lower-cased text: names, descriptions, notes, tag values. */
  body: string;
  updated_at: Numeric;
}

/** Artifact metadata (migration 0005); the owner column is `run_id` or `model_version_id`. */
export interface ArtifactRowFields {
  path: string;
  size: Numeric;
  sha256: string;
  content_type: string;
  created_at: Numeric;
}
export interface RunArtifactsTable extends ArtifactRowFields {
  run_id: number;
}
export interface ModelVersionArtifactsTable extends ArtifactRowFields {
  model_version_id: number;
}

export interface Tables {
  prediction_rollups: PredictionRollupsTable;
  run_artifacts: RunArtifactsTable;
  model_version_artifacts: ModelVersionArtifactsTable;
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  datasets: DatasetsTable;
  training_runs: TrainingRunsTable;
  hyperparameters: HyperparametersTable;
  metric_keys: MetricKeysTable;
  metrics: MetricsTable;
  metric_step_values: MetricStepValuesTable;
  metric_summaries: MetricSummariesTable;
  metric_rollups: MetricRollupsTable;
  metric_batch_receipts: MetricBatchReceiptsTable;
  registry_events: RegistryEventsTable;
  experiments: ExperimentsTable;
  experiment_runs: ExperimentRunsTable;
  run_inputs: RunInputsTable;
  predictions: PredictionsTable;
  search_documents: SearchDocumentsTable;
}

/** Tables in dependency order (parents first), for copying and clearing. */
export const TABLE_NAMES = [
  'models',
  'datasets',
  'training_runs',
  'model_versions',
  'model_aliases',
  'hyperparameters',
  'metrics',
  'metric_step_values',
  'metric_summaries',
  'metric_rollups',
  'experiments',
  'experiment_runs',
  'run_inputs',
  'predictions',
  'prediction_rollups',
  'search_documents',
  'run_artifacts',
  'model_version_artifacts',
  'registry_events',
] as const satisfies readonly (keyof Tables)[];
