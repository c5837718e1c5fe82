/**
 * aimdb's entities as MLflow's client reads them, and MLflow's identifiers as aimdb's
 * (docs/decisions/0900-mlflow-adapter-shape.md): ids are aimdb's integer ids as text, MLflow's
 * default experiment "0" is the aimdb experiment named "Default", run statuses and model stages map
 * one to one, and a run's artifacts live under `mlflow-artifacts:/<experimentId>/<runId>/artifacts`.
 */
import { datasetInputsOf } from './dataset-inputs.js';
import { randomInt } from 'node:crypto';
import type {
  Experiment,
  JsonValue,
  MetricSummary,
  Model,
  ModelVersion,
  ModelVersionStatus,
  RunStatus,
  TrainingRun,
} from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import { invalidParameter, keyValues, MlflowError, wireDouble } from './protocol.js';

/** MLflow's default experiment: its id on the wire, its name in aimdb. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

const TO_MLFLOW_STATUS: Record<RunStatus, string> = {
  queued: 'SCHEDULED',
  running: 'RUNNING',
  completed: 'FINISHED',
  failed: 'FAILED',
  killed: 'KILLED',
};
const FROM_MLFLOW_STATUS: Record<string, RunStatus> = Object.fromEntries(
  Object.entries(TO_MLFLOW_STATUS).map(([status, name]) => [name, status as RunStatus]),
);

/** MLflow's run status name (RUNNING, FINISHED …) as aimdb's status. */
export function runStatusOf(name: string): RunStatus {
  const status = FROM_MLFLOW_STATUS[name.toUpperCase()];
  if (status === undefined) throw invalidParameter(`Invalid run status '${name}'. Valid statuses: ${Object.keys(FROM_MLFLOW_STATUS).join(', ')}`);
  return status;
}

const TO_STAGE: Record<ModelVersionStatus, string> = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived' };

