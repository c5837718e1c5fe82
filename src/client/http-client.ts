/**
 * The HTTP implementation of AiDatabase: the same API as the embedded store, over an aimdb server.
 * `createAiDatabase({ backend: 'http', url, token })` returns one, so code moves between embedded and
 * shared use by configuration alone.
 */
import { randomUUID } from 'node:crypto';
import type {
  Dataset,
  Experiment,
  HealthReport,
  JsonValue,
  Model,
  ModelVersion,
  Prediction,
  TextSearchHit,
  TrainingRun,
  GcReport,
  Page,
  RegistryEvent,
  WriteResult,
} from '../core/entities.js';
import { BackendError, ValidationError } from '../core/errors.js';
import { z } from 'zod';
import {
  LIMITS,
  idSchema,
  parseInput,
  type MetricOptions,
  type MetricPointInput,
  type MetricWriteOptions,
  type SearchRunsOptions,
  type TextSearchOptions,
  type ListRegistryEventsQuery,
  type RegistryChangeOptions,
} from '../core/schemas.js';
import type { AiDatabase } from '../store/ai-database.js';
import { HttpTransport, type HttpMethod } from './http-transport.js';
import {
  decodeArray,
  decodeDataset,
  decodeExperiment,
  decodeExperimentMembership,
  decodeExperimentRun,
  decodeMetricBucket,
  decodeMetricSeriesBuckets,
  decodeMetricPoint,
  decodeLatestMetric,
  decodeMetricSummary,
  decodeModel,
  decodeModelVersion,
  decodePage,
  decodePrediction,
  decodeStatistics,
  decodeTrainingRun,
  decodeGcReport,
  decodeRegistryEvent,
} from '../core/wire-decoding.js';

