/**
 * aimdb's REST API, one declaration per route, keyed by operation id (the AiDatabase method each
 * calls), in the order the OpenAPI document lists them. The server attaches a handler to each
 * (src/server/routes), the HTTP client (src/client) and the dashboard (src/ui/api) build their
 * requests from them. Adding a route: one entry here, one handler there (decision 0130).
 */
import { z } from 'zod';
import {
  LIMITS,
  createDatasetSchema,
  createExperimentSchema,
  createModelSchema,
  createModelVersionSchema,
  createTrainingRunSchema,
  hyperparametersSchema,
  hyperparametersBulkQuerySchema,
  idSchema,
  latestMetricsQuerySchema,
  listAllModelVersionsSchema,
  listDatasetsSchema,
  listExperimentsSchema,
  listModelVersionsSchema,
  listRegistryEventsSchema,
  gcOptionsSchema,
  listModelsSchema,
  listPredictionsSchema,
  listTrainingRunsSchema,
  metricBucketQuerySchema,
  metricBucketsBulkQuerySchema,
  metricQuerySchema,
  metricWriteOptionsSchema,
  predictionBatchSchema,
  predictionInputSchema,
  predictionStatsQuerySchema,
  groundTruthBatchSchema,
  jsonValueSchema,
  runInputsSchema,
  searchRunsBodySchema,
  tagKeySchema,
  tagValueSchema,
  textSearchQuerySchema,
  updateDatasetSchema,
  updateExperimentSchema,
  updateModelSchema,
  updateModelVersionSchema,
  updateTrainingRunSchema,
} from '../schemas.js';
import { metricBatchBodySchema } from './metric-columns.js';
import {
  datasetResponse,
  experimentMembershipResponse,
  experimentResponse,
  experimentRunResponse,
  healthResponse,
  hyperparametersResponse,
  latestMetricResponse,
  metricBucketResponse,
  metricPointResponse,
  metricSeriesBucketsResponse,
  metricHistoryColumnsResponse,
  metricSummaryResponse,
  modelResponse,
  modelVersionResponse,
  pageOf,
  predictionResponse,
  registryEventResponse,
  gcReportResponse,
  runHyperparameterResponse,
  predictionStatsResponse,
  runInputResponse,
  statisticsResponse,
  textSearchHitResponse,
  trainingRunResponse,
  writeResultResponse,
} from './responses.js';
import type { ApiRoute } from './route.js';

/** How GET /runs/:id/metrics answers: `points` (an array of point objects, the default) or `columns` (decision 1300). */
export const HISTORY_FORMATS = ['points', 'columns'] as const;
/** The history query: the store's, plus the answer's format (the server takes it off before the store sees the query). */
const metricHistoryQuerySchema = metricQuerySchema.extend({ format: z.enum(HISTORY_FORMATS).optional() });

/** Declares the table: each key becomes its route's operationId, and literal types are kept for callers. */
function api<const T extends Record<string, Omit<ApiRoute, 'operationId'>>>(routes: T): { [K in keyof T]: T[K] & { operationId: K } } {
  return Object.fromEntries(Object.entries(routes).map(([operationId, declared]) => [operationId, { ...declared, operationId }])) as never;
}

const runId = { kind: 'id', description: 'training run id' } as const;
const modelIdOrName = { kind: 'idOrName', description: 'numeric id, or the model name' } as const;
const versionId = { kind: 'id', description: 'model version id' } as const;
const alias = { kind: 'text', description: 'alias name' } as const;
const datasetId = { kind: 'id', description: 'dataset id' } as const;
const experimentIdOrName = { kind: 'idOrName', description: 'numeric id, or the experiment name' } as const;
const experimentId = { kind: 'id', description: 'experiment id' } as const;

/** The body of a ground-truth write: the label, or null to remove it. */
export const groundTruthBody = z.strictObject({ value: jsonValueSchema.nullable() });

