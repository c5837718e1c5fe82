/**
 * Typed wrappers over the REST routes the dashboard reads (docs/rest-api.md). Each answer is decoded
 * into the domain types of src/core, so pages work with Dates and numbers, never wire strings.
 */
import type {
  Dataset,
  Experiment,
  JsonValue,
  LatestMetric,
  MetricBucket,
  MetricPoint,
  MetricSummary,
  Model,
  ModelVersion,
  ModelVersionStatus,
  RunHyperparameter,
  Page,
  Prediction,
  PredictionStats,
  RunStatus,
  Statistics,
  TrainingRun,
} from '../../core/entities.js';
import {
  decodeArray,
  decodeDataset,
  decodeExperiment,
  decodeLatestMetric,
  decodeMetricBucket,
  decodeMetricHistoryColumns,
  decodeMetricSummary,
  decodeModel,
  decodeModelVersion,
  decodePage,
  decodePrediction,
  decodePredictionStats,
  decodeStatistics,
  decodeTrainingRun,
  decodeRunHyperparameter,
} from './decode.js';
import { API } from '../../core/api/routes.js';
import { callRoute } from './http.js';

/** Largest page the server hands out (LIMITS.listLimit). */
export const MAX_PAGE_SIZE = 10_000;
/** Run ids per metric-summaries or latest-metrics request, keeping the URL short. */
const SUMMARY_IDS_PER_REQUEST = 250;

export async function fetchStatistics(signal?: AbortSignal): Promise<Statistics> {
  return decodeStatistics(await callRoute(API.getStatistics, {}, signal));
}

export interface RunFilter {
  experimentId?: number;
  modelId?: number;
  modelVersionId?: number;
  datasetId?: number;
  status?: RunStatus[];
  nameContains?: string;
}

export async function fetchRuns(
  filter: RunFilter & { limit?: number; cursor?: string | null },
  signal?: AbortSignal,
): Promise<Page<TrainingRun>> {
  const { status, ...rest } = filter;
  const wire = await callRoute(API.listTrainingRuns, { query: { ...rest, status: status?.join(',') } }, signal);
  return decodePage(wire, decodeTrainingRun);
}

