/** Training runs, their hyperparameters and their metrics. */
import { z } from 'zod';
import {
  createTrainingRunSchema,
  hyperparametersSchema,
  idSchema,
  latestMetricsQuerySchema,
  searchRunsBodySchema,
  listTrainingRunsSchema,
  metricBucketQuerySchema,
  metricBucketsBulkQuerySchema,
  metricQuerySchema,
  metricWriteOptionsSchema,
  parseInput,
  updateTrainingRunSchema,
} from '../../core/schemas.js';
import type { AiDatabase } from '../../store/ai-database.js';
import type { RouteSpec } from '../route-spec.js';
import { checkBatchSize } from '../batch-limit.js';
import {
  hyperparametersResponse,
  latestMetricResponse,
  metricBucketResponse,
  metricSeriesBucketsResponse,
  metricPointResponse,
  metricSummaryResponse,
  pageOf,
  trainingRunResponse,
  writeResultResponse,
} from '../response-schemas.js';
import { metricBatchBodySchema, readMetricBatchBody } from '../metric-columns.js';
import { metricHistoryAnswer } from '../metric-history-stream.js';
import { encodeLatestMetrics, encodeMetricBuckets, encodeMetricSeriesBuckets, encodeMetricSummaries } from '../wire-encoding.js';

const runId = { kind: 'id', description: 'training run id' } as const;

/** The runs of a bulk metric read: the store's own limit, which a URL cannot carry (decision 0215). */
const runIdList = z.array(idSchema).max(10_000);
const metricSummariesQuery = z.strictObject({ runIds: runIdList });
const latestMetricsQuery = z.strictObject({ runIds: runIdList, names: latestMetricsQuerySchema.shape.names });

async function metricSummaries(db: AiDatabase, query: z.output<typeof metricSummariesQuery>) {
  return encodeMetricSummaries(await db.getMetricSummaries(query.runIds));
}

async function latestMetrics(db: AiDatabase, query: z.output<typeof latestMetricsQuery>) {
  return encodeLatestMetrics(await db.getLatestMetrics(query.runIds, query.names === undefined ? {} : { names: query.names }));
}

function search(db: AiDatabase, input: Record<string, unknown>) {
  const { query, ...options } = input;
  return db.searchRuns(typeof query === 'string' ? query : '', options);
}