/** The body of setModelAlias: the store takes a plain version number, so the server validates this. */
export const aliasBodySchema = z.strictObject({
  version: z.number().int().positive(),
  /** Who moves the alias (the token's name replaces it when the server has tokens). */
  actor: z.string().max(250).nullish(),
});

/** The runs of a bulk metric read: the store's own limit, which a URL cannot carry (decision 0215). */
const runIdList = z.array(idSchema).max(10_000);
/** The query of getMetricSummaries (validated by the server: the store takes plain ids). */
export const metricSummariesQuery = z.strictObject({ runIds: runIdList });
/** Which runs' hyperparameters to read, optionally only some names. */
export const hyperparametersQuery = z.strictObject({ runIds: runIdList, names: hyperparametersBulkQuerySchema.shape.names });
/** Which runs' inputs to read (POST body). */
export const runInputsQuery = z.strictObject({ runIds: runIdList });
const runInputsBody = z.strictObject({ inputs: runInputsSchema });
/** The query of getLatestMetrics (validated by the server: the store takes plain ids). */
export const latestMetricsQuery = z.strictObject({ runIds: runIdList, names: latestMetricsQuerySchema.shape.names });

const tagBody = z.strictObject({ key: tagKeySchema, value: tagValueSchema });
const tagQuery = z.strictObject({ key: tagKeySchema });

/**
 * Per-key tag routes: `PUT …/tags` with `{ "key", "value" }` sets one tag, `DELETE …/tags?key=…`
 * removes it. The key travels in the body or the query string, never the path: URL parsers resolve
 * a `..` or `%2E%2E` path segment.
 */
const setTag = <const P extends ApiRoute['params']>(url: string, params: P, tag: string, noun: string) =>
  ({
    method: 'PUT',
    url: `${url}/tags`,
    summary: `Set one tag of a ${noun} ({ "key": "…", "value": "…" }); its other tags are untouched`,
    tag,
    params,
    body: tagBody,
    bodyRequired: true,
    bodyName: 'tag',
    status: 204,
  }) as const;
const deleteTag = <const P extends ApiRoute['params']>(url: string, params: P, tag: string, noun: string) =>
  ({
    method: 'DELETE',
    url: `${url}/tags`,
    summary: `Delete one tag of a ${noun} (?key=…; 404 when it has no such tag)`,
    tag,
    params,
    query: tagQuery,
    validateQuery: true,
    // A re-sent delete answers 404 when the first one went through.
    retrySafe: false,
    status: 204,
  }) as const;
const runTagParams = { id: { kind: 'id', description: 'training run id' } } as const;
const experimentTagParams = { idOrName: { kind: 'idOrName', description: 'experiment id or name' } } as const;
const modelTagParams = { idOrName: { kind: 'idOrName', description: 'model id or name' } } as const;
const versionTagParams = { id: { kind: 'id', description: 'model version id' } } as const;