/** Every run matching the filter, fetched page by page; `onProgress` sees the running total. */
export async function fetchAllRuns(
  filter: RunFilter,
  options: { pageSize?: number; signal?: AbortSignal; onProgress?: (runs: TrainingRun[]) => void } = {},
): Promise<TrainingRun[]> {
  const runs: TrainingRun[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<TrainingRun> = await fetchRuns({ ...filter, limit: options.pageSize ?? 1000, cursor }, options.signal);
    runs.push(...page.items);
    options.onProgress?.(runs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return runs;
}

export async function fetchRun(id: number, signal?: AbortSignal): Promise<TrainingRun> {
  return decodeTrainingRun(await callRoute(API.getTrainingRun, { params: { id } }, signal));
}

export async function fetchHyperparameters(runId: number, signal?: AbortSignal): Promise<Record<string, JsonValue>> {
  return (await callRoute(API.getHyperparameters, { params: { id: runId } }, signal)) as Record<string, JsonValue>;
}

/** Run ids per bulk read sent as a POST body (the server's limit). */
const BULK_IDS_PER_REQUEST = 10_000;

/**
 * The hyperparameters of any number of runs (optionally only `names`) as rows, in one POST per
 * 10,000 runs: what sorting and the columns of the runs table need (decision 0610).
 */
export async function fetchHyperparametersBulk(runIds: number[], names?: string[], signal?: AbortSignal): Promise<RunHyperparameter[]> {
  const answers = await Promise.all(
    chunked(runIds, BULK_IDS_PER_REQUEST).map((ids) =>
      callRoute(API.queryHyperparametersBulk, { body: names === undefined ? { runIds: ids } : { runIds: ids, names } }, signal),
    ),
  );
  return answers.flatMap((answer) => decodeArray(answer, decodeRunHyperparameter));
}

/** Runs per search page the dashboard asks for (the server allows up to 50,000). */
const SEARCH_PAGE_SIZE = 10_000;

/**
 * Every run matching a query in the run query language (docs/query-language.md), page by page. A
 * query that does not parse rejects with an ApiError whose `position` is its 1-based column.
 */
export async function searchAllRuns(
  query: string,
  options: { signal?: AbortSignal; onProgress?: (runs: TrainingRun[]) => void } = {},
): Promise<TrainingRun[]> {
  const runs: TrainingRun[] = [];
  let cursor: string | null = null;
  do {
    const body: Record<string, unknown> = { query, limit: SEARCH_PAGE_SIZE, ...(cursor === null ? {} : { cursor }) };
    const page: Page<TrainingRun> = decodePage(await callRoute(API.searchRunsPost, { body }, options.signal), decodeTrainingRun);
    runs.push(...page.items);
    options.onProgress?.(runs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return runs;
}

/**
 * One page of a search, sorted by the server (`orderBy` in the query language's sort keys): what a
 * table needs to show its first rows before every run has loaded.
 */
export async function searchRunsPage(query: string, options: { orderBy?: string; limit: number; signal?: AbortSignal }): Promise<Page<TrainingRun>> {
  const body: Record<string, unknown> = { query, limit: options.limit, ...(options.orderBy === undefined ? {} : { orderBy: options.orderBy }) };
  return decodePage(await callRoute(API.searchRunsPost, { body }, options.signal), decodeTrainingRun);
}

/** A per-run list route asked for any number of runs, in URL-sized chunks answered in parallel. */
async function fetchForRuns<T>(declared: typeof API.getMetricSummaries | typeof API.getLatestMetrics, runIds: number[], decode: (wire: unknown) => T, signal?: AbortSignal): Promise<T[]> {
  const chunks: number[][] = [];
  for (let start = 0; start < runIds.length; start += SUMMARY_IDS_PER_REQUEST) {
    chunks.push(runIds.slice(start, start + SUMMARY_IDS_PER_REQUEST));
  }
  const answers = await Promise.all(chunks.map((ids) => callRoute(declared, { query: { runIds: ids.join(',') } }, signal)));
  return answers.flatMap((answer) => decodeArray(answer, decode));
}

/** Summaries (last, min, max, count per metric) of any number of runs. */
export const fetchMetricSummaries = (runIds: number[], signal?: AbortSignal): Promise<MetricSummary[]> =>
  fetchForRuns(API.getMetricSummaries, runIds, decodeMetricSummary, signal);

/**
 * The latest value of every metric of any number of runs: what the runs table shows. Sent as POST
 * bodies of up to 10,000 ids, so a table of 10,000 runs costs one request, not forty.
 */
export async function fetchLatestMetrics(runIds: number[], signal?: AbortSignal): Promise<LatestMetric[]> {
  const answers = await Promise.all(chunked(runIds, BULK_IDS_PER_REQUEST).map((ids) => callRoute(API.queryLatestMetrics, { body: { runIds: ids } }, signal)));
  return answers.flatMap((answer) => decodeArray(answer, decodeLatestMetric));
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export async function fetchMetricBuckets(
  runId: number,
  name: string,
  buckets: number,
  signal?: AbortSignal,
): Promise<MetricBucket[]> {
  return decodeArray(await callRoute(API.getMetricBuckets, { params: { id: runId, name }, query: { buckets } }, signal), decodeMetricBucket);
}

export async function fetchMetricPoints(runId: number, name: string, limit: number, signal?: AbortSignal): Promise<MetricPoint[]> {
  return decodeMetricHistoryColumns(await callRoute(API.getMetrics, { params: { id: runId }, query: { name, limit, format: 'columns' } }, signal));
}

export async function fetchExperiments(query: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal): Promise<Page<Experiment>> {
  return decodePage(await callRoute(API.listExperiments, { query }, signal), decodeExperiment);
}

export async function fetchExperiment(idOrName: number | string, signal?: AbortSignal): Promise<Experiment> {
  return decodeExperiment(await callRoute(API.getExperiment, { params: { idOrName } }, signal));
}

export async function fetchModels(query: { limit?: number; cursor?: string | null; nameContains?: string } = {}, signal?: AbortSignal): Promise<Page<Model>> {
  return decodePage(await callRoute(API.listModels, { query }, signal), decodeModel);
}

export async function fetchModel(idOrName: number | string, signal?: AbortSignal): Promise<Model> {
  return decodeModel(await callRoute(API.getModel, { params: { idOrName } }, signal));
}

export async function fetchModelVersions(
  modelIdOrName: number | string,
  query: { status?: ModelVersionStatus } = {},
  signal?: AbortSignal,
): Promise<ModelVersion[]> {
  return decodeArray(await callRoute(API.getModelVersions, { params: { idOrName: modelIdOrName }, query }, signal), decodeModelVersion);
}

export async function fetchModelVersion(id: number, signal?: AbortSignal): Promise<ModelVersion> {
  return decodeModelVersion(await callRoute(API.getModelVersion, { params: { id } }, signal));
}

export async function fetchDatasets(
  query: { limit?: number; cursor?: string | null; name?: string; nameContains?: string } = {},
  signal?: AbortSignal,
): Promise<Page<Dataset>> {
  return decodePage(await callRoute(API.listDatasets, { query }, signal), decodeDataset);
}

export async function fetchDataset(id: number, signal?: AbortSignal): Promise<Dataset> {
  return decodeDataset(await callRoute(API.getDataset, { params: { idOrName: id } }, signal));
}

export interface PredictionFilter {
  modelVersionId?: number;
  since?: Date;
  until?: Date;
}

/** Which predictions statistics cover, over which window, in about how many buckets. */
export interface PredictionStatsRequest {
  modelVersionId?: number;
  modelVersionIds?: number[];
  since: Date;
  until: Date;
  buckets?: number;
  bucket?: 'minute' | 'hour' | 'day';
}

/** Aggregates per time bucket, computed by the server from its rollups (no percentiles in the browser). */
export async function fetchPredictionStats(request: PredictionStatsRequest, signal?: AbortSignal): Promise<PredictionStats> {
  const { modelVersionIds, ...rest } = request;
  return decodePredictionStats(
    await callRoute(API.getPredictionStats, { query: { ...rest, ...(modelVersionIds === undefined ? {} : { modelVersionIds: modelVersionIds.join(',') }) } }, signal),
  );
}

export async function fetchPredictions(
  filter: PredictionFilter & { limit?: number; cursor?: string | null },
  signal?: AbortSignal,
): Promise<Page<Prediction>> {
  return decodePage(await callRoute(API.getPredictions, { query: { ...filter } }, signal), decodePrediction);
}
