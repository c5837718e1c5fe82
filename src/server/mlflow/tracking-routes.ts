/**
 * MLflow's tracking API (experiments, runs, params, tags, metrics) over AiDatabase calls. Each
 * handler checks the request as MLflow's server does, calls the store, and answers MLflow's JSON.
 */
import path from 'node:path';
import type { Experiment, MetricPoint, TrainingRun } from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { MetricPointInput, MetricWriteOptions } from '../../core/schemas.js';
import type { AiDatabase } from '../../store/index.js';
import { entityFilter, readOrderBy, sortEntities, type Filterable } from './entity-filter.js';
import {
  DEFAULT_EXPERIMENT_ID,
  RUN_NAME_TAG,
  USER_TAG,
  aimdbId,
  assertActive,
  defaultExperiment,
  experimentById,
  experimentIdOf,
  inactiveRun,
  randomRunName,
  runById,
  runNotFound,
  runStatusOf,
  toMlflowExperiment,
  toMlflowRun,
  toMlflowRuns,
} from './mapping.js';
import {
  MlflowError,
  MlflowRequest,
  invalidParameter,
  invalidValue,
  readDouble,
  readOffsetToken,
  offsetToken,
  wireDouble,
} from './protocol.js';
import { searchRunsPage } from './run-search.js';
import { logDatasetInputs, searchDatasetSummaries } from './dataset-inputs.js';
import { deleteRunTag, setExperimentTag, setRunTags } from './tags.js';
import type { MlflowHandler } from './routes.js';

/** MLflow's limits (mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;
const SEARCH_MAX_RESULTS = 50_000;
const HISTORY_BULK_MAX_RUNS = 100;
const HISTORY_PAGE_DEFAULT = 25_000;

/** `ACTIVE_ONLY`, `DELETED_ONLY`, `ALL` (or their numbers 1, 2, 3) as an aimdb list view. */
function viewOf(viewType: string | undefined): 'active' | 'deleted' | 'all' {
  switch ((viewType ?? 'ACTIVE_ONLY').toUpperCase()) {
    case 'ACTIVE_ONLY':
    case '1':
      return 'active';
    case 'DELETED_ONLY':
    case '2':
      return 'deleted';
    case 'ALL':
    case '3':
      return 'all';
    default:
      throw invalidParameter(`Invalid view type '${viewType}'`);
  }
}

/** Every page of a cursor-paged list. */
async function readAll<T>(read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

/** MLflow resolves a relative local artifact location against the server's working directory. */
function resolveArtifactLocation(location: string | undefined): string | undefined {
  if (location === undefined || location === '') return undefined;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) || path.isAbsolute(location)) return location;
  return path.resolve(process.cwd(), location);
}

const experimentFilterable = (experiment: Experiment): Filterable & { experiment: Experiment } => ({
  experiment,
  attributes: {
    name: experiment.name,
    experiment_id: experimentIdOf(experiment),
    creation_time: experiment.createdAt.getTime(),
    last_update_time: experiment.updatedAt.getTime(),
  },
  tags: experiment.tags,
});

const runIdOf = (request: MlflowRequest) => request.string('run_id') || request.string('run_uuid') || undefined;

