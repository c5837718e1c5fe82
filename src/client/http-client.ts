/**
 * The HTTP implementation of AiDatabase: the same API as the embedded store, over an aimdb server.
 * `createAiDatabase({ backend: 'http', url, token })` returns one, so code moves between embedded and
 * shared use by configuration alone.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  checkArtifactPath,
  checkArtifactPrefix,
  checkByteRange,
  checkContentType,
  checkSha256,
  guessContentType,
  type ArtifactInfo,
  type ArtifactListing,
  type ListArtifactsOptions,
  type LogArtifactOptions,
  type OpenArtifactOptions,
} from '../core/artifacts.js';
import { BLOB_CHUNK_BYTES, VerifyingStream } from '../core/artifact-streams.js';
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
} from '../core/schemas.js';
import type { AiDatabase, ArtifactSource, OpenedArtifact } from '../store/ai-database.js';
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

/** An artifact path as URL segments, each encoded (its `/` separators stay separators). */
const artifactSegments = (path: string) => checkArtifactPath(path).split('/').map(encodeURIComponent).join('/');

function decodeArtifactInfo(value: unknown): ArtifactInfo {
  const row = value as ArtifactInfo;
  return { path: row.path, size: row.size, sha256: row.sha256, contentType: row.contentType, createdAt: row.createdAt };
}