export const API = api({
  // The database as a whole.
  health: {
    method: 'GET',
    url: '/api/v1/health',
    summary: 'Backend, database server version and schema version',
    tag: 'system',
    status: 200,
    response: healthResponse,
  },
  getStatistics: {
    method: 'GET',
    url: '/api/v1/statistics',
    summary: 'Counts per entity, runs by status and the newest activity',
    tag: 'system',
    status: 200,
    response: statisticsResponse,
  },
  collectGarbage: {
    method: 'POST',
    url: '/api/v1/gc',
    summary:
      'Purge what was soft-deleted more than olderThanMs ago (default 30 days) with its metrics and predictions, and predictions ' +
      'older than predictionsOlderThanMs, in small committed batches; dryRun counts instead',
    tag: 'system',
    body: gcOptionsSchema,
    bodyName: 'options',
    // A purge run twice purges what the first left: the effect of running it once.
    retrySafe: true,
    status: 200,
    response: gcReportResponse,
  },
  searchText: {
    method: 'GET',
    url: '/api/v1/search',
    summary: 'Full-text search: runs, models, experiments and datasets whose text holds every word of q, best first (entities=run,model limits the kinds)',
    tag: 'system',
    query: textSearchQuerySchema,
    validateQuery: true,
    status: 200,
    response: z.array(textSearchHitResponse),
  },

  // Models and their versions.
  setModelAlias: {
    method: 'PUT',
    url: '/api/v1/models/:idOrName/aliases/:alias',
    summary: 'Point an alias at a version of the model (moving it if it pointed elsewhere)',
    tag: 'models',
    params: { idOrName: modelIdOrName, alias },
    body: aliasBodySchema,
    bodyRequired: true,
    bodyName: 'alias',
    status: 200,
    response: modelResponse,
  },
  deleteModelAlias: {
    method: 'DELETE',
    url: '/api/v1/models/:idOrName/aliases/:alias',
    summary: 'Remove an alias',
    tag: 'models',
    params: { idOrName: modelIdOrName, alias },
    status: 200,
    response: modelResponse,
  },
  getModelVersionByAlias: {
    method: 'GET',
    url: '/api/v1/models/:idOrName/aliases/:alias',
    summary: 'The version an alias points at',
    tag: 'models',
    params: { idOrName: modelIdOrName, alias },
    status: 200,
    response: modelVersionResponse,
  },
  getRegistryEvents: {
    method: 'GET',
    url: '/api/v1/models/:idOrName/events',
    summary: "The model's registry history, newest first: stage changes and alias moves, with who (the token's name) and when",
    tag: 'models',
    params: { idOrName: modelIdOrName },
    query: listRegistryEventsSchema,
    status: 200,
    response: pageOf(registryEventResponse),
  },
  createModel: {
    method: 'POST',
    url: '/api/v1/models',
    summary: 'Create a model',
    tag: 'models',
    body: createModelSchema,
    bodyRequired: true,
    bodyName: 'model',
    status: 201,
    response: modelResponse,
  },
  listModels: {
    method: 'GET',
    url: '/api/v1/models',
    summary: 'List models, newest first',
    tag: 'models',
    query: listModelsSchema,
    status: 200,
    response: pageOf(modelResponse),
  },
  getModel: {
    method: 'GET',
    url: '/api/v1/models/:idOrName',
    summary: 'Get a model by id or name',
    tag: 'models',
    params: { idOrName: modelIdOrName },
    status: 200,
    response: modelResponse,
  },
  updateModel: {
    method: 'PATCH',
    url: '/api/v1/models/:idOrName',
    summary: 'Update a model',
    tag: 'models',
    params: { idOrName: modelIdOrName },
    body: updateModelSchema,
    bodyRequired: true,
    bodyName: 'model',
    status: 200,
    response: modelResponse,
  },
  deleteModel: {
    method: 'DELETE',
    url: '/api/v1/models/:idOrName',
    summary: 'Delete a model with its versions and their predictions',
    tag: 'models',
    params: { idOrName: modelIdOrName },
    status: 204,
  },
  getModelVersions: {
    method: 'GET',
    url: '/api/v1/models/:idOrName/versions',
    summary: "A model's versions, oldest first",
    tag: 'model versions',
    params: { idOrName: modelIdOrName },
    query: listModelVersionsSchema,
    status: 200,
    response: z.array(modelVersionResponse),
  },
  getModelVersionByNumber: {
    method: 'GET',
    url: '/api/v1/models/:idOrName/versions/:version',
    summary: 'Get a model version by its number',
    tag: 'model versions',
    params: { idOrName: modelIdOrName, version: { kind: 'id', description: 'version number (1, 2, 3 …)' } },
    status: 200,
    response: modelVersionResponse,
  },
  createModelVersion: {
    method: 'POST',
    url: '/api/v1/model-versions',
    summary: 'Create the next version of a model',
    tag: 'model versions',
    body: createModelVersionSchema,
    bodyRequired: true,
    bodyName: 'modelVersion',
    status: 201,
    response: modelVersionResponse,
  },
  listModelVersions: {
    method: 'GET',
    url: '/api/v1/model-versions',
    summary: 'Versions across models, newest first (status takes one value or a comma-separated list; filters: modelId, trainingRunId, datasetId)',
    tag: 'model versions',
    query: listAllModelVersionsSchema,
    status: 200,
    response: pageOf(modelVersionResponse),
  },
  getModelVersion: {
    method: 'GET',
    url: '/api/v1/model-versions/:id',
    summary: 'Get a model version by id',
    tag: 'model versions',
    params: { id: versionId },
    status: 200,
    response: modelVersionResponse,
  },
  updateModelVersion: {
    method: 'PATCH',
    url: '/api/v1/model-versions/:id',
    summary: 'Update a model version (e.g. promote it)',
    tag: 'model versions',
    params: { id: versionId },
    body: updateModelVersionSchema,
    bodyRequired: true,
    bodyName: 'modelVersion',
    status: 200,
    response: modelVersionResponse,
  },
  deleteModelVersion: {
    method: 'DELETE',
    url: '/api/v1/model-versions/:id',
    summary: 'Delete a model version',
    tag: 'model versions',
    params: { id: versionId },
    status: 204,
  },

  // Datasets, unique by name and version.
  createDataset: {
    method: 'POST',
    url: '/api/v1/datasets',
    summary: 'Register a dataset version',
    tag: 'datasets',
    body: createDatasetSchema,
    bodyRequired: true,
    bodyName: 'dataset',
    status: 201,
    response: datasetResponse,
  },
  listDatasets: {
    method: 'GET',
    url: '/api/v1/datasets',
    summary: 'List datasets, newest first',
    tag: 'datasets',
    query: listDatasetsSchema,
    status: 200,
    response: pageOf(datasetResponse),
  },
  getDataset: {
    method: 'GET',
    url: '/api/v1/datasets/:idOrName',
    summary: 'Get a dataset by id, or by name (newest version unless `version` is given)',
    tag: 'datasets',
    params: { idOrName: { kind: 'idOrName', description: 'numeric id, or the dataset name' } },
    query: z.strictObject({ version: z.string().min(1).max(LIMITS.shortTextLength).optional() }),
    validateQuery: true,
    status: 200,
    response: datasetResponse,
  },
  updateDataset: {
    method: 'PATCH',
    url: '/api/v1/datasets/:id',
    summary: 'Update a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    body: updateDatasetSchema,
    bodyRequired: true,
    bodyName: 'dataset',
    status: 200,
    response: datasetResponse,
  },
  deleteDataset: {
    method: 'DELETE',
    url: '/api/v1/datasets/:id',
    summary: 'Delete a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    status: 204,
  },

  // Training runs, their hyperparameters and their metrics.
  createTrainingRun: {
    method: 'POST',
    url: '/api/v1/runs',
    summary: 'Start a training run (status running unless created queued)',
    tag: 'runs',
    body: createTrainingRunSchema,
    bodyName: 'trainingRun',
    status: 201,
    response: trainingRunResponse,
  },
  listTrainingRuns: {
    method: 'GET',
    url: '/api/v1/runs',
    summary: 'List training runs, newest first (status takes one value or a comma-separated list)',
    tag: 'runs',
    query: listTrainingRunsSchema,
    status: 200,
    response: pageOf(trainingRunResponse),
  },
  searchRuns: {
    method: 'GET',
    url: '/api/v1/runs/search',
    summary:
      "Runs matching a query in the run query language (docs/query-language.md), e.g. query=metrics.acc > 0.9 and params.lr < 1e-3, " +
      'sorted by orderBy (e.g. metrics.acc DESC), one keyset page at a time. A query that does not parse is a 422 whose error has the 1-based `position`.',
    tag: 'runs',
    query: searchRunsBodySchema,
    validateQuery: true,
    status: 200,
    response: pageOf(trainingRunResponse),
  },
  searchRunsPost: {
    method: 'POST',
    url: '/api/v1/runs/search',
    summary: 'The same search with { query, orderBy, limit, cursor } in the body, for queries too long for a URL',
    tag: 'runs',
    readsOnly: true,
    body: searchRunsBodySchema,
    bodyName: 'search',
    status: 200,
    response: pageOf(trainingRunResponse),
  },
  getTrainingRun: {
    method: 'GET',
    url: '/api/v1/runs/:id',
    summary: 'Get a training run',
    tag: 'runs',
    params: { id: runId },
    status: 200,
    response: trainingRunResponse,
  },
  updateTrainingRun: {
    method: 'PATCH',
    url: '/api/v1/runs/:id',
    summary: 'Update a training run; status changes follow queued → running → completed | failed | killed',
    tag: 'runs',
    params: { id: runId },
    body: updateTrainingRunSchema,
    bodyRequired: true,
    bodyName: 'trainingRun',
    status: 200,
    response: trainingRunResponse,
  },
  deleteTrainingRun: {
    method: 'DELETE',
    url: '/api/v1/runs/:id',
    summary: 'Delete a training run with its hyperparameters, metrics and experiment memberships',
    tag: 'runs',
    params: { id: runId },
    status: 204,
  },
  logHyperparameters: {
    method: 'POST',
    url: '/api/v1/runs/:id/hyperparameters',
    summary: 'Log hyperparameters ({ "name": value, … }); identical re-logs are no-ops, changed values conflict',
    tag: 'hyperparameters',
    params: { id: runId },
    body: hyperparametersSchema,
    bodyRequired: true,
    bodyName: 'hyperparameters',
    // Re-logging identical values is a no-op, so a re-sent request is harmless.
    retrySafe: true,
    status: 204,
  },
  getHyperparametersBulk: {
    method: 'GET',
    url: '/api/v1/hyperparameters',
    summary:
      'Hyperparameters of many runs as { runId, name, value } rows ordered by run then name, optionally only `names` ' +
      '(repeated keys or a comma-separated list); up to about 2,000 ids fit in a URL, use POST /api/v1/hyperparameters/query for more',
    tag: 'hyperparameters',
    query: hyperparametersQuery,
    validateQuery: true,
    status: 200,
    response: z.array(runHyperparameterResponse),
  },
  queryHyperparametersBulk: {
    method: 'POST',
    url: '/api/v1/hyperparameters/query',
    summary: 'The same as GET /api/v1/hyperparameters with the query as a JSON body, for id lists too long for a URL (up to 10,000 ids); only reads',
    tag: 'hyperparameters',
    body: hyperparametersQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(runHyperparameterResponse),
  },
  logRunInputs: {
    method: 'POST',
    url: '/api/v1/runs/:id/inputs',
    summary: 'Record datasets the run used ({ "inputs": [{ datasetId, context, tags }] }); a dataset logged again updates its role and merges its tags',
    tag: 'runs',
    params: { id: runId },
    body: runInputsBody,
    bodyRequired: true,
    // Logging the same inputs again changes nothing, so a re-sent request is harmless.
    retrySafe: true,
    status: 204,
  },
  getRunInputs: {
    method: 'POST',
    url: '/api/v1/run-inputs/query',
    summary: 'The datasets these runs used ({ "runIds": […] }, up to 10,000), by run id, then in logged order; only reads',
    tag: 'runs',
    body: runInputsQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(runInputResponse),
  },
  heartbeat: {
    method: 'POST',
    url: '/api/v1/runs/:id/heartbeat',
    summary:
      'A sign of life of a running run (metric and parameter writes count too); a run silent for longer than its ' +
      'heartbeatTimeoutMs ends failed with the error "heartbeat lost at …". Answers the run as it now is.',
    tag: 'runs',
    params: { id: runId },
    retrySafe: true,
    status: 200,
    response: trainingRunResponse,
  },
  getHyperparameters: {
    method: 'GET',
    url: '/api/v1/runs/:id/hyperparameters',
    summary: "A run's hyperparameters as one object",
    tag: 'hyperparameters',
    params: { id: runId },
    status: 200,
    response: hyperparametersResponse,
  },
  logMetrics: {
    method: 'POST',
    url: '/api/v1/runs/:id/metrics',
    summary:
      'Log a batch of metric points atomically; re-sending a point (same name and step) replaces it, so retries are safe; ' +
      'a batch with omitted steps is safe to re-send when it carries a "batchId" (the run remembers it for a day). ' +
      'The body is { "points": [...] } or, more compactly, { "columns": { "name": [...], "value": [...], "step"?: [...], ' +
      '"epoch"?: [...], "timestamp"?: [...] } } (entry i of each column is point i; errors name points.i either way). ' +
      'NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity".',
    tag: 'metrics',
    params: { id: runId },
    // The store validates the options, naming them as the embedded store does.
    // sameStep travels in the query; batchId in the body, beside the points it names.
    query: metricWriteOptionsSchema.pick({ sameStep: true }),
    body: metricBatchBodySchema,
    bodyRequired: true,
    // A re-sent point replaces itself; a batch with omitted steps carries a batchId.
    retrySafe: true,
    status: 200,
    response: writeResultResponse,
  },
  getMetrics: {
    method: 'GET',
    url: '/api/v1/runs/:id/metrics',
    summary:
      'Raw metric points ordered by name then step (names takes repeated keys or a comma-separated list); long histories are streamed. ' +
      'format=columns answers in columns (segments of one series: delta-coded steps and times, values as base64 doubles), about an eighth of the bytes',
    tag: 'metrics',
    params: { id: runId },
    query: metricHistoryQuerySchema,
    status: 200,
    response: z.union([z.array(metricPointResponse), metricHistoryColumnsResponse]),
  },
  getMetricBuckets: {
    method: 'GET',
    url: '/api/v1/runs/:id/metrics/:name/buckets',
    summary: 'A downsampled metric history: at most `buckets` contiguous step ranges (whole 64-step blocks for long series) with exact min, max, last and count each',
    tag: 'metrics',
    params: { id: runId, name: { kind: 'text', description: 'metric name (URL-encoded; may contain /)' } },
    query: metricBucketQuerySchema,
    status: 200,
    response: z.array(metricBucketResponse),
  },
  getMetricBucketsBulk: {
    method: 'POST',
    url: '/api/v1/metric-buckets',
    summary:
      'Downsampled histories of many series in one read (a read, sent as POST so long name lists fit): every (run, name) of ' +
      'runIds × names, or the metrics of those runs whose names start with namePrefix; at most 1,000 series. Each series ' +
      'answers what GET /runs/{id}/metrics/{name}/buckets would, in columns (entry i of each array is bucket i)',
    tag: 'metrics',
    body: metricBucketsBulkQuerySchema,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: metricSeriesBucketsResponse,
  },
  getMetricSummaries: {
    method: 'GET',
    url: '/api/v1/metric-summaries',
    summary: 'Last, min, max and count per (run, metric), for one or many runs (up to about 2,000 ids fit in a URL; use POST /api/v1/metric-summaries/query for more)',
    tag: 'metrics',
    query: metricSummariesQuery,
    validateQuery: true,
    status: 200,
    response: z.array(metricSummaryResponse),
  },
  queryMetricSummaries: {
    method: 'POST',
    url: '/api/v1/metric-summaries/query',
    summary: 'The same as GET /api/v1/metric-summaries with the query as a JSON body, for id lists too long for a URL (up to 10,000 ids); only reads',
    tag: 'metrics',
    body: metricSummariesQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(metricSummaryResponse),
  },
  getLatestMetrics: {
    method: 'GET',
    url: '/api/v1/latest-metrics',
    summary:
      'Latest value and step per (run, metric), for a runs table (names takes repeated keys or a comma-separated list; ' +
      'up to about 2,000 ids fit in a URL; use POST /api/v1/latest-metrics/query for more)',
    tag: 'metrics',
    query: latestMetricsQuery,
    validateQuery: true,
    status: 200,
    response: z.array(latestMetricResponse),
  },
  queryLatestMetrics: {
    method: 'POST',
    url: '/api/v1/latest-metrics/query',
    summary: 'The same as GET /api/v1/latest-metrics with the query as a JSON body, for id lists too long for a URL (up to 10,000 ids); only reads',
    tag: 'metrics',
    body: latestMetricsQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(latestMetricResponse),
  },

  // Experiments and their member runs.
  getExperimentMemberships: {
    method: 'GET',
    url: '/api/v1/experiment-memberships',
    summary: 'The experiments each of these runs belongs to (runIds takes repeated keys or a comma-separated list)',
    tag: 'experiments',
    query: z.strictObject({ runIds: z.array(idSchema).max(LIMITS.listLimit) }),
    validateQuery: true,
    status: 200,
    response: z.array(experimentMembershipResponse),
  },
  createExperiment: {
    method: 'POST',
    url: '/api/v1/experiments',
    summary: 'Create an experiment',
    tag: 'experiments',
    body: createExperimentSchema,
    bodyRequired: true,
    bodyName: 'experiment',
    status: 201,
    response: experimentResponse,
  },
  listExperiments: {
    method: 'GET',
    url: '/api/v1/experiments',
    summary: 'List experiments, newest first',
    tag: 'experiments',
    query: listExperimentsSchema,
    status: 200,
    response: pageOf(experimentResponse),
  },
  getExperiment: {
    method: 'GET',
    url: '/api/v1/experiments/:idOrName',
    summary: 'Get an experiment by id or name',
    tag: 'experiments',
    params: { idOrName: experimentIdOrName },
    status: 200,
    response: experimentResponse,
  },
  updateExperiment: {
    method: 'PATCH',
    url: '/api/v1/experiments/:idOrName',
    summary: 'Update an experiment',
    tag: 'experiments',
    params: { idOrName: experimentIdOrName },
    body: updateExperimentSchema,
    bodyRequired: true,
    bodyName: 'experiment',
    status: 200,
    response: experimentResponse,
  },
  deleteExperiment: {
    method: 'DELETE',
    url: '/api/v1/experiments/:idOrName',
    summary: 'Delete an experiment (its runs stay)',
    tag: 'experiments',
    params: { idOrName: experimentIdOrName },
    status: 204,
  },
  getExperimentRuns: {
    method: 'GET',
    url: '/api/v1/experiments/:id/runs',
    summary: "An experiment's runs, in the order they were added",
    tag: 'experiments',
    params: { id: experimentId },
    status: 200,
    response: z.array(experimentRunResponse),
  },
  addExperimentRun: {
    method: 'PUT',
    url: '/api/v1/experiments/:id/runs/:runId',
    summary: 'Add a run to an experiment (idempotent)',
    tag: 'experiments',
    params: { id: experimentId, runId },
    status: 204,
  },
  removeExperimentRun: {
    method: 'DELETE',
    url: '/api/v1/experiments/:id/runs/:runId',
    summary: 'Remove a run from an experiment',
    tag: 'experiments',
    params: { id: experimentId, runId },
    status: 204,
  },

  // Inference logs.
  logPrediction: {
    method: 'POST',
    url: '/api/v1/predictions',
    summary: 'Log one prediction',
    tag: 'predictions',
    body: predictionInputSchema,
    bodyRequired: true,
    bodyName: 'prediction',
    status: 201,
    response: predictionResponse,
  },
  logPredictions: {
    method: 'POST',
    url: '/api/v1/predictions/batch',
    summary: 'Log a batch of predictions atomically',
    tag: 'predictions',
    body: z.strictObject({ predictions: predictionBatchSchema }),
    bodyRequired: true,
    status: 200,
    response: writeResultResponse,
  },
  getPredictions: {
    method: 'GET',
    url: '/api/v1/predictions',
    summary: 'List predictions, newest first (since/until take ISO-8601 times or epoch milliseconds)',
    tag: 'predictions',
    query: listPredictionsSchema,
    status: 200,
    response: pageOf(predictionResponse),
  },
  getPrediction: {
    method: 'GET',
    url: '/api/v1/predictions/:id',
    summary: 'Get one prediction with its full input, output and ground truth',
    tag: 'predictions',
    params: { id: { kind: 'id', description: 'prediction id' } },
    status: 200,
    response: predictionResponse,
  },
  getPredictionStats: {
    method: 'GET',
    url: '/api/v1/prediction-stats',
    summary:
      'Prediction statistics per time bucket from write-time rollups: count, errors, latency p50/p95/p99 (1 % relative error) and max, ' +
      'confidence mean and histogram, accuracy; for modelVersionId, each of modelVersionIds side by side, modelId, or everything',
    tag: 'predictions',
    query: predictionStatsQuerySchema,
    status: 200,
    response: predictionStatsResponse,
  },
  recordGroundTruth: {
    method: 'PUT',
    url: '/api/v1/predictions/:id/ground-truth',
    summary: 'Record the ground truth of a prediction (value null removes it)',
    tag: 'predictions',
    params: { id: { kind: 'id', description: 'prediction id' } },
    body: groundTruthBody,
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
  },
  recordGroundTruthByKey: {
    method: 'PUT',
    url: '/api/v1/model-versions/:id/predictions/by-key/:key/ground-truth',
    summary: 'Record the ground truth of the prediction logged with this key (a request id) in a model version',
    tag: 'predictions',
    params: {
      id: { kind: 'id', description: 'model version id' },
      key: { kind: 'text', description: 'the key the prediction was logged with' },
    },
    body: groundTruthBody,
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
  },
  recordGroundTruths: {
    method: 'POST',
    url: '/api/v1/predictions/ground-truth',
    summary: 'Record ground truth for many predictions atomically, each by predictionId or by modelVersionId and key',
    tag: 'predictions',
    body: z.strictObject({ groundTruth: groundTruthBatchSchema }),
    bodyRequired: true,
    // Recording the same labels again changes nothing.
    retrySafe: true,
    status: 200,
    response: writeResultResponse,
  },

  // Tags, one key at a time.
  setTrainingRunTag: setTag('/api/v1/runs/:id', runTagParams, 'runs', 'training run'),
  deleteTrainingRunTag: deleteTag('/api/v1/runs/:id', runTagParams, 'runs', 'training run'),
  setExperimentTag: setTag('/api/v1/experiments/:idOrName', experimentTagParams, 'experiments', 'experiment'),
  deleteExperimentTag: deleteTag('/api/v1/experiments/:idOrName', experimentTagParams, 'experiments', 'experiment'),
  setModelTag: setTag('/api/v1/models/:idOrName', modelTagParams, 'models', 'model'),
  deleteModelTag: deleteTag('/api/v1/models/:idOrName', modelTagParams, 'models', 'model'),
  setModelVersionTag: setTag('/api/v1/model-versions/:id', versionTagParams, 'models', 'model version'),
  deleteModelVersionTag: deleteTag('/api/v1/model-versions/:id', versionTagParams, 'models', 'model version'),
});

/** Every route of the table, in its order. */
export const API_ROUTE_LIST: readonly ApiRoute[] = Object.values(API);