async function activeRun(db: AiDatabase, request: MlflowRequest): Promise<TrainingRun> {
  const id = runIdOf(request);
  if (id === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
  const run = await runById(db, id);
  assertActive(run);
  return run;
}

/**
 * Metrics as MLflow stores them: every distinct value of a step kept, and a deleted run refused by
 * the store under the write's own lock (so the run needs no read of its own first).
 */
const MLFLOW_METRIC_WRITE: MetricWriteOptions = { sameStep: 'keep', activeRunOnly: true };

/**
 * A metric write to the run the request names, answering MLflow's errors for a run that does not
 * exist or is deleted: the store checks both inside the write (MLFLOW_METRIC_WRITE).
 */
async function writeMetrics(db: AiDatabase, request: MlflowRequest, points: MetricPointInput[]): Promise<void> {
  const text = runIdOf(request);
  if (text === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
  const id = aimdbId(text);
  if (id === undefined) throw runNotFound(text);
  try {
    await db.logMetrics(id, points, MLFLOW_METRIC_WRITE);
  } catch (error) {
    if (error instanceof NotFoundError && error.field === 'runId') throw runNotFound(text);
    if (error instanceof ConflictError && error.field === 'runId') throw inactiveRun(id);
    throw error;
  }
}

/** One metric of a request as an aimdb point; MLflow's step defaults to 0. */
function metricPoint(metric: Record<string, unknown>) {
  return {
    name: String(metric.key),
    value: readDouble(metric.value),
    step: metric.step === undefined || metric.step === null ? 0 : Number(metric.step),
    timestamp: Number(metric.timestamp),
  };
}

/** Params keep MLflow's text; an existing key with another value is MLflow's INVALID_PARAMETER_VALUE. */
async function logParams(db: AiDatabase, run: TrainingRun, params: Array<{ key: string; value: string }>): Promise<void> {
  if (params.length === 0) return;
  const values: Record<string, string> = {};
  for (const { key, value } of params) {
    if (key in values && values[key] !== value) {
      throw invalidParameter(`Duplicate parameter keys have been submitted: '${key}' with different values in the same batch.`);
    }
    values[key] = value;
  }
  try {
    await db.logHyperparameters(run.id, values);
  } catch (error) {
    if (error instanceof ConflictError) {
      throw invalidParameter(`Changing param values is not allowed. ${error.message}`);
    }
    throw error;
  }
}

const createExperiment: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, artifact_location: { type: 'string' }, tags: { type: 'array' } });
  const name = request.string('name')!;
  const tags = Object.fromEntries(request.list('tags').map((tag) => [String((tag as { key: unknown }).key), String((tag as { value?: unknown }).value ?? '')]));
  try {
    const artifactLocation = resolveArtifactLocation(request.string('artifact_location'));
    const experiment = await db.createExperiment({ name, tags, ...(artifactLocation === undefined ? {} : { artifactLocation }) });
    return { experiment_id: experimentIdOf(experiment) };
  } catch (error) {
    if (error instanceof ConflictError) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    throw error;
  }
};

const getExperiment: MlflowHandler = async ({ db, request }) => {
  request.check({ experiment_id: { type: 'string', required: true } });
  return { experiment: toMlflowExperiment(await experimentById(db, request.string('experiment_id')!)) };
};

const getExperimentByName: MlflowHandler = async ({ db, request }) => {
  request.check({ experiment_name: { type: 'string', required: true } });
  const name = request.string('experiment_name')!;
  if (name === 'Default') return { experiment: toMlflowExperiment(await defaultExperiment(db)) };
  try {
    return { experiment: toMlflowExperiment(await db.getExperiment(name)) };
  } catch (error) {
    if (error instanceof NotFoundError) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    throw error;
  }
};

const searchExperiments: MlflowHandler = async ({ db, request }) => {
  request.check({ max_results: { type: 'int' }, page_token: { type: 'string' }, filter: { type: 'string' } });
  const maxResults = request.int('max_results') ?? 1000;
  if (maxResults < 1 || maxResults > SEARCH_MAX_RESULTS) throw invalidValue('max_results', request.fields.max_results);
  await defaultExperiment(db);
  const view = viewOf(request.string('view_type'));
  const matches = entityFilter(request.string('filter'), ['name', 'creation_time', 'last_update_time', 'experiment_id']);
  const experiments = (await readAll((cursor) => db.listExperiments({ view, limit: 10_000, cursor: cursor ?? null })))
    .map(experimentFilterable)
    .filter(matches);
  const keys = readOrderBy(request.strings('order_by'), ['name', 'creation_time', 'last_update_time', 'experiment_id']);
  const sorted = sortEntities(experiments, [
    ...keys,
    { attribute: 'creation_time', descending: true },
    { attribute: 'experiment_id', descending: false },
  ]);
  const offset = readOffsetToken(request.string('page_token'));
  const page = sorted.slice(offset, offset + maxResults);
  const answer: Record<string, unknown> = { experiments: page.map((item) => toMlflowExperiment(item.experiment)) };
  if (offset + maxResults < sorted.length) answer.next_page_token = offsetToken(offset + maxResults);
  return answer;
};

