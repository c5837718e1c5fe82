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
  RunStatus,
  Statistics,
  TrainingRun,
} from '../../core/entities.js';
import {
  decodeDataset,
  decodeExperiment,
  decodeLatestMetric,
  decodeMetricBucket,
  decodeMetricPoint,
  decodeMetricSummary,
  decodeModel,
  decodeModelVersion,
  decodePage,
  decodePrediction,
  decodeStatistics,
  decodeTrainingRun,
  decodeRunHyperparameter,
  type Wire,
  type WireStatistics,
} from './decode.js';
import { getJson, postJson } from './http.js';

type WirePage<T> = { items: Wire<T>[]; nextCursor: string | null };

/** Largest page the server hands out (LIMITS.listLimit). */
export const MAX_PAGE_SIZE = 10_000;
/** Run ids per metric-summaries or latest-metrics request, keeping the URL short. */
const SUMMARY_IDS_PER_REQUEST = 250;

export async function fetchStatistics(signal?: AbortSignal): Promise<Statistics> {
  return decodeStatistics(await getJson<WireStatistics>('/statistics', {}, signal));
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
  const wire = await getJson<WirePage<TrainingRun>>('/runs', { ...rest, status: status?.join(',') }, signal);
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
  return decodeTrainingRun(await getJson<Wire<TrainingRun>>(`/runs/${id}`, {}, signal));
}

export async function fetchHyperparameters(runId: number, signal?: AbortSignal): Promise<Record<string, JsonValue>> {
  return getJson<Record<string, JsonValue>>(`/runs/${runId}/hyperparameters`, {}, signal);
}

/** Run ids per bulk read sent as a POST body (the server's limit). */
const BULK_IDS_PER_REQUEST = 10_000;

/**
 * The hyperparameters of any number of runs (optionally only `names`) as rows, in one POST per
 * 10,000 runs: what sorting and the columns of the runs table need (decision 0610).
 */
export async function fetchHyperparametersBulk(runIds: number[], names?: string[], signal?: AbortSignal): Promise<RunHyperparameter[]> {
  const answers = await Promise.all(
    chunked(runIds, BULK_IDS_PER_REQUEST).map((ids) => postJson<unknown[]>('/hyperparameters/query', names === undefined ? { runIds: ids } : { runIds: ids, names }, signal)),
  );
  return answers.flatMap((answer) => answer.map(decodeRunHyperparameter));
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
    const page: Page<TrainingRun> = decodePage(await postJson<WirePage<TrainingRun>>('/runs/search', body, options.signal), decodeTrainingRun);
    runs.push(...page.items);
    options.onProgress?.(runs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return runs;
}

/** A per-run list route asked for any number of runs, in URL-sized chunks answered in parallel. */
async function fetchForRuns<T>(route: string, runIds: number[], decode: (wire: unknown) => T, signal?: AbortSignal): Promise<T[]> {
  const chunks: number[][] = [];
  for (let start = 0; start < runIds.length; start += SUMMARY_IDS_PER_REQUEST) {
    chunks.push(runIds.slice(start, start + SUMMARY_IDS_PER_REQUEST));
  }
  const answers = await Promise.all(chunks.map((ids) => getJson<unknown[]>(route, { runIds: ids.join(',') }, signal)));
  return answers.flatMap((answer) => answer.map(decode));
}

/** Summaries (last, min, max, count per metric) of any number of runs. */
export const fetchMetricSummaries = (runIds: number[], signal?: AbortSignal): Promise<MetricSummary[]> =>
  fetchForRuns('/metric-summaries', runIds, decodeMetricSummary, signal);

/**
 * The latest value of every metric of any number of runs: what the runs table shows. Sent as POST
 * bodies of up to 10,000 ids, so a table of 10,000 runs costs one request, not forty.
 */
export async function fetchLatestMetrics(runIds: number[], signal?: AbortSignal): Promise<LatestMetric[]> {
  const answers = await Promise.all(
    chunked(runIds, BULK_IDS_PER_REQUEST).map((ids) => postJson<unknown[]>('/latest-metrics/query', { runIds: ids }, signal)),
  );
  return answers.flatMap((answer) => answer.map(decodeLatestMetric));
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
  const answer = await getJson<Wire<MetricBucket>[]>(
    `/runs/${runId}/metrics/${encodeURIComponent(name)}/buckets`,
    { buckets },
    signal,
  );
  return answer.map(decodeMetricBucket);
}

export async function fetchMetricPoints(runId: number, name: string, limit: number, signal?: AbortSignal): Promise<MetricPoint[]> {
  const answer = await getJson<Wire<MetricPoint>[]>(`/runs/${runId}/metrics`, { name, limit }, signal);
  return answer.map(decodeMetricPoint);
}

export async function fetchExperiments(query: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal): Promise<Page<Experiment>> {
  return decodePage(await getJson<WirePage<Experiment>>('/experiments', query, signal), decodeExperiment);
}

export async function fetchExperiment(idOrName: number | string, signal?: AbortSignal): Promise<Experiment> {
  return decodeExperiment(await getJson<Wire<Experiment>>(`/experiments/${encodeURIComponent(String(idOrName))}`, {}, signal));
}

export async function fetchModels(query: { limit?: number; cursor?: string | null; nameContains?: string } = {}, signal?: AbortSignal): Promise<Page<Model>> {
  return decodePage(await getJson<WirePage<Model>>('/models', query, signal), decodeModel);
}

export async function fetchModel(idOrName: number | string, signal?: AbortSignal): Promise<Model> {
  return decodeModel(await getJson<Wire<Model>>(`/models/${encodeURIComponent(String(idOrName))}`, {}, signal));
}

export async function fetchModelVersions(
  modelIdOrName: number | string,
  query: { status?: ModelVersionStatus } = {},
  signal?: AbortSignal,
): Promise<ModelVersion[]> {
  const answer = await getJson<Wire<ModelVersion>[]>(
    `/models/${encodeURIComponent(String(modelIdOrName))}/versions`,
    query,
    signal,
  );
  return answer.map(decodeModelVersion);
}

export async function fetchModelVersion(id: number, signal?: AbortSignal): Promise<ModelVersion> {
  return decodeModelVersion(await getJson<Wire<ModelVersion>>(`/model-versions/${id}`, {}, signal));
}

export async function fetchDatasets(
  query: { limit?: number; cursor?: string | null; name?: string; nameContains?: string } = {},
  signal?: AbortSignal,
): Promise<Page<Dataset>> {
  return decodePage(await getJson<WirePage<Dataset>>('/datasets', query, signal), decodeDataset);
}

export async function fetchDataset(id: number, signal?: AbortSignal): Promise<Dataset> {
  return decodeDataset(await getJson<Wire<Dataset>>(`/datasets/${id}`, {}, signal));
}

export interface PredictionFilter {
  modelVersionId?: number;
  since?: Date;
  until?: Date;
}

export async function fetchPredictions(
  filter: PredictionFilter & { limit?: number; cursor?: string | null },
  signal?: AbortSignal,
): Promise<Page<Prediction>> {
  return decodePage(await getJson<WirePage<Prediction>>('/predictions', { ...filter }, signal), decodePrediction);
}
