/** Training runs, their hyperparameters and their metrics. */
import { checkBatchSize } from '../../core/api/batch-body.js';
import { readMetricBatchBody } from '../../core/api/metric-columns.js';
import { unwrapBatchBody } from '../../core/api/batch-body.js';
import { API, HISTORY_FORMATS, hyperparametersQuery, latestMetricsQuery, metricSummariesQuery, runInputsQuery } from '../../core/api/routes.js';
import { ValidationError } from '../../core/errors.js';
import type { JsonValue } from '../../core/entities.js';
import { parseInput, type SearchRunsOptions } from '../../core/schemas.js';
import type { AiDatabase } from '../../store/index.js';
import { serve } from '../route-spec.js';
import { metricHistoryAnswer } from '../metric-history-stream.js';
import { encodeLatestMetrics, encodeMetricBuckets, encodeMetricSeriesBuckets, encodeMetricSummaries } from '../wire-encoding.js';

function hyperparametersOfRuns(db: AiDatabase, { runIds, names }: { runIds: number[]; names?: string[] | undefined }) {
  return db.getHyperparametersBulk(runIds, names === undefined ? {} : { names });
}

async function metricSummaries(db: AiDatabase, runIds: number[]) {
  return encodeMetricSummaries(await db.getMetricSummaries(runIds));
}

async function latestMetrics(db: AiDatabase, { runIds, names }: { runIds: number[]; names?: string[] | undefined }) {
  return encodeLatestMetrics(await db.getLatestMetrics(runIds, names === undefined ? {} : { names }));
}

function search(db: AiDatabase, { query, ...options }: { query?: unknown } & SearchRunsOptions) {
  return db.searchRuns(typeof query === 'string' ? query : '', options);
}

export const runRoutes = [
  serve(API.createTrainingRun, ({ db, body }) => db.createTrainingRun(body ?? undefined)),
  serve(API.listTrainingRuns, ({ db, query }) => db.listTrainingRuns(query)),
  serve(API.searchRuns, ({ db, query }) => search(db, query)),
  serve(API.searchRunsPost, ({ db, body }) => search(db, parseInput(API.searchRunsPost.body, body ?? {}, 'body'))),
  serve(API.getTrainingRun, ({ db, params }) => db.getTrainingRun(params.id)),
  serve(API.updateTrainingRun, ({ db, params, body }) => db.updateTrainingRun(params.id, body)),
  serve(API.deleteTrainingRun, ({ db, params }) => db.deleteTrainingRun(params.id)),
  serve(API.heartbeat, ({ db, params }) => db.heartbeat(params.id)),
  serve(API.logHyperparameters, async ({ db, params, body, config }) => {
    checkBatchSize(body, 'hyperparameters', config.maxBatchSize);
    // The schema takes any values and checks each is JSON; the store runs that check.
    await db.logHyperparameters(params.id, body as Record<string, JsonValue>);
  }),
  serve(API.getHyperparameters, ({ db, params }) => db.getHyperparameters(params.id)),
  // Validated by the server already (validateQuery).
  serve(API.getHyperparametersBulk, ({ db, query }) => hyperparametersOfRuns(db, query)),
  serve(API.queryHyperparametersBulk, ({ db, body }) => hyperparametersOfRuns(db, parseInput(hyperparametersQuery, body, 'query'))),
  // The inputs are validated by the store, so errors name them as the library does (inputs.0.datasetId).
  serve(API.logRunInputs, ({ db, params, body }) => db.logRunInputs(params.id, unwrapBatchBody(body, 'inputs') as Parameters<AiDatabase['logRunInputs']>[1])),
  serve(API.getRunInputs, ({ db, body }) => db.getRunInputs(parseInput(runInputsQuery, body, 'query').runIds)),
  serve(API.logMetrics, ({ db, params, body, config, query }) => {
    // Points and batch id are read from either form, still unchecked: the store validates both.
    const batch = readMetricBatchBody(body, config.maxBatchSize) as { points: Parameters<AiDatabase['logMetrics']>[1]; batchId?: string };
    return db.logMetrics(params.id, batch.points, { ...(batch.batchId === undefined ? {} : { batchId: batch.batchId }), ...query });
  }),
  serve(API.getMetrics, async ({ db, params, query }) => {
    const { format, ...rest } = query;
    if (format !== undefined && !(HISTORY_FORMATS as readonly unknown[]).includes(format)) {
      throw new ValidationError(`query.format: must be one of ${HISTORY_FORMATS.join(', ')}`, { field: 'query.format' });
    }
    return metricHistoryAnswer(db, params.id, rest, undefined, format);
  }),
  serve(API.getMetricBuckets, async ({ db, params, query }) =>
    encodeMetricBuckets(await db.getMetricBuckets(params.id, params.name, query)),
  ),
  serve(API.getMetricBucketsBulk, async ({ db, body }) => encodeMetricSeriesBuckets(await db.getMetricBucketsBulk(body))),
  // Validated by the server already (validateQuery).
  serve(API.getMetricSummaries, ({ db, query }) => metricSummaries(db, query.runIds)),
  serve(API.queryMetricSummaries, ({ db, body }) => metricSummaries(db, parseInput(metricSummariesQuery, body, 'query').runIds)),
  serve(API.getLatestMetrics, ({ db, query }) => latestMetrics(db, query)),
  serve(API.queryLatestMetrics, ({ db, body }) => latestMetrics(db, parseInput(latestMetricsQuery, body, 'query'))),
];