/** MLflow deletes (and restores) an experiment's runs with it. */
async function setExperimentDeleted(db: AiDatabase, request: MlflowRequest, deleted: boolean): Promise<object> {
  request.check({ experiment_id: { type: 'string', required: true } });
  const experiment = await experimentById(db, request.string('experiment_id')!);
  await db.transaction(async (tx) => {
    await tx.updateExperiment(experiment.id, { deleted });
    for (const run of await tx.getExperimentRuns(experiment.id)) {
      if ((run.deletedAt !== null) !== deleted) await tx.updateTrainingRun(run.id, { deleted });
    }
  });
  return {};
}

const updateExperiment: MlflowHandler = async ({ db, request }) => {
  request.check({ experiment_id: { type: 'string', required: true }, new_name: { type: 'string', required: true } });
  const experiment = await experimentById(db, request.string('experiment_id')!);
  if (experiment.deletedAt !== null) {
    throw invalidParameter(`Cannot rename a non-active experiment ${experimentIdOf(experiment)}.`);
  }
  const name = request.string('new_name')!;
  try {
    await db.updateExperiment(experiment.id, { name });
  } catch (error) {
    if (error instanceof ConflictError) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    throw error;
  }
  return {};
};

const setExperimentTagHandler: MlflowHandler = async ({ db, request }) => {
  request.check({ experiment_id: { type: 'string', required: true }, key: { type: 'string', required: true }, value: { type: 'string' } });
  const experiment = await experimentById(db, request.string('experiment_id')!);
  await setExperimentTag(db, experiment.id, request.string('key')!, request.string('value') ?? '');
  return {};
};

const createRun: MlflowHandler = async ({ db, request }) => {
  request.check({ experiment_id: { type: 'string' }, start_time: { type: 'int' }, run_name: { type: 'string' }, tags: { type: 'array' } });
  const experiment = await experimentById(db, request.string('experiment_id') ?? DEFAULT_EXPERIMENT_ID);
  if (experiment.deletedAt !== null) {
    throw invalidParameter(`The experiment ${experimentIdOf(experiment)} must be in the 'active' state. Current state is deleted.`);
  }
  const tags: Record<string, string> = {};
  for (const tag of request.list('tags') as Array<{ key?: unknown; value?: unknown }>) tags[String(tag.key)] = String(tag.value ?? '');
  const requestedName = request.string('run_name') || undefined;
  const taggedName = tags[RUN_NAME_TAG];
  if (requestedName !== undefined && taggedName !== undefined && requestedName !== taggedName) {
    throw invalidParameter(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${requestedName}', mlflow.runName='${taggedName}').`,
    );
  }
  const name = requestedName ?? taggedName ?? randomRunName();
  tags[RUN_NAME_TAG] = name;
  const user = request.string('user_id');
  if (tags[USER_TAG] === undefined && user !== undefined && user !== '') tags[USER_TAG] = user;
  const startTime = request.int('start_time');
  const run = await db.createTrainingRun({
    name,
    tags,
    experimentId: experiment.id,
    ...(startTime === undefined || startTime < 0 ? {} : { startedAt: startTime }),
  });
  // A run just made has no metrics, params or inputs, and belongs to this experiment alone: its
  // answer needs none of the reads toMlflowRuns makes for stored runs.
  return { run: toMlflowRun(run, { experimentId: experimentIdOf(experiment), summaries: [], params: {}, datasetInputs: [] }) };
};

const getRun: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string' }, run_uuid: { type: 'string' } });
  const id = runIdOf(request);
  if (id === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
  const [run] = await toMlflowRuns(db, [await runById(db, id)]);
  return { run };
};

const updateRun: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string' }, run_uuid: { type: 'string' }, end_time: { type: 'int' }, status: { type: 'string' }, run_name: { type: 'string' } });
  const run = await activeRun(db, request);
  const status = request.string('status') ? runStatusOf(request.string('status')!) : undefined;
  const endTime = request.int('end_time');
  const name = request.string('run_name') || undefined;
  const updated = await db.transaction(async (tx) => {
    const patch: Parameters<AiDatabase['updateTrainingRun']>[1] = {};
    if (status !== undefined && status !== run.status) patch.status = status;
    const ends = status === 'completed' || status === 'failed' || status === 'killed';
    if (ends && endTime !== undefined && endTime >= 0) patch.endedAt = Math.max(endTime, run.startedAt?.getTime() ?? 0);
    if (name !== undefined) patch.name = name;
    const next = Object.keys(patch).length === 0 ? run : await tx.updateTrainingRun(run.id, patch);
    if (name !== undefined) await setRunTags(tx, run.id, { [RUN_NAME_TAG]: name });
    return next;
  });
  const [mlflowRun] = await toMlflowRuns(db, [await db.getTrainingRun(updated.id)]);
  return { run_info: mlflowRun!.info };
};