/** Options of `createHttpAiDatabase`. */
export interface HttpAiDatabaseOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8765`. */
  url: string;
  /** Bearer token, when the server has tokens configured. */
  token?: string;
  /** How many times a failed connection is retried (default 3). */
  retries?: number;
  /** Send through this fetch instead of the built-in keep-alive agent (node:http). */
  fetch?: typeof fetch;
}

/** Ids are checked here, as the embedded store checks them, so `getModel(1.5)` is a ValidationError, not a name. */
const checkId = (id: number, field = 'id'): number => parseInput(idSchema, id, field);
const checkIdOrName = (idOrName: number | string, field = 'id'): number | string =>
  typeof idOrName === 'number' ? checkId(idOrName, field) : idOrName;

/** One path segment: ids as digits, names URL-encoded (a `/` in a metric name stays inside its segment). */
const segment = (value: number | string) => encodeURIComponent(String(value));

/** Run ids per bulk metric read request: the server's limit for one body. */
const RUN_IDS_PER_REQUEST = 10_000;
/** Characters of query, order and cursor up to which a search goes as GET rather than POST. */
const SEARCH_GET_LIMIT = 4_000;

/** JSON cannot hold NaN or ±Infinity, so metric values travel as strings then. */
const wireMetricValue = (value: number): number | string => (Number.isFinite(value) ? value : String(value));

const POINT_FIELDS = new Set(['name', 'value', 'step', 'epoch', 'timestamp']);
const isFiniteOrAbsent = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value));

/**
 * A batch as the columnar body `{ "columns": {...} }` (docs/rest-api.md, decision 0504): about a
 * third fewer bytes than one object per point, and cheaper to build and to parse. Only batches of
 * plain points take this form; anything the store would reject or that JSON would alter (an unknown
 * field, a NaN step, an invalid Date) returns undefined and goes as `{ "points": [...] }`, so the
 * server answers exactly as for the embedded store.
 */
function metricColumns(points: MetricPointInput[]): Record<string, unknown[]> | undefined {
  if (!Array.isArray(points) || points.length === 0) return undefined;
  const count = points.length;
  const names: unknown[] = new Array(count);
  const values: Array<number | string> = new Array(count);
  let steps: Array<number | null> | undefined;
  let epochs: Array<number | null> | undefined;
  let timestamps: Array<number | string | null> | undefined;
  for (let index = 0; index < count; index++) {
    const point = points[index] as unknown as Record<string, unknown> | null;
    if (point === null || typeof point !== 'object' || Array.isArray(point)) return undefined;
    for (const key in point) if (!POINT_FIELDS.has(key)) return undefined;
    const { name, value, step, epoch, timestamp } = point;
    if (typeof name !== 'string' || typeof value !== 'number' || !isFiniteOrAbsent(step)) return undefined;
    if (epoch !== null && !isFiniteOrAbsent(epoch)) return undefined;
    names[index] = name;
    values[index] = wireMetricValue(value);
    if (step !== undefined) (steps ??= new Array<number | null>(count).fill(null))[index] = step as number;
    if (epoch !== undefined && epoch !== null) (epochs ??= new Array<number | null>(count).fill(null))[index] = epoch as number;
    if (timestamp !== undefined) {
      let time: number | string;
      if (timestamp instanceof Date) {
        time = timestamp.getTime();
        if (Number.isNaN(time)) return undefined;
      } else if (typeof timestamp === 'string' || (typeof timestamp === 'number' && Number.isFinite(timestamp))) {
        time = timestamp;
      } else {
        return undefined;
      }
      (timestamps ??= new Array<number | string | null>(count).fill(null))[index] = time;
    }
  }
  const columns: Record<string, unknown[]> = { name: names, value: values };
  if (steps !== undefined) columns.step = steps;
  if (epochs !== undefined) columns.epoch = epochs;
  if (timestamps !== undefined) columns.timestamp = timestamps;
  return columns;
}

/** Whether the server would pick the step of some point (an object point without a usable step). */
function hasOmittedStep(points: MetricPointInput[]): boolean {
  if (!Array.isArray(points)) return false;
  for (const point of points) {
    const step = (point as { step?: unknown } | null)?.step;
    if (step === undefined || step === null) return true;
  }
  return false;
}

/** The array form, for batches `metricColumns` leaves alone: non-finite values as strings, the rest untouched. */
function encodeMetricPoints(points: MetricPointInput[]): unknown {
  if (!Array.isArray(points)) return points;
  let encoded: unknown[] | undefined;
  for (let index = 0; index < points.length; index++) {
    const point = points[index];
    const value = (point as { value?: unknown } | null)?.value;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      encoded ??= points.slice();
      encoded[index] = { ...point, value: wireMetricValue(value) };
    }
  }
  return encoded ?? points;
}

/**
 * Opens an AiDatabase that talks to an aimdb server. Nothing is sent until the first call.
 *
 * @example
 * const db = createHttpAiDatabase({ url: 'http://127.0.0.1:8765', token: process.env.AIMDB_TOKEN });
 * await db.logMetrics(runId, [{ name: 'loss', value: 0.12, step: 10 }]);
 */
export function createHttpAiDatabase(options: HttpAiDatabaseOptions): AiDatabase {
  return new HttpAiDatabase(options);
}

class HttpAiDatabase implements AiDatabase {
  readonly #transport: HttpTransport;
  #closed = false;

  constructor(options: HttpAiDatabaseOptions) {
    this.#transport = new HttpTransport(options);
  }

  async #call(
    method: HttpMethod,
    path: string,
    extra: {
      query?: Record<string, unknown> | undefined;
      body?: unknown;
      bodyName?: string;
      idempotent?: boolean;
      finiteNumbersChecked?: boolean;
    } = {},
  ): Promise<unknown> {
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    return this.#transport.send({
      method,
      path,
      query: extra.query,
      body: extra.body,
      bodyName: extra.bodyName,
      idempotent: extra.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE'),
      finiteNumbersChecked: extra.finiteNumbersChecked,
    });
  }

  async createModel(input: Parameters<AiDatabase['createModel']>[0]): Promise<Model> {
    return decodeModel(await this.#call('POST', '/models', { body: input, bodyName: 'model' }));
  }
  async getModel(idOrName: number | string): Promise<Model> {
    return decodeModel(await this.#call('GET', `/models/${segment(checkIdOrName(idOrName))}`));
  }
  async listModels(query?: Parameters<AiDatabase['listModels']>[0]) {
    return decodePage(await this.#call('GET', '/models', { query }), decodeModel);
  }
  async updateModel(idOrName: number | string, patch: Parameters<AiDatabase['updateModel']>[1]): Promise<Model> {
    return decodeModel(await this.#call('PATCH', `/models/${segment(checkIdOrName(idOrName))}`, { body: patch, bodyName: 'model' }));
  }
  async deleteModel(idOrName: number | string): Promise<void> {
    await this.#call('DELETE', `/models/${segment(checkIdOrName(idOrName))}`);
  }
  async setModelAlias(idOrName: number | string, alias: string, version: number, options: RegistryChangeOptions = {}): Promise<Model> {
    const path = `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/aliases/${segment(alias)}`;
    const body = options.actor == null ? { version } : { version, actor: options.actor };
    return decodeModel(await this.#call('PUT', path, { body, bodyName: 'alias' }));
  }
  /** Over HTTP the server records the change as its caller's token (`options.actor` is not sent). */
  async deleteModelAlias(idOrName: number | string, alias: string, _options?: RegistryChangeOptions): Promise<Model> {
    return decodeModel(await this.#call('DELETE', `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/aliases/${segment(alias)}`));
  }
  async getModelVersionByAlias(idOrName: number | string, alias: string): Promise<ModelVersion> {
    return decodeModelVersion(await this.#call('GET', `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/aliases/${segment(alias)}`));
  }
  async getRegistryEvents(idOrName: number | string, query?: ListRegistryEventsQuery): Promise<Page<RegistryEvent>> {
    return decodePage(await this.#call('GET', `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/events`, { query }), decodeRegistryEvent);
  }

  async createModelVersion(input: Parameters<AiDatabase['createModelVersion']>[0]): Promise<ModelVersion> {
    return decodeModelVersion(await this.#call('POST', '/model-versions', { body: input, bodyName: 'modelVersion' }));
  }
  async getModelVersions(modelIdOrName: number | string, query?: Parameters<AiDatabase['getModelVersions']>[1]) {
    return decodeArray(await this.#call('GET', `/models/${segment(checkIdOrName(modelIdOrName, 'modelId'))}/versions`, { query }), decodeModelVersion);
  }
  async getModelVersion(id: number): Promise<ModelVersion> {
    return decodeModelVersion(await this.#call('GET', `/model-versions/${segment(checkId(id))}`));
  }
  async getModelVersionByNumber(modelIdOrName: number | string, version: number): Promise<ModelVersion> {
    return decodeModelVersion(await this.#call('GET', `/models/${segment(checkIdOrName(modelIdOrName, 'modelId'))}/versions/${segment(checkId(version, 'version'))}`));
  }
  async updateModelVersion(id: number, patch: Parameters<AiDatabase['updateModelVersion']>[1]): Promise<ModelVersion> {
    return decodeModelVersion(await this.#call('PATCH', `/model-versions/${segment(checkId(id))}`, { body: patch, bodyName: 'modelVersion' }));
  }
  async deleteModelVersion(id: number): Promise<void> {
    await this.#call('DELETE', `/model-versions/${segment(checkId(id))}`);
  }

  async createDataset(input: Parameters<AiDatabase['createDataset']>[0]): Promise<Dataset> {
    return decodeDataset(await this.#call('POST', '/datasets', { body: input, bodyName: 'dataset' }));
  }
  async getDataset(idOrName: number | string, version?: string): Promise<Dataset> {
    return decodeDataset(await this.#call('GET', `/datasets/${segment(checkIdOrName(idOrName))}`, { query: { version } }));
  }
  async listDatasets(query?: Parameters<AiDatabase['listDatasets']>[0]) {
    return decodePage(await this.#call('GET', '/datasets', { query }), decodeDataset);
  }
  async updateDataset(id: number, patch: Parameters<AiDatabase['updateDataset']>[1]): Promise<Dataset> {
    return decodeDataset(await this.#call('PATCH', `/datasets/${segment(checkId(id))}`, { body: patch, bodyName: 'dataset' }));
  }
  async deleteDataset(id: number): Promise<void> {
    await this.#call('DELETE', `/datasets/${segment(checkId(id))}`);
  }

  async createTrainingRun(input?: Parameters<AiDatabase['createTrainingRun']>[0]): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#call('POST', '/runs', { body: input ?? {}, bodyName: 'trainingRun' }));
  }
  async updateTrainingRun(id: number, patch: Parameters<AiDatabase['updateTrainingRun']>[1]): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#call('PATCH', `/runs/${segment(checkId(id))}`, { body: patch, bodyName: 'trainingRun' }));
  }
  async getTrainingRun(id: number): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#call('GET', `/runs/${segment(checkId(id))}`));
  }
  async listTrainingRuns(query?: Parameters<AiDatabase['listTrainingRuns']>[0]) {
    return decodePage(await this.#call('GET', '/runs', { query }), decodeTrainingRun);
  }
  async collectGarbage(options?: Parameters<AiDatabase['collectGarbage']>[0]): Promise<GcReport> {
    return decodeGcReport(await this.#call('POST', '/gc', { body: options ?? {}, bodyName: 'options' }));
  }
  async heartbeat(runId: number): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#call('POST', `/runs/${segment(checkId(runId, 'runId'))}/heartbeat`, { idempotent: true }));
  }
  async deleteTrainingRun(id: number): Promise<void> {
    await this.#call('DELETE', `/runs/${segment(checkId(id))}`);
  }
  async searchRuns(query: string, options: SearchRunsOptions = {}) {
    const orderBy = Array.isArray(options?.orderBy) ? options.orderBy.join(', ') : options?.orderBy;
    const params = { ...options, query, orderBy };
    // Short queries go as GET (cacheable, linkable); long ones in a POST body, which has no URL limit.
    const length = (typeof query === 'string' ? query.length : 0) + (orderBy?.length ?? 0) + (options?.cursor?.length ?? 0);
    const answer =
      typeof query === 'string' && length < SEARCH_GET_LIMIT && options !== null && typeof options === 'object'
        ? await this.#call('GET', '/runs/search', { query: params })
        : await this.#call('POST', '/runs/search', { body: { ...options, query }, bodyName: 'search', idempotent: true });
    return decodePage(answer, decodeTrainingRun);
  }
  async searchText(words: string, options: TextSearchOptions = {}): Promise<TextSearchHit[]> {
    const query = { ...options, q: words, entities: options?.entities?.join(',') };
    return (await this.#call('GET', '/search', { query })) as TextSearchHit[];
  }
  async setTrainingRunTag(id: number, key: string, value: string): Promise<void> {
    await this.#call('PUT', `/runs/${segment(checkId(id))}/tags`, { body: { key, value }, bodyName: 'tag' });
  }
  async deleteTrainingRunTag(id: number, key: string): Promise<void> {
    await this.#call('DELETE', `/runs/${segment(checkId(id))}/tags`, { query: { key }, idempotent: false });
  }
  async setExperimentTag(idOrName: number | string, key: string, value: string): Promise<void> {
    await this.#call('PUT', `/experiments/${segment(checkIdOrName(idOrName))}/tags`, { body: { key, value }, bodyName: 'tag' });
  }
  async deleteExperimentTag(idOrName: number | string, key: string): Promise<void> {
    await this.#call('DELETE', `/experiments/${segment(checkIdOrName(idOrName))}/tags`, { query: { key }, idempotent: false });
  }
  async setModelTag(idOrName: number | string, key: string, value: string): Promise<void> {
    await this.#call('PUT', `/models/${segment(checkIdOrName(idOrName))}/tags`, { body: { key, value }, bodyName: 'tag' });
  }
  async deleteModelTag(idOrName: number | string, key: string): Promise<void> {
    await this.#call('DELETE', `/models/${segment(checkIdOrName(idOrName))}/tags`, { query: { key }, idempotent: false });
  }
  async setModelVersionTag(id: number, key: string, value: string): Promise<void> {
    await this.#call('PUT', `/model-versions/${segment(checkId(id))}/tags`, { body: { key, value }, bodyName: 'tag' });
  }
  async deleteModelVersionTag(id: number, key: string): Promise<void> {
    await this.#call('DELETE', `/model-versions/${segment(checkId(id))}/tags`, { query: { key }, idempotent: false });
  }

  async logHyperparameters(runId: number, values: Record<string, JsonValue>): Promise<void> {
    // Re-logging identical values is a no-op, so a retried request is harmless.
    await this.#call('POST', `/runs/${segment(checkId(runId, 'runId'))}/hyperparameters`, { body: values, bodyName: 'hyperparameters', idempotent: true });
  }
  async getHyperparameters(runId: number): Promise<Record<string, JsonValue>> {
    return (await this.#call('GET', `/runs/${segment(checkId(runId, 'runId'))}/hyperparameters`)) as Record<string, JsonValue>;
  }

  async logMetric(runId: number, name: string, value: number, options: MetricOptions = {}): Promise<void> {
    await this.logMetrics(runId, [{ ...options, name, value }]);
  }
  async logMetrics(runId: number, points: MetricPointInput[], options: MetricWriteOptions = {}): Promise<WriteResult> {
    const columns = metricColumns(points);
    const body: Record<string, unknown> = columns === undefined ? { points: encodeMetricPoints(points) } : { columns };
    // A re-sent point with a step replaces itself, so such a batch may simply be sent again. A point
    // without one would be appended a second time, so that batch carries an id the server remembers.
    const batchId = options.batchId ?? (hasOmittedStep(points) ? randomUUID() : undefined);
    if (batchId !== undefined) body.batchId = batchId;
    return (await this.#call('POST', `/runs/${segment(checkId(runId, 'runId'))}/metrics`, {
      body,
      ...(options.sameStep === undefined ? {} : { query: { sameStep: options.sameStep } }),
      idempotent: true,
      // Built above from finite numbers only (non-finite values are strings by then).
      finiteNumbersChecked: columns !== undefined,
    })) as WriteResult;
  }
  async getMetrics(runId: number, query?: Parameters<AiDatabase['getMetrics']>[1]) {
    return decodeArray(await this.#call('GET', `/runs/${segment(checkId(runId, 'runId'))}/metrics`, { query }), decodeMetricPoint);
  }
  async getMetricBuckets(runId: number, name: string, query: Parameters<AiDatabase['getMetricBuckets']>[2]) {
    return decodeArray(
      await this.#call('GET', `/runs/${segment(checkId(runId, 'runId'))}/metrics/${segment(name)}/buckets`, { query }),
      decodeMetricBucket,
    );
  }
  async getMetricBucketsBulk(query: Parameters<AiDatabase['getMetricBucketsBulk']>[0]) {
    // A read: repeating it is harmless, so it is retried like the other reads.
    return decodeMetricSeriesBuckets(await this.#call('POST', '/metric-buckets', { body: query, idempotent: true }));
  }
  async getMetricSummaries(runIds: number | number[]) {
    const ids = Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : [checkId(runIds, 'runIds')];
    return this.#readForRuns('/metric-summaries/query', ids, {}, decodeMetricSummary);
  }
  async getLatestMetrics(runIds: number | number[], query: Parameters<AiDatabase['getLatestMetrics']>[1] = {}) {
    const ids = Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : [checkId(runIds, 'runIds')];
    if (query.names?.length === 0) return [];
    return this.#readForRuns('/latest-metrics/query', ids, query, decodeLatestMetric);
  }

  /**
   * A bulk read for any number of runs, as the embedded store takes them: the query travels as a POST
   * body (a URL holds only about 2,000 ids), in sorted chunks of the server's limit per request, so
   * the answers, each in run order, concatenate in run order (decision 0215).
   */
  async #readForRuns<T>(path: string, ids: number[], query: object, decode: (wire: unknown) => T): Promise<T[]> {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    const results: T[] = [];
    for (let start = 0; start < sorted.length; start += RUN_IDS_PER_REQUEST) {
      const runIds = sorted.slice(start, start + RUN_IDS_PER_REQUEST);
      const answer = await this.#call('POST', path, { body: { ...query, runIds }, idempotent: true });
      for (const item of decodeArray(answer, decode)) results.push(item);
    }
    return results;
  }

  async createExperiment(input: Parameters<AiDatabase['createExperiment']>[0]): Promise<Experiment> {
    return decodeExperiment(await this.#call('POST', '/experiments', { body: input, bodyName: 'experiment' }));
  }
  async getExperiment(idOrName: number | string): Promise<Experiment> {
    return decodeExperiment(await this.#call('GET', `/experiments/${segment(checkIdOrName(idOrName))}`));
  }
  async listExperiments(query?: Parameters<AiDatabase['listExperiments']>[0]) {
    return decodePage(await this.#call('GET', '/experiments', { query }), decodeExperiment);
  }
  async updateExperiment(idOrName: number | string, patch: Parameters<AiDatabase['updateExperiment']>[1]): Promise<Experiment> {
    return decodeExperiment(await this.#call('PATCH', `/experiments/${segment(checkIdOrName(idOrName))}`, { body: patch, bodyName: 'experiment' }));
  }
  async deleteExperiment(idOrName: number | string): Promise<void> {
    await this.#call('DELETE', `/experiments/${segment(checkIdOrName(idOrName))}`);
  }
  async addExperimentRun(experimentId: number, runId: number): Promise<void> {
    await this.#call('PUT', `/experiments/${segment(checkId(experimentId, 'experimentId'))}/runs/${segment(checkId(runId, 'runId'))}`);
  }
  async removeExperimentRun(experimentId: number, runId: number): Promise<void> {
    await this.#call('DELETE', `/experiments/${segment(checkId(experimentId, 'experimentId'))}/runs/${segment(checkId(runId, 'runId'))}`);
  }
  async getExperimentRuns(experimentId: number) {
    return decodeArray(await this.#call('GET', `/experiments/${segment(checkId(experimentId, 'experimentId'))}/runs`), decodeExperimentRun);
  }
  async getExperimentMemberships(runIds: number[]) {
    const ids = parseInput(z.array(idSchema).max(LIMITS.listLimit), runIds, 'runIds');
    if (ids.length === 0) return [];
    return decodeArray(await this.#call('GET', '/experiment-memberships', { query: { runIds: ids.join(',') } }), decodeExperimentMembership);
  }

  async logPrediction(input: Parameters<AiDatabase['logPrediction']>[0]): Promise<Prediction> {
    return decodePrediction(await this.#call('POST', '/predictions', { body: input, bodyName: 'prediction' }));
  }
  async logPredictions(inputs: Parameters<AiDatabase['logPredictions']>[0]): Promise<WriteResult> {
    return (await this.#call('POST', '/predictions/batch', { body: { predictions: inputs } })) as WriteResult;
  }
  async getPredictions(query?: Parameters<AiDatabase['getPredictions']>[0]) {
    return decodePage(await this.#call('GET', '/predictions', { query }), decodePrediction);
  }

  async getStatistics() {
    return decodeStatistics(await this.#call('GET', '/statistics'));
  }

  async transaction<T>(_fn: (tx: AiDatabase) => Promise<T>): Promise<T> {
    throw new ValidationError(
      'interactive transactions need the embedded backend (sqlite, postgresql or mysql); over HTTP each call ' +
        'is atomic on its own, and batch calls (logMetrics, logPredictions, logHyperparameters) are atomic as a whole',
      { field: 'transaction' },
    );
  }

  async health(): Promise<HealthReport> {
    return (await this.#call('GET', '/health')) as HealthReport;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#transport.close();
  }
}