/** MLflow's stage name, any case, as aimdb's version status. */
export function versionStatusOf(stage: string): ModelVersionStatus {
  const status = (Object.keys(TO_STAGE) as ModelVersionStatus[]).find((key) => key === stage.toLowerCase());
  if (status === undefined) {
    throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`);
  }
  return status;
}

export const stageOf = (status: ModelVersionStatus) => TO_STAGE[status];

/** The aimdb id behind an MLflow id, or undefined when the text is not one of aimdb's ids. */
export function aimdbId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The aimdb experiment behind MLflow's default experiment "0", created on first use. */
export async function defaultExperiment(db: AiDatabase): Promise<Experiment> {
  try {
    return await db.getExperiment(DEFAULT_EXPERIMENT_NAME);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    return await db.createExperiment({ name: DEFAULT_EXPERIMENT_NAME });
  } catch (error) {
    // Another request created it first.
    if (error instanceof ConflictError) return db.getExperiment(DEFAULT_EXPERIMENT_NAME);
    throw error;
  }
}

/** The experiment an MLflow experiment id names; RESOURCE_DOES_NOT_EXIST otherwise. */
export async function experimentById(db: AiDatabase, id: string): Promise<Experiment> {
  if (id === DEFAULT_EXPERIMENT_ID) return defaultExperiment(db);
  const numeric = aimdbId(id);
  if (numeric !== undefined) {
    try {
      return await db.getExperiment(numeric);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
}

/** The MLflow id of an aimdb experiment. */
export const experimentIdOf = (experiment: Experiment) =>
  experiment.name === DEFAULT_EXPERIMENT_NAME ? DEFAULT_EXPERIMENT_ID : String(experiment.id);

export function toMlflowExperiment(experiment: Experiment) {
  const id = experimentIdOf(experiment);
  return {
    experiment_id: id,
    name: experiment.name,
    artifact_location: experiment.artifactLocation ?? `mlflow-artifacts:/${id}`,
    lifecycle_stage: experiment.deletedAt === null ? 'active' : 'deleted',
    last_update_time: experiment.updatedAt.getTime(),
    creation_time: experiment.createdAt.getTime(),
    tags: keyValues(experiment.tags),
  };
}

/** MLflow's error for a run id that names no run. */
export const runNotFound = (id: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);

/** The run an MLflow run id names; RESOURCE_DOES_NOT_EXIST (MLflow's wording) otherwise. */
export async function runById(db: AiDatabase, id: string): Promise<TrainingRun> {
  const numeric = aimdbId(id);
  if (numeric !== undefined) {
    try {
      return await db.getTrainingRun(numeric);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  throw runNotFound(id);
}

/** MLflow's error for a write to a deleted run. */
export const inactiveRun = (id: number) => invalidParameter(`The run ${id} must be in the 'active' state. Current state is deleted.`);

/** MLflow refuses writes to a deleted run with this error. */
export function assertActive(run: TrainingRun): void {
  if (run.deletedAt !== null) throw inactiveRun(run.id);
}

/** A parameter's value as MLflow's text: strings as they are, other JSON values serialised. */
export const paramText = (value: JsonValue) => (typeof value === 'string' ? value : JSON.stringify(value));

/** What a run's MLflow form needs besides the run itself. */
export interface RunExtras {
  experimentId: string;
  summaries: MetricSummary[];
  params: Record<string, JsonValue>;
  /** The run's `dataset_inputs` in MLflow's form. */
  datasetInputs: unknown[];
}

export function toMlflowRun(run: TrainingRun, extras: RunExtras) {
  const runId = String(run.id);
  const info: Record<string, unknown> = {
    run_id: runId,
    run_uuid: runId,
    run_name: run.name ?? run.tags[RUN_NAME_TAG] ?? '',
    experiment_id: extras.experimentId,
    user_id: run.tags[USER_TAG] ?? '',
    status: TO_MLFLOW_STATUS[run.status],
    start_time: (run.startedAt ?? run.createdAt).getTime(),
    artifact_uri: `mlflow-artifacts:/${extras.experimentId}/${runId}/artifacts`,
    lifecycle_stage: run.deletedAt === null ? 'active' : 'deleted',
  };
  if (run.endedAt !== null) info.end_time = run.endedAt.getTime();
  return {
    info,
    data: {
      metrics: extras.summaries.map((summary) => ({
        key: summary.name,
        value: wireDouble(summary.lastValue),
        timestamp: summary.lastTimestamp.getTime(),
        step: summary.lastStep,
      })),
      params: Object.entries(extras.params).map(([key, value]) => ({ key, value: paramText(value) })),
      tags: keyValues(run.tags),
    },
    inputs: { dataset_inputs: extras.datasetInputs },
  };
}

/** Runs in MLflow's form, with their experiments, latest metrics and params read in a few calls. */
export async function toMlflowRuns(db: AiDatabase, runs: TrainingRun[]) {
  if (runs.length === 0) return [];
  const ids = runs.map((run) => run.id);
  const [memberships, summaries, defaultId] = await Promise.all([
    db.getExperimentMemberships(ids),
    db.getMetricSummaries(ids),
    // Runs outside any experiment show in the default one.
    defaultExperiment(db).then((experiment) => experiment.id),
  ]);
  const experimentOf = new Map<number, string>();
  for (const membership of memberships) {
    if (!experimentOf.has(membership.runId)) {
      experimentOf.set(membership.runId, membership.experimentId === defaultId ? DEFAULT_EXPERIMENT_ID : String(membership.experimentId));
    }
  }
  const summariesOf = new Map<number, MetricSummary[]>();
  for (const summary of summaries) {
    const list = summariesOf.get(summary.runId);
    if (list === undefined) summariesOf.set(summary.runId, [summary]);
    else list.push(summary);
  }
  const [params, inputs] = await Promise.all([Promise.all(runs.map((run) => db.getHyperparameters(run.id))), datasetInputsOf(db, ids)]);
  return runs.map((run, index) =>
    toMlflowRun(run, {
      experimentId: experimentOf.get(run.id) ?? DEFAULT_EXPERIMENT_ID,
      summaries: summariesOf.get(run.id) ?? [],
      params: params[index]!,
      datasetInputs: inputs.get(run.id) ?? [],
    }),
  );
}

/**
 * MLflow fields of a model version that aimdb's version has no column for, kept in its `config`
 * under `mlflow`: a run id that is not an aimdb run, the run link, and where a copied version's
 * files are.
 */
export interface VersionExtras {
  runId?: string;
  runLink?: string;
  storageLocation?: string;
}

export function versionExtras(version: ModelVersion): VersionExtras {
  const extras = version.config.mlflow;
  return extras !== null && typeof extras === 'object' && !Array.isArray(extras) ? (extras as VersionExtras) : {};
}

export function toMlflowVersion(model: Model, version: ModelVersion) {
  const extras = versionExtras(version);
  const aliases = Object.entries(model.aliases)
    .filter(([, number]) => number === version.version)
    .map(([alias]) => alias);
  return {
    name: model.name,
    version: String(version.version),
    creation_timestamp: version.createdAt.getTime(),
    last_updated_timestamp: version.updatedAt.getTime(),
    current_stage: stageOf(version.status),
    description: version.description ?? '',
    source: version.checkpointUri ?? '',
    run_id: version.trainingRunId !== null ? String(version.trainingRunId) : (extras.runId ?? ''),
    run_link: extras.runLink ?? '',
    status: 'READY',
    tags: keyValues(version.tags),
    aliases,
  };
}

/** The newest version in each stage, as MLflow's `latest_versions`. */
export function latestPerStage(versions: ModelVersion[], stages?: readonly ModelVersionStatus[]): ModelVersion[] {
  const latest = new Map<ModelVersionStatus, ModelVersion>();
  for (const version of versions) {
    const held = latest.get(version.status);
    if (held === undefined || held.version < version.version) latest.set(version.status, version);
  }
  return [...latest.values()]
    .filter((version) => stages === undefined || stages.length === 0 || stages.includes(version.status))
    .sort((a, b) => a.version - b.version);
}

export function toMlflowModel(model: Model, versions: ModelVersion[]) {
  const answer: Record<string, unknown> = {
    name: model.name,
    creation_timestamp: model.createdAt.getTime(),
    last_updated_timestamp: model.updatedAt.getTime(),
    description: model.description ?? '',
    tags: keyValues(model.tags),
    aliases: Object.entries(model.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  };
  const latest = latestPerStage(versions);
  if (latest.length > 0) answer.latest_versions = latest.map((version) => toMlflowVersion(model, version));
  return answer;
}

const ADJECTIVES = ['amber', 'bold', 'calm', 'daring', 'eager', 'fleet', 'gentle', 'hardy', 'keen', 'lucid', 'merry', 'nimble', 'quiet', 'rapid', 'sly', 'tidy', 'vivid', 'wise'];
const ANIMALS = ['badger', 'crane', 'dolphin', 'eel', 'finch', 'gecko', 'heron', 'ibis', 'jay', 'koala', 'lynx', 'moth', 'newt', 'otter', 'panda', 'quail', 'robin', 'stoat'];

/** A run name when the client gave none, as MLflow's server makes one (`adjective-animal-123`). */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}-${randomInt(1000)}`;
}