function setRunDeleted(deleted: boolean): MlflowHandler {
  return async ({ db, request }) => {
    request.check({ run_id: { type: 'string', required: true } });
    const run = await runById(db, request.string('run_id')!);
    if ((run.deletedAt !== null) !== deleted) await db.updateTrainingRun(run.id, { deleted });
    return {};
  };
}

const logMetric: MlflowHandler = async ({ db, request }) => {
  request.check({
    run_id: { type: 'string', required: true },
    key: { type: 'string', required: true },
    value: { type: 'double', required: true },
    timestamp: { type: 'int', required: true },
    step: { type: 'int' },
  });
  await writeMetrics(db, request, [metricPoint(request.fields)]);
  return {};
};

const logParam: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string', required: true }, key: { type: 'string', required: true }, value: { type: 'string' } });
  const run = await activeRun(db, request);
  await logParams(db, run, [{ key: request.string('key')!, value: request.string('value') ?? '' }]);
  return {};
};

function checkBatchItems(field: string, items: unknown, required: readonly string[]): void {
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) throw invalidValue(field, items);
  for (const item of items) {
    const record = item as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object' || required.some((key) => record[key] === undefined || record[key] === null)) {
      throw invalidValue(field, items);
    }
  }
}

const logBatch: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string', required: true } });
  checkBatchItems('metrics', request.fields.metrics, ['key', 'value', 'timestamp']);
  checkBatchItems('params', request.fields.params, ['key']);
  checkBatchItems('tags', request.fields.tags, ['key']);
  const metrics = request.list('metrics') as Array<Record<string, unknown>>;
  const params = request.list('params') as Array<{ key: unknown; value?: unknown }>;
  const tags = request.list('tags') as Array<{ key: unknown; value?: unknown }>;
  const tooMany = (what: string, count: number, limit: number) =>
    invalidParameter(`A batch logging request can contain at most ${limit} ${what}. Got ${count} ${what}. Please split up ${what} across multiple requests and try again.`);
  if (metrics.length > LOG_BATCH_LIMITS.metrics) throw tooMany('metrics', metrics.length, LOG_BATCH_LIMITS.metrics);
  if (params.length > LOG_BATCH_LIMITS.params) throw tooMany('params', params.length, LOG_BATCH_LIMITS.params);
  if (tags.length > LOG_BATCH_LIMITS.tags) throw tooMany('tags', tags.length, LOG_BATCH_LIMITS.tags);
  const total = metrics.length + params.length + tags.length;
  if (total > LOG_BATCH_LIMITS.total) throw tooMany('metrics, params, and tags', total, LOG_BATCH_LIMITS.total);
  if (metrics.length > 0 && params.length === 0 && tags.length === 0) {
    // Metrics alone (what a training loop sends): one store call, which is atomic by itself.
    await writeMetrics(db, request, metrics.map(metricPoint));
    return {};
  }
  const run = await activeRun(db, request);
  const points = metrics.map(metricPoint);
  // Atomic in aimdb (MLflow's own server is not): all of it is stored, or none.
  await db.transaction(async (tx) => {
    await logParams(tx, run, params.map((param) => ({ key: String(param.key), value: String(param.value ?? '') })));
    if (points.length > 0) await tx.logMetrics(run.id, points, MLFLOW_METRIC_WRITE);
    if (tags.length > 0) {
      const values = Object.fromEntries(tags.map((tag) => [String(tag.key), String(tag.value ?? '')]));
      await setRunTags(tx, run.id, values);
      if (values[RUN_NAME_TAG] !== undefined) await tx.updateTrainingRun(run.id, { name: values[RUN_NAME_TAG] });
    }
  });
  return {};
};

/** The run tag where MLflow's server keeps the models logged with a run (MLFLOW_LOGGED_MODELS). */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';
const LOGGED_MODEL_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;

/**
 * `runs/log-model`: MLflow's client posts the model's MLmodel as JSON; like MLflow's server, aimdb
 * appends it to the run's `mlflow.log-model.history` tag (a JSON list), in one transaction.
 */