export const runRoutes: RouteSpec[] = [
  {
    method: 'POST',
    url: '/api/v1/runs',
    operationId: 'createTrainingRun',
    summary: 'Start a training run (status running unless created queued)',
    tag: 'runs',
    body: createTrainingRunSchema,
    status: 201,
    response: trainingRunResponse,
    handler: ({ db, body }) => db.createTrainingRun((body ?? undefined) as never),
  },
  {
    method: 'GET',
    url: '/api/v1/runs',
    operationId: 'listTrainingRuns',
    summary: 'List training runs, newest first (status takes one value or a comma-separated list)',
    tag: 'runs',
    query: listTrainingRunsSchema,
    status: 200,
    response: pageOf(trainingRunResponse),
    handler: ({ db, query }) => db.listTrainingRuns(query),
  },
  {
    method: 'GET',
    url: '/api/v1/runs/search',
    operationId: 'searchRuns',
    summary:
      "Runs matching a query in the run query language (docs/query-language.md), e.g. query=metrics.acc > 0.9 and params.lr < 1e-3, " +
      'sorted by orderBy (e.g. metrics.acc DESC), one keyset page at a time. A query that does not parse is a 422 whose error has the 1-based `position`.',
    tag: 'runs',
    query: searchRunsBodySchema,
    validateQuery: true,
    status: 200,
    response: pageOf(trainingRunResponse),
    handler: ({ db, query }) => search(db, query),
  },
  {
    method: 'POST',
    url: '/api/v1/runs/search',
    operationId: 'searchRunsPost',
    summary: 'The same search with { query, orderBy, limit, cursor } in the body, for queries too long for a URL',
    tag: 'runs',
    readsOnly: true,
    body: searchRunsBodySchema,
    status: 200,
    response: pageOf(trainingRunResponse),
    handler: ({ db, body }) => search(db, parseInput(searchRunsBodySchema, body ?? {}, 'body')),
  },
  {
    method: 'GET',
    url: '/api/v1/runs/:id',
    operationId: 'getTrainingRun',
    summary: 'Get a training run',
    tag: 'runs',
    params: { id: runId },
    status: 200,
    response: trainingRunResponse,
    handler: ({ db, params }) => db.getTrainingRun(params.id as number),
  },
  {
    method: 'PATCH',
    url: '/api/v1/runs/:id',
    operationId: 'updateTrainingRun',
    summary: 'Update a training run; status changes follow queued → running → completed | failed | killed',
    tag: 'runs',
    params: { id: runId },
    body: updateTrainingRunSchema,
    bodyRequired: true,
    status: 200,
    response: trainingRunResponse,
    handler: ({ db, params, body }) => db.updateTrainingRun(params.id as number, body as never),
  },
  {
    method: 'DELETE',
    url: '/api/v1/runs/:id',
    operationId: 'deleteTrainingRun',
    summary: 'Delete a training run with its hyperparameters, metrics and experiment memberships',
    tag: 'runs',
    params: { id: runId },
    status: 204,
    handler: ({ db, params }) => db.deleteTrainingRun(params.id as number),
  },
  {
    method: 'POST',
    url: '/api/v1/runs/:id/heartbeat',
    operationId: 'heartbeat',
    summary:
      'A sign of life of a running run (metric and parameter writes count too); a run silent for longer than its ' +
      'heartbeatTimeoutMs ends failed with the error "heartbeat lost at …". Answers the run as it now is.',
    tag: 'runs',
    params: { id: runId },
    status: 200,
    response: trainingRunResponse,
    handler: ({ db, params }) => db.heartbeat(params.id as number),
  },
  {
    method: 'POST',
    url: '/api/v1/runs/:id/hyperparameters',
    operationId: 'logHyperparameters',
    summary: 'Log hyperparameters ({ "name": value, … }); identical re-logs are no-ops, changed values conflict',
    tag: 'hyperparameters',
    params: { id: runId },
    body: hyperparametersSchema,
    bodyRequired: true,
    status: 204,
    handler: async ({ db, params, body, config }) => {
      checkBatchSize(body, 'hyperparameters', config.maxBatchSize);
      await db.logHyperparameters(params.id as number, body as never);
    },
  },
  {
    method: 'GET',
    url: '/api/v1/runs/:id/hyperparameters',
    operationId: 'getHyperparameters',
    summary: "A run's hyperparameters as one object",
    tag: 'hyperparameters',
    params: { id: runId },
    status: 200,
    response: hyperparametersResponse,
    handler: ({ db, params }) => db.getHyperparameters(params.id as number),
  },
  {
    method: 'POST',
    url: '/api/v1/runs/:id/metrics',
    operationId: 'logMetrics',
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
    status: 200,
    response: writeResultResponse,
    handler: ({ db, params, body, config, query }) => {
      const batch = readMetricBatchBody(body, config.maxBatchSize);
      return db.logMetrics(params.id as number, batch.points as never, {
        ...(batch.batchId === undefined ? {} : { batchId: batch.batchId as never }),
        ...query,
      });
    },
  },
  {
    method: 'GET',
    url: '/api/v1/runs/:id/metrics',
    operationId: 'getMetrics',
    summary: 'Raw metric points ordered by name then step (names takes repeated keys or a comma-separated list); long histories are streamed',
    tag: 'metrics',
    params: { id: runId },
    query: metricQuerySchema,
    status: 200,
    response: z.array(metricPointResponse),
    handler: async ({ db, params, query }) => metricHistoryAnswer(db, params.id as number, query),
  },
  {
    method: 'GET',
    url: '/api/v1/runs/:id/metrics/:name/buckets',
    operationId: 'getMetricBuckets',
    summary: 'A downsampled metric history: at most `buckets` contiguous step ranges (whole 64-step blocks for long series) with exact min, max, last and count each',
    tag: 'metrics',
    params: { id: runId, name: { kind: 'text', description: 'metric name (URL-encoded; may contain /)' } },
    query: metricBucketQuerySchema,
    status: 200,
    response: z.array(metricBucketResponse),
    handler: async ({ db, params, query }) =>
      encodeMetricBuckets(await db.getMetricBuckets(params.id as number, params.name as string, query as never)),
  },
  {
    method: 'POST',
    url: '/api/v1/metric-buckets',
    operationId: 'getMetricBucketsBulk',
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
    handler: async ({ db, body }) => encodeMetricSeriesBuckets(await db.getMetricBucketsBulk(body as never)),
  },
  {
    method: 'GET',
    url: '/api/v1/metric-summaries',
    operationId: 'getMetricSummaries',
    summary: 'Last, min, max and count per (run, metric), for one or many runs (up to about 2,000 ids fit in a URL; use POST /api/v1/metric-summaries/query for more)',
    tag: 'metrics',
    query: metricSummariesQuery,
    validateQuery: true,
    status: 200,
    response: z.array(metricSummaryResponse),
    // Validated by the server already (validateQuery).
    handler: ({ db, query }) => metricSummaries(db, query as z.output<typeof metricSummariesQuery>),
  },
  {
    method: 'POST',
    url: '/api/v1/metric-summaries/query',
    operationId: 'queryMetricSummaries',
    summary: 'The same as GET /api/v1/metric-summaries with the query as a JSON body, for id lists too long for a URL (up to 10,000 ids); only reads',
    tag: 'metrics',
    body: metricSummariesQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(metricSummaryResponse),
    handler: ({ db, body }) => metricSummaries(db, parseInput(metricSummariesQuery, body, 'query')),
  },
  {
    method: 'GET',
    url: '/api/v1/latest-metrics',
    operationId: 'getLatestMetrics',
    summary:
      'Latest value and step per (run, metric), for a runs table (names takes repeated keys or a comma-separated list; ' +
      'up to about 2,000 ids fit in a URL; use POST /api/v1/latest-metrics/query for more)',
    tag: 'metrics',
    query: latestMetricsQuery,
    validateQuery: true,
    status: 200,
    response: z.array(latestMetricResponse),
    handler: ({ db, query }) => latestMetrics(db, query as z.output<typeof latestMetricsQuery>),
  },
  {
    method: 'POST',
    url: '/api/v1/latest-metrics/query',
    operationId: 'queryLatestMetrics',
    summary: 'The same as GET /api/v1/latest-metrics with the query as a JSON body, for id lists too long for a URL (up to 10,000 ids); only reads',
    tag: 'metrics',
    body: latestMetricsQuery,
    bodyRequired: true,
    readsOnly: true,
    status: 200,
    response: z.array(latestMetricResponse),
    handler: ({ db, body }) => latestMetrics(db, parseInput(latestMetricsQuery, body, 'query')),
  },
];
