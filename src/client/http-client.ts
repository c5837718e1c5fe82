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
import { BLOB_CHUNK_BYTES, ExpectedLengthStream, VerifyingStream, holdSourceErrors } from '../core/artifact-streams.js';
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
  predictionExportQuerySchema,
  predictionKeySchema,
  type MetricOptions,
  type MetricPointInput,
  type MetricWriteOptions,
  type SearchRunsOptions,
  type TextSearchOptions,
  type ListRegistryEventsQuery,
  type RegistryChangeOptions,
} from '../core/schemas.js';
import type { AiDatabase, ArtifactSource, OpenedArtifact } from '../store/index.js';
import { HttpTransport, toQueryString } from './http-transport.js';
import { isRetrySafe, pathOf, type ApiRoute, type ParamsOf } from '../core/api/route.js';
import { API } from '../core/api/routes.js';
import { encodeMetricPoints, hasOmittedStep, metricColumns } from '../core/api/metric-columns.js';
import {
  decodeArray,
  decodeDataset,
  decodeExperiment,
  decodeExperimentMembership,
  decodeRunInput,
  decodeExperimentRun,
  decodeMetricBucket,
  decodeMetricSeriesBuckets,
  decodeMetricHistoryColumns,
  decodeLatestMetric,
  decodeRunHyperparameter,
  decodeMetricSummary,
  decodeModel,
  decodeModelVersion,
  decodePage,
  decodePrediction,
  decodePredictionStats,
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

/** What one call of a route sends; `params` is required when the route's path has parameters. */
type SendRequest<R extends ApiRoute> = (R['params'] extends Record<string, unknown> ? { params: ParamsOf<R> } : { params?: undefined }) & {
  query?: Record<string, unknown> | undefined;
  body?: unknown;
  /** The body was built with finite numbers only, so the transport skips its scan for NaN. */
  finiteNumbersChecked?: boolean;
};

/** The artifact routes of one owner kind, so runs and model versions share every call. */
const RUN_ARTIFACTS = {
  log: API.logArtifact,
  list: API.listArtifacts,
  info: API.getArtifactInfo,
  open: API.openArtifact,
  remove: API.deleteArtifact,
};
const VERSION_ARTIFACTS = {
  log: API.logModelVersionArtifact,
  list: API.listModelVersionArtifacts,
  info: API.getModelVersionArtifactInfo,
  open: API.openModelVersionArtifact,
  remove: API.deleteModelVersionArtifact,
};
type OwnerRoutes = typeof RUN_ARTIFACTS | typeof VERSION_ARTIFACTS;

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

  /**
   * One request of a declared route (src/core/api/routes.ts): its method, its path with the
   * parameters filled in, and whether a broken connection may be retried, all from the table.
   */
  async #send<R extends ApiRoute>(declared: R, request: SendRequest<R>): Promise<unknown> {
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    return this.#transport.send({
      method: declared.method,
      path: pathOf(declared, (request.params ?? {}) as ParamsOf<R>),
      query: request.query,
      body: request.body,
      bodyName: declared.bodyName,
      idempotent: isRetrySafe(declared),
      finiteNumbersChecked: request.finiteNumbersChecked,
    });
  }

  async createModel(input: Parameters<AiDatabase['createModel']>[0]): Promise<Model> {
    return decodeModel(await this.#send(API.createModel, { body: input }));
  }
  async getModel(idOrName: number | string): Promise<Model> {
    return decodeModel(await this.#send(API.getModel, { params: { idOrName: checkIdOrName(idOrName) } }));
  }
  async listModels(query?: Parameters<AiDatabase['listModels']>[0]) {
    return decodePage(await this.#send(API.listModels, { query }), decodeModel);
  }
  async updateModel(idOrName: number | string, patch: Parameters<AiDatabase['updateModel']>[1]): Promise<Model> {
    return decodeModel(await this.#send(API.updateModel, { params: { idOrName: checkIdOrName(idOrName) }, body: patch }));
  }
  async deleteModel(idOrName: number | string): Promise<void> {
    await this.#send(API.deleteModel, { params: { idOrName: checkIdOrName(idOrName) } });
  }
  async setModelAlias(idOrName: number | string, alias: string, version: number, options: RegistryChangeOptions = {}): Promise<Model> {
    const params = { idOrName: checkIdOrName(idOrName, 'modelId'), alias };
    const body = options.actor == null ? { version } : { version, actor: options.actor };
    return decodeModel(await this.#send(API.setModelAlias, { params, body }));
  }
  /** Over HTTP the server records the change as its caller's token (`options.actor` is not sent). */
  async deleteModelAlias(idOrName: number | string, alias: string, _options?: RegistryChangeOptions): Promise<Model> {
    return decodeModel(await this.#send(API.deleteModelAlias, { params: { idOrName: checkIdOrName(idOrName, 'modelId'), alias } }));
  }
  async getModelVersionByAlias(idOrName: number | string, alias: string): Promise<ModelVersion> {
    return decodeModelVersion(await this.#send(API.getModelVersionByAlias, { params: { idOrName: checkIdOrName(idOrName, 'modelId'), alias } }));
  }
  async getRegistryEvents(idOrName: number | string, query?: ListRegistryEventsQuery): Promise<Page<RegistryEvent>> {
    return decodePage(await this.#send(API.getRegistryEvents, { params: { idOrName: checkIdOrName(idOrName, 'modelId') }, query }), decodeRegistryEvent);
  }

  async createModelVersion(input: Parameters<AiDatabase['createModelVersion']>[0]): Promise<ModelVersion> {
    return decodeModelVersion(await this.#send(API.createModelVersion, { body: input }));
  }
  async getModelVersions(modelIdOrName: number | string, query?: Parameters<AiDatabase['getModelVersions']>[1]) {
    return decodeArray(await this.#send(API.getModelVersions, { params: { idOrName: checkIdOrName(modelIdOrName, 'modelId') }, query }), decodeModelVersion);
  }
  async listModelVersions(query?: Parameters<AiDatabase['listModelVersions']>[0]) {
    return decodePage(await this.#send(API.listModelVersions, { query }), decodeModelVersion);
  }
  async getModelVersion(id: number): Promise<ModelVersion> {
    return decodeModelVersion(await this.#send(API.getModelVersion, { params: { id: checkId(id) } }));
  }
  async getModelVersionByNumber(modelIdOrName: number | string, version: number): Promise<ModelVersion> {
    return decodeModelVersion(await this.#send(API.getModelVersionByNumber, { params: { idOrName: checkIdOrName(modelIdOrName, 'modelId'), version: checkId(version, 'version') } }));
  }
  async updateModelVersion(id: number, patch: Parameters<AiDatabase['updateModelVersion']>[1]): Promise<ModelVersion> {
    return decodeModelVersion(await this.#send(API.updateModelVersion, { params: { id: checkId(id) }, body: patch }));
  }
  async deleteModelVersion(id: number): Promise<void> {
    await this.#send(API.deleteModelVersion, { params: { id: checkId(id) } });
  }

  async createDataset(input: Parameters<AiDatabase['createDataset']>[0]): Promise<Dataset> {
    return decodeDataset(await this.#send(API.createDataset, { body: input }));
  }
  async getDataset(idOrName: number | string, version?: string): Promise<Dataset> {
    return decodeDataset(await this.#send(API.getDataset, { params: { idOrName: checkIdOrName(idOrName) }, query: { version } }));
  }
  async listDatasets(query?: Parameters<AiDatabase['listDatasets']>[0]) {
    return decodePage(await this.#send(API.listDatasets, { query }), decodeDataset);
  }
  async updateDataset(id: number, patch: Parameters<AiDatabase['updateDataset']>[1]): Promise<Dataset> {
    return decodeDataset(await this.#send(API.updateDataset, { params: { id: checkId(id) }, body: patch }));
  }
  async deleteDataset(id: number): Promise<void> {
    await this.#send(API.deleteDataset, { params: { id: checkId(id) } });
  }

  async createTrainingRun(input?: Parameters<AiDatabase['createTrainingRun']>[0]): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#send(API.createTrainingRun, { body: input ?? {} }));
  }
  async updateTrainingRun(id: number, patch: Parameters<AiDatabase['updateTrainingRun']>[1]): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#send(API.updateTrainingRun, { params: { id: checkId(id) }, body: patch }));
  }
  async getTrainingRun(id: number): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#send(API.getTrainingRun, { params: { id: checkId(id) } }));
  }
  async listTrainingRuns(query?: Parameters<AiDatabase['listTrainingRuns']>[0]) {
    return decodePage(await this.#send(API.listTrainingRuns, { query }), decodeTrainingRun);
  }
  async collectGarbage(options?: Parameters<AiDatabase['collectGarbage']>[0]): Promise<GcReport> {
    return decodeGcReport(await this.#send(API.collectGarbage, { body: options ?? {} }));
  }
  async heartbeat(runId: number): Promise<TrainingRun> {
    return decodeTrainingRun(await this.#send(API.heartbeat, { params: { id: checkId(runId, 'runId') } }));
  }
  async deleteTrainingRun(id: number): Promise<void> {
    await this.#send(API.deleteTrainingRun, { params: { id: checkId(id) } });
  }
  async searchRuns(query: string, options: SearchRunsOptions = {}) {
    const orderBy = Array.isArray(options?.orderBy) ? options.orderBy.join(', ') : options?.orderBy;
    const params = { ...options, query, orderBy };
    // Short queries go as GET (cacheable, linkable); long ones in a POST body, which has no URL limit.
    const length = (typeof query === 'string' ? query.length : 0) + (orderBy?.length ?? 0) + (options?.cursor?.length ?? 0);
    const answer =
      typeof query === 'string' && length < SEARCH_GET_LIMIT && options !== null && typeof options === 'object'
        ? await this.#send(API.searchRuns, { query: params })
        : await this.#send(API.searchRunsPost, { body: { ...options, query } });
    return decodePage(answer, decodeTrainingRun);
  }
  async searchText(words: string, options: TextSearchOptions = {}): Promise<TextSearchHit[]> {
    const query = { ...options, q: words, entities: options?.entities?.join(',') };
    return (await this.#send(API.searchText, { query })) as TextSearchHit[];
  }
  async setTrainingRunTag(id: number, key: string, value: string): Promise<void> {
    await this.#send(API.setTrainingRunTag, { params: { id: checkId(id) }, body: { key, value } });
  }
  async deleteTrainingRunTag(id: number, key: string): Promise<void> {
    await this.#send(API.deleteTrainingRunTag, { params: { id: checkId(id) }, query: { key } });
  }
  async logRunInputs(runId: number, inputs: Parameters<AiDatabase['logRunInputs']>[1]): Promise<void> {
    await this.#send(API.logRunInputs, { params: { id: checkId(runId, 'runId') }, body: { inputs } });
  }
  async getRunInputs(runIds: number[]) {
    const ids = parseInput(z.array(idSchema).max(LIMITS.listLimit), runIds, 'runIds');
    return this.#readForRuns(API.getRunInputs, ids, {}, decodeRunInput);
  }
  async setExperimentTag(idOrName: number | string, key: string, value: string): Promise<void> {
    await this.#send(API.setExperimentTag, { params: { idOrName: checkIdOrName(idOrName) }, body: { key, value } });
  }
  async deleteExperimentTag(idOrName: number | string, key: string): Promise<void> {
    await this.#send(API.deleteExperimentTag, { params: { idOrName: checkIdOrName(idOrName) }, query: { key } });
  }
  async setModelTag(idOrName: number | string, key: string, value: string): Promise<void> {
    await this.#send(API.setModelTag, { params: { idOrName: checkIdOrName(idOrName) }, body: { key, value } });
  }
  async deleteModelTag(idOrName: number | string, key: string): Promise<void> {
    await this.#send(API.deleteModelTag, { params: { idOrName: checkIdOrName(idOrName) }, query: { key } });
  }
  async setModelVersionTag(id: number, key: string, value: string): Promise<void> {
    await this.#send(API.setModelVersionTag, { params: { id: checkId(id) }, body: { key, value } });
  }
  async deleteModelVersionTag(id: number, key: string): Promise<void> {
    await this.#send(API.deleteModelVersionTag, { params: { id: checkId(id) }, query: { key } });
  }

  async logHyperparameters(runId: number, values: Record<string, JsonValue>): Promise<void> {
    await this.#send(API.logHyperparameters, { params: { id: checkId(runId, 'runId') }, body: values });
  }
  async getHyperparameters(runId: number): Promise<Record<string, JsonValue>> {
    return (await this.#send(API.getHyperparameters, { params: { id: checkId(runId, 'runId') } })) as Record<string, JsonValue>;
  }
  async getHyperparametersBulk(runIds: number[], query: Parameters<AiDatabase['getHyperparametersBulk']>[1] = {}) {
    const ids = parseInput(z.array(z.unknown()), runIds, 'runIds').map((runId, index) => checkId(runId as number, `runIds.${index}`));
    if (query?.names?.length === 0) return [];
    return this.#readForRuns(API.queryHyperparametersBulk, ids, query ?? {}, decodeRunHyperparameter);
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
    return (await this.#send(API.logMetrics, {
      params: { id: checkId(runId, 'runId') },
      body,
      query: {
        ...(options.sameStep === undefined ? {} : { sameStep: options.sameStep }),
        ...(options.activeRunOnly === undefined ? {} : { activeRunOnly: options.activeRunOnly }),
      },
      // Built above from finite numbers only (non-finite values are strings by then).
      finiteNumbersChecked: columns !== undefined,
    })) as WriteResult;
  }
  async getMetrics(runId: number, query?: Parameters<AiDatabase['getMetrics']>[1]) {
    // Columns: about an eighth of the bytes of one object per point, and exact (decision 1300).
    return decodeMetricHistoryColumns(await this.#send(API.getMetrics, { params: { id: checkId(runId, 'runId') }, query: { ...query, format: 'columns' } }));
  }
  async getMetricBuckets(runId: number, name: string, query: Parameters<AiDatabase['getMetricBuckets']>[2]) {
    return decodeArray(
      await this.#send(API.getMetricBuckets, { params: { id: checkId(runId, 'runId'), name }, query }),
      decodeMetricBucket,
    );
  }
  async getMetricBucketsBulk(query: Parameters<AiDatabase['getMetricBucketsBulk']>[0]) {
    return decodeMetricSeriesBuckets(await this.#send(API.getMetricBucketsBulk, { body: query }));
  }
  async getMetricSummaries(runIds: number | number[]) {
    const ids = Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : [checkId(runIds, 'runIds')];
    return this.#readForRuns(API.queryMetricSummaries, ids, {}, decodeMetricSummary);
  }
  async getLatestMetrics(runIds: number | number[], query: Parameters<AiDatabase['getLatestMetrics']>[1] = {}) {
    const ids = Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : [checkId(runIds, 'runIds')];
    if (query.names?.length === 0) return [];
    return this.#readForRuns(API.queryLatestMetrics, ids, query, decodeLatestMetric);
  }

  /**
   * A bulk read for any number of runs, as the embedded store takes them: the query travels as a POST
   * body (a URL holds only about 2,000 ids), in sorted chunks of the server's limit per request, so
   * the answers, each in run order, concatenate in run order (decision 0215).
   */
  async #readForRuns<T>(declared: typeof API.queryMetricSummaries | typeof API.queryLatestMetrics | typeof API.getRunInputs | typeof API.queryHyperparametersBulk, ids: number[], query: object, decode: (wire: unknown) => T): Promise<T[]> {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    const results: T[] = [];
    for (let start = 0; start < sorted.length; start += RUN_IDS_PER_REQUEST) {
      const runIds = sorted.slice(start, start + RUN_IDS_PER_REQUEST);
      const answer = await this.#send(declared, { body: { ...query, runIds } });
      for (const item of decodeArray(answer, decode)) results.push(item);
    }
    return results;
  }

  async createExperiment(input: Parameters<AiDatabase['createExperiment']>[0]): Promise<Experiment> {
    return decodeExperiment(await this.#send(API.createExperiment, { body: input }));
  }
  async getExperiment(idOrName: number | string): Promise<Experiment> {
    return decodeExperiment(await this.#send(API.getExperiment, { params: { idOrName: checkIdOrName(idOrName) } }));
  }
  async listExperiments(query?: Parameters<AiDatabase['listExperiments']>[0]) {
    return decodePage(await this.#send(API.listExperiments, { query }), decodeExperiment);
  }
  async updateExperiment(idOrName: number | string, patch: Parameters<AiDatabase['updateExperiment']>[1]): Promise<Experiment> {
    return decodeExperiment(await this.#send(API.updateExperiment, { params: { idOrName: checkIdOrName(idOrName) }, body: patch }));
  }
  async deleteExperiment(idOrName: number | string): Promise<void> {
    await this.#send(API.deleteExperiment, { params: { idOrName: checkIdOrName(idOrName) } });
  }
  async addExperimentRun(experimentId: number, runId: number): Promise<void> {
    await this.#send(API.addExperimentRun, { params: { id: checkId(experimentId, 'experimentId'), runId: checkId(runId, 'runId') } });
  }
  async removeExperimentRun(experimentId: number, runId: number): Promise<void> {
    await this.#send(API.removeExperimentRun, { params: { id: checkId(experimentId, 'experimentId'), runId: checkId(runId, 'runId') } });
  }
  async getExperimentRuns(experimentId: number) {
    return decodeArray(await this.#send(API.getExperimentRuns, { params: { id: checkId(experimentId, 'experimentId') } }), decodeExperimentRun);
  }
  async getExperimentMemberships(runIds: number[]) {
    const ids = parseInput(z.array(idSchema).max(LIMITS.listLimit), runIds, 'runIds');
    if (ids.length === 0) return [];
    return decodeArray(await this.#send(API.getExperimentMemberships, { query: { runIds: ids.join(',') } }), decodeExperimentMembership);
  }

  async logPrediction(input: Parameters<AiDatabase['logPrediction']>[0]): Promise<Prediction> {
    return decodePrediction(await this.#send(API.logPrediction, { body: input }));
  }
  async logPredictions(inputs: Parameters<AiDatabase['logPredictions']>[0]): Promise<WriteResult> {
    return (await this.#send(API.logPredictions, { body: { predictions: inputs } })) as WriteResult;
  }
  async getPredictions(query?: Parameters<AiDatabase['getPredictions']>[0]) {
    return decodePage(await this.#send(API.getPredictions, { query }), decodePrediction);
  }
  async getPrediction(id: number): Promise<Prediction> {
    return decodePrediction(await this.#send(API.getPrediction, { params: { id: checkId(id) } }));
  }
  async getPredictionStats(query?: Parameters<AiDatabase['getPredictionStats']>[0]) {
    return decodePredictionStats(await this.#send(API.getPredictionStats, { query }));
  }
  /** One request; the text arrives as the server reads the predictions. */
  exportPredictions(query: Parameters<AiDatabase['exportPredictions']>[0] = {}): AsyncIterable<string> {
    // Checked when called, as the embedded store does.
    const parsed = parseInput(predictionExportQuerySchema, query, 'query');
    const path = `${pathOf(API.exportPredictions, {})}${toQueryString(parsed)}`;
    const transport = this.#transport;
    const closed = () => this.#closed;
    return (async function* () {
      if (closed()) throw new BackendError('this AiDatabase was closed');
      const answer = await transport.download(path, {});
      const decoder = new TextDecoder('utf-8', { fatal: true });
      try {
        for await (const chunk of answer.body) {
          const text = decoder.decode(chunk as Buffer, { stream: true });
          if (text !== '') yield text;
        }
      } catch (error) {
        throw new BackendError('the server stopped sending the predictions export before its end', { cause: error });
      }
      const rest = decoder.decode();
      if (rest !== '') yield rest;
    })();
  }
  async recordGroundTruth(predictionId: number, value: JsonValue | null): Promise<Prediction> {
    return decodePrediction(
      await this.#send(API.recordGroundTruth, { params: { id: checkId(predictionId, 'predictionId') }, body: { value } }),
    );
  }
  async recordGroundTruthByKey(modelVersionId: number, key: string, value: JsonValue | null): Promise<Prediction> {
    const checked = parseInput(predictionKeySchema, key, 'key');
    return decodePrediction(
      await this.#send(API.recordGroundTruthByKey, { params: { id: checkId(modelVersionId, 'modelVersionId'), key: checked }, body: { value } }),
    );
  }
  async recordGroundTruths(items: Parameters<AiDatabase['recordGroundTruths']>[0]): Promise<WriteResult> {
    return (await this.#send(API.recordGroundTruths, { body: { groundTruth: items } })) as WriteResult;
  }

  async getStatistics() {
    return decodeStatistics(await this.#send(API.getStatistics, {}));
  }

  async transaction<T>(_fn: (tx: AiDatabase) => Promise<T>): Promise<T> {
    throw new ValidationError(
      'interactive transactions need the embedded backend (sqlite, postgresql or mysql); over HTTP each call ' +
        'is atomic on its own, and batch calls (logMetrics, logPredictions, logHyperparameters) are atomic as a whole',
      { field: 'transaction' },
    );
  }

  async #logArtifact(routes: OwnerRoutes, id: number, path: string, source: ArtifactSource, options: LogArtifactOptions = {}): Promise<ArtifactInfo> {
    holdSourceErrors(source);
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    const url = pathOf(routes.log, { id, path: checkArtifactPath(path) });
    const contentType = options.contentType === undefined ? guessContentType(path) : checkContentType(options.contentType);
    const query = options.sha256 === undefined ? {} : { sha256: checkSha256(options.sha256) };
    const body = await artifactSourceStream(source);
    return decodeArtifactInfo(await this.#transport.upload(url, query, contentType, body));
  }

  async #listArtifacts(routes: OwnerRoutes, id: number, options: ListArtifactsOptions = {}): Promise<ArtifactListing> {
    const prefix = checkArtifactPrefix(options.prefix);
    const query = { ...(prefix === '' ? {} : { prefix }), ...(options.recursive === undefined ? {} : { recursive: options.recursive }) };
    const answer = (await this.#send(routes.list, { params: { id }, query })) as ArtifactListing;
    return { files: answer.files.map(decodeArtifactInfo), folders: answer.folders };
  }

  async #artifactInfo(routes: OwnerRoutes, id: number, path: string): Promise<ArtifactInfo> {
    return decodeArtifactInfo(await this.#send(routes.info, { params: { id, path: checkArtifactPath(path) } }));
  }

  async #openArtifact(routes: OwnerRoutes, id: number, path: string, options: OpenArtifactOptions = {}): Promise<OpenedArtifact> {
    if (this.#closed) throw new BackendError('this AiDatabase was closed');
    const url = pathOf(routes.open, { id, path: checkArtifactPath(path) });
    const range = checkByteRange(options.range);
    const headers: Record<string, string> = range === undefined ? {} : { range: `bytes=${range.start}-${range.end ?? ''}` };
    let answer;
    try {
      answer = await this.#transport.download(url, headers);
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
    const info = await this.#artifactInfo(routes, id, path);
    let shown: { start: number; end: number } | undefined;
    if (answer.status === 206 && contentRange !== undefined) {
      const [start, end] = contentRange.replace(/^bytes /, '').split('/')[0]!.split('-').map(Number) as [number, number];
      // A proper part was verified block by block by the server (decision 1014), which cuts the
      // reply off at a corrupted block: a short reply fails the stream instead of ending it.
      if (start !== 0 || end !== total - 1) {
        const counting = new ExpectedLengthStream(end - start + 1, `artifact '${path}'`);
        answer.body.once('aborted', () => counting.destroy(new BackendError(`the server stopped sending artifact '${path}' before the range's end`)));
        answer.body.once('error', (error) => counting.destroy(error));
        return { info, stream: answer.body.pipe(counting), range: { start, end } };
      }
      // A range that covers the whole file is checked like a whole read (decision 1010).
      shown = { start, end };
    }
    // The client checks the bytes itself too: a server cut off mid-answer (it found the stored
    // bytes corrupted) or a proxy that altered them fails the stream instead of ending it.
    const verifying = new VerifyingStream(sha256, total, `artifact '${path}'`);
    answer.body.once('aborted', () => verifying.destroy(new BackendError(`the server stopped sending artifact '${path}' before its end`)));
    answer.body.once('error', (error) => verifying.destroy(error));
    return { info, stream: answer.body.pipe(verifying), ...(shown === undefined ? {} : { range: shown }) };
  }

  async #deleteArtifact(routes: OwnerRoutes, id: number, path: string): Promise<void> {
    await this.#send(routes.remove, { params: { id, path: checkArtifactPath(path) } });
  }

  logArtifact: AiDatabase['logArtifact'] = async (runId, path, source, options) =>
    this.#logArtifact(RUN_ARTIFACTS, checkId(runId, 'runId'), path, source, options);
  listArtifacts: AiDatabase['listArtifacts'] = async (runId, options) => this.#listArtifacts(RUN_ARTIFACTS, checkId(runId, 'runId'), options);
  getArtifactInfo: AiDatabase['getArtifactInfo'] = async (runId, path) => this.#artifactInfo(RUN_ARTIFACTS, checkId(runId, 'runId'), path);
  openArtifact: AiDatabase['openArtifact'] = async (runId, path, options) =>
    this.#openArtifact(RUN_ARTIFACTS, checkId(runId, 'runId'), path, options);
  deleteArtifact: AiDatabase['deleteArtifact'] = async (runId, path) => this.#deleteArtifact(RUN_ARTIFACTS, checkId(runId, 'runId'), path);
  logModelVersionArtifact: AiDatabase['logModelVersionArtifact'] = async (versionId, path, source, options) =>
    this.#logArtifact(VERSION_ARTIFACTS, checkId(versionId, 'versionId'), path, source, options);
  listModelVersionArtifacts: AiDatabase['listModelVersionArtifacts'] = async (versionId, options) =>
    this.#listArtifacts(VERSION_ARTIFACTS, checkId(versionId, 'versionId'), options);
  getModelVersionArtifactInfo: AiDatabase['getModelVersionArtifactInfo'] = async (versionId, path) =>
    this.#artifactInfo(VERSION_ARTIFACTS, checkId(versionId, 'versionId'), path);
  openModelVersionArtifact: AiDatabase['openModelVersionArtifact'] = async (versionId, path, options) =>
    this.#openArtifact(VERSION_ARTIFACTS, checkId(versionId, 'versionId'), path, options);
  deleteModelVersionArtifact: AiDatabase['deleteModelVersionArtifact'] = async (versionId, path) =>
    this.#deleteArtifact(VERSION_ARTIFACTS, checkId(versionId, 'versionId'), path);

  async health(): Promise<HealthReport> {
    return (await this.#send(API.health, {})) as HealthReport;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#transport.close();
  }
}