const logModel: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string', required: true }, model_json: { type: 'string', required: true } });
  const text = request.string('model_json')!;
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch {
    model = undefined;
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw invalidParameter(`Malformed model info. \n ${text} \n is not a valid JSON.`);
  }
  const missing = LOGGED_MODEL_FIELDS.filter((field) => !Object.hasOwn(model as object, field));
  if (missing.length > 0) throw invalidParameter(`Model json is missing mandatory fields: {${missing.map((field) => `'${field}'`).join(', ')}}`);
  const run = await activeRun(db, request);
  await db.transaction(async (tx) => {
    const previous = (await tx.getTrainingRun(run.id)).tags[LOGGED_MODELS_TAG];
    let history: unknown[] = [];
    if (previous !== undefined) {
      try {
        const parsed: unknown = JSON.parse(previous);
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        // A tag someone else wrote that is not a list: the history starts again, as a list.
      }
    }
    await setRunTags(tx, run.id, { [LOGGED_MODELS_TAG]: JSON.stringify([...history, model]) });
  });
  return {};
};

const logInputs: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string', required: true } });
  const run = await activeRun(db, request);
  await logDatasetInputs(db, run.id, request);
  return {};
};

const setTag: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string' }, run_uuid: { type: 'string' }, key: { type: 'string', required: true }, value: { type: 'string' } });
  const run = await activeRun(db, request);
  const key = request.string('key')!;
  const value = request.string('value') ?? '';
  await db.transaction(async (tx) => {
    await setRunTags(tx, run.id, { [key]: value });
    // MLflow's run name and its tag are one thing.
    if (key === RUN_NAME_TAG && value !== '') await tx.updateTrainingRun(run.id, { name: value });
  });
  return {};
};

const deleteTag: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string', required: true }, key: { type: 'string', required: true } });
  const run = await activeRun(db, request);
  const key = request.string('key')!;
  if (run.tags[key] === undefined) throw invalidParameter(`No tag with name: ${key} in run with id ${run.id}`);
  await deleteRunTag(db, run.id, key);
  return {};
};

/** MLflow's order of a metric's values: step, then timestamp, then value. */
const historyPoint = (point: MetricPoint) => ({
  key: point.name,
  value: wireDouble(point.value),
  timestamp: point.timestamp.getTime(),
  step: point.step,
});

/**
 * The page token of a history: the step to read from (steps may be negative) and how many of its
 * values were already sent; the first page starts at the lowest step.
 */
function readHistoryToken(token: string | undefined): { step: number | undefined; skip: number } {
  if (token === undefined || token === '') return { step: undefined, skip: 0 };
  const [step, skip] = Buffer.from(token, 'base64url').toString('utf8').split(':').map(Number);
  if (!Number.isSafeInteger(step) || !Number.isSafeInteger(skip) || skip! < 0) throw invalidParameter('Invalid page token');
  return { step: step!, skip: skip! };
}

const getMetricHistory: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string' }, run_uuid: { type: 'string' }, metric_key: { type: 'string', required: true }, max_results: { type: 'int' } });
  const id = runIdOf(request);
  if (id === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
  const run = await runById(db, id);
  const name = request.string('metric_key')!;
  const maxResults = request.int('max_results');
  const token = request.string('page_token');
  if (maxResults === undefined && (token === undefined || token === '')) {
    return { metrics: (await db.getMetrics(run.id, { name, allValues: true })).map(historyPoint) };
  }
  const size = Math.min(Math.max(maxResults ?? HISTORY_PAGE_DEFAULT, 1), 1_000_000);
  const { step, skip } = readHistoryToken(token);
  // Keyset by step; values of the step a page ended in that were already sent are skipped.
  const points = (await db.getMetrics(run.id, { name, allValues: true, ...(step === undefined ? {} : { minStep: step }), limit: size + skip + 1 })).slice(
    skip,
  );
  const page = points.slice(0, size);
  const answer: Record<string, unknown> = { metrics: page.map(historyPoint) };
  if (points.length > size) {
    const last = page[page.length - 1]!;
    const sameStep = page.filter((point) => point.step === last.step).length + (last.step === step ? skip : 0);
    answer.next_page_token = Buffer.from(`${last.step}:${sameStep}`, 'utf8').toString('base64url');
  }
  return answer;
};