async function artifactSourceStream(source: ArtifactSource): Promise<Readable> {
  if (typeof source === 'string') {
    try {
      if (!(await stat(source)).isFile()) throw new ValidationError(`source: ${source} is not a file`, { field: 'source' });
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError(`source: cannot read the file ${source} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: 'source' });
    }
    return createReadStream(source, { highWaterMark: BLOB_CHUNK_BYTES });
  }
  if (source instanceof Uint8Array) return Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)]);
  if (source instanceof Readable) return source;
  throw new ValidationError('source: must be a file path, a Buffer or a readable stream', { field: 'source' });
}

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
  async setModelAlias(idOrName: number | string, alias: string, version: number): Promise<Model> {
    const path = `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/aliases/${segment(alias)}`;
    return decodeModel(await this.#call('PUT', path, { body: { version }, bodyName: 'alias' }));
  }
  async deleteModelAlias(idOrName: number | string, alias: string): Promise<Model> {
    return decodeModel(await this.#call('DELETE', `/models/${segment(checkIdOrName(idOrName, 'modelId'))}/aliases/${segment(alias)}`));
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

  async #logArtifact(base: string, path: string, source: ArtifactSource, options: LogArtifactOptions = {}): Promise<ArtifactInfo> {
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    const segments = artifactSegments(path);
    const contentType = options.contentType === undefined ? guessContentType(path) : checkContentType(options.contentType);
    const query = options.sha256 === undefined ? {} : { sha256: checkSha256(options.sha256) };
    const body = await artifactSourceStream(source);
    return decodeArtifactInfo(await this.#transport.upload(`${base}/artifacts/${segments}`, query, contentType, body));
  }

  async #listArtifacts(base: string, options: ListArtifactsOptions = {}): Promise<ArtifactListing> {
    const prefix = checkArtifactPrefix(options.prefix);
    const answer = (await this.#call('GET', `${base}/artifacts`, {
      query: { ...(prefix === '' ? {} : { prefix }), ...(options.recursive === undefined ? {} : { recursive: options.recursive }) },
    })) as ArtifactListing;
    return { files: answer.files.map(decodeArtifactInfo), folders: answer.folders };
  }

  async #artifactInfo(base: string, path: string): Promise<ArtifactInfo> {
    return decodeArtifactInfo(await this.#call('GET', `${base}/artifact-info/${artifactSegments(path)}`));
  }

  async #openArtifact(base: string, path: string, options: OpenArtifactOptions = {}): Promise<OpenedArtifact> {
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    const segments = artifactSegments(path);
    const range = checkByteRange(options.range);
    const headers: Record<string, string> = range === undefined ? {} : { range: `bytes=${range.start}-${range.end ?? ''}` };
    let answer;
    try {
      answer = await this.#transport.download(`${base}/artifacts/${segments}`, headers);
    } catch (error) {
      // The server answers an unsatisfiable range 416; the library's own check says the same.
      if (error instanceof ValidationError && error.field === 'range') {
        throw new ValidationError(`range.start: ${range?.start ?? 0} is beyond the artifact's end`, { field: 'range.start' });
      }
      throw error;
    }
    const sha256 = String(answer.headers['x-aimdb-sha256'] ?? '');
    const contentRange = answer.headers['content-range'];
    const total = contentRange === undefined ? Number(answer.headers['content-length']) : Number(contentRange.split('/')[1]);
    // The exact metadata (millisecond time) comes from the info route; the bytes are checked against
    // the hash the download itself announced.
    const info = await this.#artifactInfo(base, path);
    if (answer.status === 206 && contentRange !== undefined) {
      const [start, end] = contentRange.replace(/^bytes /, '').split('/')[0]!.split('-').map(Number) as [number, number];
      return { info, stream: answer.body, range: { start, end } };
    }
    // The client checks the bytes itself too: a server cut off mid-answer (it found the stored
    // bytes corrupted) or a proxy that altered them fails the stream instead of ending it.
    const verifying = new VerifyingStream(sha256, total, `artifact '${path}'`);
    answer.body.once('aborted', () => verifying.destroy(new BackendError(`the server stopped sending artifact '${path}' before its end`)));
    answer.body.once('error', (error) => verifying.destroy(error));
    return { info, stream: answer.body.pipe(verifying) };
  }

  async #deleteArtifact(base: string, path: string): Promise<void> {
    await this.#call('DELETE', `${base}/artifacts/${artifactSegments(path)}`);
  }

  logArtifact: AiDatabase['logArtifact'] = async (runId, path, source, options) =>
    this.#logArtifact(`/runs/${checkId(runId, 'runId')}`, path, source, options);
  listArtifacts: AiDatabase['listArtifacts'] = async (runId, options) => this.#listArtifacts(`/runs/${checkId(runId, 'runId')}`, options);
  getArtifactInfo: AiDatabase['getArtifactInfo'] = async (runId, path) => this.#artifactInfo(`/runs/${checkId(runId, 'runId')}`, path);
  openArtifact: AiDatabase['openArtifact'] = async (runId, path, options) =>
    this.#openArtifact(`/runs/${checkId(runId, 'runId')}`, path, options);
  deleteArtifact: AiDatabase['deleteArtifact'] = async (runId, path) => this.#deleteArtifact(`/runs/${checkId(runId, 'runId')}`, path);
  logModelVersionArtifact: AiDatabase['logModelVersionArtifact'] = async (versionId, path, source, options) =>
    this.#logArtifact(`/model-versions/${checkId(versionId, 'versionId')}`, path, source, options);
  listModelVersionArtifacts: AiDatabase['listModelVersionArtifacts'] = async (versionId, options) =>
    this.#listArtifacts(`/model-versions/${checkId(versionId, 'versionId')}`, options);
  getModelVersionArtifactInfo: AiDatabase['getModelVersionArtifactInfo'] = async (versionId, path) =>
    this.#artifactInfo(`/model-versions/${checkId(versionId, 'versionId')}`, path);
  openModelVersionArtifact: AiDatabase['openModelVersionArtifact'] = async (versionId, path, options) =>
    this.#openArtifact(`/model-versions/${checkId(versionId, 'versionId')}`, path, options);
  deleteModelVersionArtifact: AiDatabase['deleteModelVersionArtifact'] = async (versionId, path) =>
    this.#deleteArtifact(`/model-versions/${checkId(versionId, 'versionId')}`, path);

  async health(): Promise<HealthReport> {
    return (await this.#call('GET', '/health')) as HealthReport;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#transport.close();
  }
}
