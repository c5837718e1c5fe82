/** The route table's group: training runs, their hyperparameters and their metrics */
import { z } from 'zod';
import { createTrainingRunSchema, hyperparametersSchema, listTrainingRunsSchema, metricBucketQuerySchema, metricBucketsBulkQuerySchema, metricQuerySchema, metricWriteOptionsSchema, searchRunsBodySchema, updateTrainingRunSchema } from '../../schemas.js';
import { metricBatchBodySchema } from '../metric-columns.js';
import { hyperparametersResponse, latestMetricResponse, metricBucketResponse, metricHistoryColumnsResponse, metricPointResponse, metricSeriesBucketsResponse, metricSummaryResponse, pageOf, runHyperparameterResponse, runInputResponse, trainingRunResponse, writeResultResponse } from '../responses.js';
import { hyperparametersQuery, latestMetricsQuery, metricSummariesQuery, routeGroup, runId, runInputsBody, runInputsQuery } from './common.js';

/** How GET /runs/:id/metrics answers: `points` (an array of point objects, the default) or `columns` (decision 1300). */
export const HISTORY_FORMATS = ['points', 'columns'] as const;
/** The history query: the store's, plus the answer's format (the server takes it off before the store sees the query). */
const metricHistoryQuerySchema = metricQuerySchema.extend({ format: z.enum(HISTORY_FORMATS).optional() });

export const runRoutes = routeGroup({
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
    // sameStep and activeRunOnly travel in the query; batchId in the body, beside the points it names.
    query: metricWriteOptionsSchema.pick({ sameStep: true, activeRunOnly: true }),
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
});