const getMetricHistoryBulk: MlflowHandler = async ({ db, request }) => {
  const runIds = request.strings('run_id');
  if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
  if (runIds.length > HISTORY_BULK_MAX_RUNS) {
    throw invalidParameter(`GetMetricHistoryBulk request cannot specify more than ${HISTORY_BULK_MAX_RUNS} run_ids. Received ${runIds.length} run_ids.`);
  }
  const name = request.string('metric_key');
  if (name === undefined || name === '') throw invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
  const maxResults = Math.min(request.int('max_results') ?? HISTORY_PAGE_DEFAULT, HISTORY_PAGE_DEFAULT);
  const metrics: Array<ReturnType<typeof historyPoint> & { run_id: string }> = [];
  // MLflow orders by run id as text, then timestamp, step and value.
  for (const id of [...new Set(runIds)].sort()) {
    const run = await runById(db, id);
    const points = await db.getMetrics(run.id, { name, allValues: true });
    const sorted = points.sort(
      (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.step - b.step || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
    for (const point of sorted) metrics.push({ ...historyPoint(point), run_id: id });
    if (metrics.length >= maxResults) break;
  }
  return { metrics: metrics.slice(0, maxResults) };
};

const searchRuns: MlflowHandler = async ({ db, request }) => {
  request.check({
    experiment_ids: { type: 'strings' },
    filter: { type: 'string' },
    max_results: { type: 'int' },
    order_by: { type: 'strings' },
    page_token: { type: 'string' },
  });
  const maxResults = request.int('max_results') ?? 1000;
  if (maxResults < 1 || maxResults > SEARCH_MAX_RESULTS) throw invalidValue('max_results', request.fields.max_results);
  const experiments: Experiment[] = [];
  for (const id of request.strings('experiment_ids')) {
    try {
      experiments.push(await experimentById(db, id));
    } catch (error) {
      // MLflow answers runs of the experiments that exist.
      if (!(error instanceof MlflowError)) throw error;
    }
  }
  const page = await searchRunsPage(db, {
    experimentIds: experiments.map((experiment) => experiment.id),
    filter: request.string('filter') ?? '',
    orderBy: request.strings('order_by'),
    view: viewOf(request.string('run_view_type')),
    limit: maxResults,
    pageToken: request.string('page_token'),
  });
  const answer: Record<string, unknown> = {};
  if (page.runs.length > 0) answer.runs = await toMlflowRuns(db, page.runs);
  if (page.nextPageToken !== undefined) answer.next_page_token = page.nextPageToken;
  return answer;
};

/** Route table entries: [method, path under /api/2.0/mlflow/, handler, only reads]. */
export const TRACKING_ENDPOINTS: ReadonlyArray<readonly [string, string, MlflowHandler, boolean?]> = [
  ['POST', 'experiments/create', createExperiment],
  ['GET', 'experiments/get', getExperiment],
  ['GET', 'experiments/get-by-name', getExperimentByName],
  ['GET', 'experiments/search', searchExperiments],
  ['POST', 'experiments/search', searchExperiments, true],
  ['POST', 'experiments/delete', ({ db, request }) => setExperimentDeleted(db, request, true)],
  ['POST', 'experiments/restore', ({ db, request }) => setExperimentDeleted(db, request, false)],
  ['POST', 'experiments/update', updateExperiment],
  ['POST', 'experiments/set-experiment-tag', setExperimentTagHandler],
  ['POST', 'runs/create', createRun],
  ['GET', 'runs/get', getRun],
  ['POST', 'runs/update', updateRun],
  ['POST', 'runs/delete', setRunDeleted(true)],
  ['POST', 'runs/restore', setRunDeleted(false)],
  ['POST', 'runs/search', searchRuns, true],
  ['POST', 'runs/log-metric', logMetric],
  ['POST', 'runs/log-parameter', logParam],
  ['POST', 'runs/log-batch', logBatch],
  ['POST', 'runs/log-inputs', logInputs],
  ['POST', 'runs/log-model', logModel],
  ['POST', 'experiments/search-datasets', ({ db, request }) => searchDatasetSummaries(db, request), true],
  ['POST', 'runs/set-tag', setTag],
  ['POST', 'runs/delete-tag', deleteTag],
  ['GET', 'metrics/get-history', getMetricHistory],
  ['GET', 'metrics/get-history-bulk', getMetricHistoryBulk],
];

export { aimdbId };
