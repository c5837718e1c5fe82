/** The SQL implementation of AiDatabase: a thin class over the per-aggregate modules. */
import type { Kysely } from 'kysely';
import type { HealthReport, JsonValue } from '../../core/entities.js';
import { z } from 'zod';
import { LIMITS, idSchema, isStorableText, parseInput, predictionExportQuerySchema, type MetricOptions, type PredictionExportQuery } from '../../core/schemas.js';
import { predictionExportText } from '../../core/prediction-export.js';
import { ValidationError } from '../../core/errors.js';
import type { AiDatabase } from '../ai-database.js';
import type { MetricColumnStore } from '../metric-columns.js';
import { guarded, translateError, type StoreContext } from './context.js';
import * as artifacts from './artifacts.js';
import * as datasets from './datasets.js';
import * as experiments from './experiments.js';
import * as garbage from './garbage-collection.js';
import * as heartbeats from './heartbeats.js';
import * as hyperparameters from './hyperparameters.js';
import * as latestMetrics from './latest-metrics.js';
import * as metrics from './metrics.js';
import * as models from './models.js';
import * as predictions from './predictions.js';
import * as predictionRollups from './prediction-rollups.js';
import * as registryEvents from './registry-events.js';
import * as runs from './runs.js';
import * as runInputs from './run-inputs.js';
import * as runSearch from './run-search.js';
import * as statistics from './statistics.js';
import * as tags from './tags.js';
import * as textSearch from './text-search.js';
import type { Tables } from './tables.js';
import * as versions from './versions.js';

/** Ids are checked before any SQL: a fraction or NaN would otherwise reach the driver (and MySQL inlines NaN). */
const checkId = (id: number, field = 'id'): number => parseInput(idSchema, id, field);
/**
 * A name to look up must be text a backend can hold, as names to store must: PostgreSQL refuses
 * U+0000 even in a WHERE clause, so without this check one backend failed where the others said
 * "not found".
 */
function checkLookupText<T extends string | undefined>(text: T, field: string): T {
  if (text !== undefined && !isStorableText(text)) {
    throw new ValidationError(`${field}: must not contain the NUL character (U+0000) or an unpaired surrogate`, { field });
  }
  return text;
}
const checkIdOrName = (idOrName: number | string, field = 'id'): number | string =>
  typeof idOrName === 'number' ? checkId(idOrName, field) : checkLookupText(idOrName, 'name');

/**
 * The schema's version as the migrations know them. The migrations sit above the store (they build
 * its tables), so whoever opens the database passes this in.
 */
export interface SchemaInfo {
  /** The newest migration this aimdb has. */
  latest: string;
  /** The newest migration applied to the database, or null for an empty one. */
  current(db: Kysely<Tables>): Promise<string | null>;
}

type Rest<F> = F extends (ctx: StoreContext, ...args: infer A) => infer R ? (...args: A) => R : never;

export class SqlAiDatabase implements AiDatabase, MetricColumnStore {
  readonly #ctx: StoreContext;
  readonly #onClose: () => Promise<void>;
  readonly #schema: SchemaInfo;

  constructor(ctx: StoreContext, onClose: () => Promise<void>, schema: SchemaInfo) {
    this.#ctx = ctx;
    this.#onClose = onClose;
    this.#schema = schema;
  }

  /** The Kysely instance, for tools that move whole tables (copy, export, bench). */
  get kysely(): Kysely<Tables> {
    return this.#ctx.db;
  }

  /** The backend object: its name and capabilities. */
  get backend() {
    return this.#ctx.backend;
  }

  createModel: Rest<typeof models.createModel> = (input) => models.createModel(this.#ctx, input);
  getModel: Rest<typeof models.getModel> = async (idOrName) => models.getModel(this.#ctx, checkIdOrName(idOrName));
  listModels: Rest<typeof models.listModels> = (query) => models.listModels(this.#ctx, query);
  updateModel: Rest<typeof models.updateModel> = async (idOrName, patch) =>
    models.updateModel(this.#ctx, checkIdOrName(idOrName), patch);
  deleteModel: Rest<typeof models.deleteModel> = async (idOrName) => models.deleteModel(this.#ctx, checkIdOrName(idOrName));
  setModelAlias: Rest<typeof models.setModelAlias> = async (idOrName, alias, version, options) =>
    models.setModelAlias(this.#ctx, checkIdOrName(idOrName, 'modelId'), alias, version, options);
  deleteModelAlias: Rest<typeof models.deleteModelAlias> = async (idOrName, alias, options) =>
    models.deleteModelAlias(this.#ctx, checkIdOrName(idOrName, 'modelId'), alias, options);
  getModelVersionByAlias: Rest<typeof models.getModelVersionByAlias> = async (idOrName, alias) =>
    models.getModelVersionByAlias(this.#ctx, checkIdOrName(idOrName, 'modelId'), alias);
  getRegistryEvents: Rest<typeof registryEvents.getRegistryEvents> = async (idOrName, query) =>
    registryEvents.getRegistryEvents(this.#ctx, checkIdOrName(idOrName, 'modelId'), query);

  createModelVersion: Rest<typeof versions.createModelVersion> = (input) => versions.createModelVersion(this.#ctx, input);
  getModelVersions: Rest<typeof versions.getModelVersions> = async (model, query) =>
    versions.getModelVersions(this.#ctx, checkIdOrName(model, 'modelId'), query);
  listModelVersions: Rest<typeof versions.listModelVersions> = (query) => versions.listModelVersions(this.#ctx, query);
  getModelVersion: Rest<typeof versions.getModelVersion> = async (id) => versions.getModelVersion(this.#ctx, checkId(id));
  getModelVersionByNumber: Rest<typeof versions.getModelVersionByNumber> = async (model, version) =>
    versions.getModelVersionByNumber(this.#ctx, checkIdOrName(model, 'modelId'), checkId(version, 'version'));
  updateModelVersion: Rest<typeof versions.updateModelVersion> = async (id, patch) =>
    versions.updateModelVersion(this.#ctx, checkId(id), patch);
  deleteModelVersion: Rest<typeof versions.deleteModelVersion> = async (id) => versions.deleteModelVersion(this.#ctx, checkId(id));

  createDataset: Rest<typeof datasets.createDataset> = (input) => datasets.createDataset(this.#ctx, input);
  getDataset: Rest<typeof datasets.getDataset> = async (idOrName, version) =>
    datasets.getDataset(this.#ctx, checkIdOrName(idOrName), checkLookupText(version, 'version'));
  listDatasets: Rest<typeof datasets.listDatasets> = (query) => datasets.listDatasets(this.#ctx, query);
  updateDataset: Rest<typeof datasets.updateDataset> = async (id, patch) => datasets.updateDataset(this.#ctx, checkId(id), patch);
  deleteDataset: Rest<typeof datasets.deleteDataset> = async (id) => datasets.deleteDataset(this.#ctx, checkId(id));

  createTrainingRun: Rest<typeof runs.createTrainingRun> = (input) => runs.createTrainingRun(this.#ctx, input);
  updateTrainingRun: Rest<typeof runs.updateTrainingRun> = async (id, patch) => runs.updateTrainingRun(this.#ctx, checkId(id), patch);
  getTrainingRun: Rest<typeof runs.getTrainingRun> = async (id) => {
    await this.#settle([checkId(id)]);
    return runs.getTrainingRun(this.#ctx, id);
  };
  listTrainingRuns: Rest<typeof runs.listTrainingRuns> = async (query) => {
    await this.#settle();
    return runs.listTrainingRuns(this.#ctx, query);
  };
  heartbeat: Rest<typeof heartbeats.heartbeat> = async (runId) => heartbeats.heartbeat(this.#ctx, checkId(runId, 'runId'));
  deleteTrainingRun: Rest<typeof runs.deleteTrainingRun> = async (id) => runs.deleteTrainingRun(this.#ctx, checkId(id));
  searchRuns: Rest<typeof runSearch.searchRuns> = async (query, options) => {
    await this.#settle();
    return runSearch.searchRuns(this.#ctx, query, options);
  };
  searchText: Rest<typeof textSearch.searchText> = (words, options) => textSearch.searchText(this.#ctx, words, options);
  setTrainingRunTag = async (id: number, key: string, value: string) => tags.setTag(this.#ctx, 'training run', checkId(id), key, value);
  deleteTrainingRunTag = async (id: number, key: string) => tags.deleteTag(this.#ctx, 'training run', checkId(id), key);
  setExperimentTag = async (idOrName: number | string, key: string, value: string) =>
    tags.setTag(this.#ctx, 'experiment', checkIdOrName(idOrName), key, value);
  deleteExperimentTag = async (idOrName: number | string, key: string) =>
    tags.deleteTag(this.#ctx, 'experiment', checkIdOrName(idOrName), key);
  setModelTag = async (idOrName: number | string, key: string, value: string) =>
    tags.setTag(this.#ctx, 'model', checkIdOrName(idOrName), key, value);
  deleteModelTag = async (idOrName: number | string, key: string) => tags.deleteTag(this.#ctx, 'model', checkIdOrName(idOrName), key);
  setModelVersionTag = async (id: number, key: string, value: string) => tags.setTag(this.#ctx, 'model version', checkId(id), key, value);
  deleteModelVersionTag = async (id: number, key: string) => tags.deleteTag(this.#ctx, 'model version', checkId(id), key);

  logHyperparameters: Rest<typeof hyperparameters.logHyperparameters> = async (runId, values) =>
    hyperparameters.logHyperparameters(this.#ctx, checkId(runId, 'runId'), values);
  getHyperparameters: Rest<typeof hyperparameters.getHyperparameters> = async (runId) =>
    hyperparameters.getHyperparameters(this.#ctx, checkId(runId, 'runId'));
  getHyperparametersBulk: AiDatabase['getHyperparametersBulk'] = async (runIds, query) =>
    hyperparameters.getHyperparametersBulk(
      this.#ctx,
      parseInput(z.array(z.unknown()), runIds, 'runIds').map((runId, index) => checkId(runId as number, `runIds.${index}`)),
      query,
    );

  async logMetric(runId: number, name: string, value: number, options: MetricOptions = {}): Promise<void> {
    await metrics.logMetrics(this.#ctx, checkId(runId, 'runId'), [{ ...options, name, value }]);
  }
  logMetrics: Rest<typeof metrics.logMetrics> = async (runId, points, options) =>
    metrics.logMetrics(this.#ctx, checkId(runId, 'runId'), points, options);
  getMetrics: Rest<typeof metrics.getMetrics> = async (runId, query) => metrics.getMetrics(this.#ctx, checkId(runId, 'runId'), query);
  /** `getMetrics` as columns, for the server's columnar answers (MetricColumnStore, decision 1308). */
  getMetricColumns: Rest<typeof metrics.getMetricColumns> = async (runId, query) =>
    metrics.getMetricColumns(this.#ctx, checkId(runId, 'runId'), query);
  getMetricBuckets: Rest<typeof metrics.getMetricBuckets> = async (runId, name, query) =>
    metrics.getMetricBuckets(this.#ctx, checkId(runId, 'runId'), checkLookupText(name, 'name'), query);
  getMetricBucketsBulk: Rest<typeof metrics.getMetricBucketsBulk> = async (query) => metrics.getMetricBucketsBulk(this.#ctx, query);
  getMetricSummaries: Rest<typeof metrics.getMetricSummaries> = async (runIds) =>
    metrics.getMetricSummaries(
      this.#ctx,
      Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : checkId(runIds, 'runIds'),
    );
  getLatestMetrics: AiDatabase['getLatestMetrics'] = async (runIds, query) =>
    latestMetrics.getLatestMetrics(
      this.#ctx,
      Array.isArray(runIds) ? runIds.map((runId, index) => checkId(runId, `runIds.${index}`)) : [checkId(runIds, 'runIds')],
      query,
    );

  createExperiment: Rest<typeof experiments.createExperiment> = (input) => experiments.createExperiment(this.#ctx, input);
  getExperiment: Rest<typeof experiments.getExperiment> = async (idOrName) =>
    experiments.getExperiment(this.#ctx, checkIdOrName(idOrName));
  listExperiments: Rest<typeof experiments.listExperiments> = (query) => experiments.listExperiments(this.#ctx, query);
  updateExperiment: Rest<typeof experiments.updateExperiment> = async (idOrName, patch) =>
    experiments.updateExperiment(this.#ctx, checkIdOrName(idOrName), patch);
  deleteExperiment: Rest<typeof experiments.deleteExperiment> = async (idOrName) =>
    experiments.deleteExperiment(this.#ctx, checkIdOrName(idOrName));
  addExperimentRun: Rest<typeof experiments.addExperimentRun> = (experimentId, runId) =>
    experiments.addExperimentRun(this.#ctx, experimentId, runId);
  removeExperimentRun: Rest<typeof experiments.removeExperimentRun> = async (experimentId, runId) =>
    experiments.removeExperimentRun(this.#ctx, checkId(experimentId, 'experimentId'), checkId(runId, 'runId'));
  getExperimentRuns: Rest<typeof experiments.getExperimentRuns> = async (experimentId) => {
    const id = checkId(experimentId, 'experimentId');
    await this.#settle();
    return experiments.getExperimentRuns(this.#ctx, id);
  };
  getExperimentMemberships: Rest<typeof experiments.getExperimentMemberships> = async (runIds) =>
    experiments.getExperimentMemberships(
      this.#ctx,
      parseInput(z.array(idSchema).max(LIMITS.listLimit), runIds, 'runIds'),
    );

  logRunInputs: Rest<typeof runInputs.logRunInputs> = async (runId, inputs) => runInputs.logRunInputs(this.#ctx, checkId(runId, 'runId'), inputs);
  getRunInputs: Rest<typeof runInputs.getRunInputs> = async (runIds) =>
    runInputs.getRunInputs(this.#ctx, parseInput(z.array(idSchema).max(LIMITS.listLimit), runIds, 'runIds'));

  logPrediction: Rest<typeof predictions.logPrediction> = (input) => predictions.logPrediction(this.#ctx, input);
  logPredictions: Rest<typeof predictions.logPredictions> = (inputs) => predictions.logPredictions(this.#ctx, inputs);
  getPredictions: Rest<typeof predictions.getPredictions> = (query) => predictions.getPredictions(this.#ctx, query);
  getPrediction: Rest<typeof predictions.getPrediction> = async (id) => predictions.getPrediction(this.#ctx, checkId(id));
  getPredictionStats: Rest<typeof predictionRollups.getPredictionStats> = (query) => predictionRollups.getPredictionStats(this.#ctx, query);
  exportPredictions = (query: PredictionExportQuery = {}): AsyncIterable<string> =>
    predictionExportText(this, parseInput(predictionExportQuerySchema, query, 'query'));
  recordGroundTruth: Rest<typeof predictions.recordGroundTruth> = (id, value) => predictions.recordGroundTruth(this.#ctx, id, value);
  recordGroundTruthByKey: Rest<typeof predictions.recordGroundTruthByKey> = (version, key, value) =>
    predictions.recordGroundTruthByKey(this.#ctx, version, key, value);
  recordGroundTruths: Rest<typeof predictions.recordGroundTruths> = (items) => predictions.recordGroundTruths(this.#ctx, items);

  collectGarbage: Rest<typeof garbage.collectGarbage> = (options) => garbage.collectGarbage(this.#ctx, options);

  getStatistics: Rest<typeof statistics.getStatistics> = async () => {
    await this.#settle();
    return statistics.getStatistics(this.#ctx);
  };

  /** Reads that show runs first end the lost ones (decision 1200): the answer never shows a dead run running. */
  async #settle(runIds?: number[]): Promise<void> {
    try {
      await heartbeats.settleLostRuns(this.#ctx, runIds);
    } catch (error) {
      // Inside a transaction a failed statement spoils it (PostgreSQL): say so rather than go on.
      if (this.#ctx.inTransaction) throw translateError(this.#ctx, error);
      // A reader without write rights (a read-only database user) still reads; the verdict is
      // written by the next reader that may write. A broken connection fails the read itself.
    }
  }

  logArtifact: AiDatabase['logArtifact'] = async (runId, path, source, options) =>
    artifacts.logArtifact(this.#ctx, { kind: 'run', id: checkId(runId, 'runId') }, path, source, options);
  listArtifacts: AiDatabase['listArtifacts'] = async (runId, options) =>
    artifacts.listArtifacts(this.#ctx, { kind: 'run', id: checkId(runId, 'runId') }, options);
  getArtifactInfo: AiDatabase['getArtifactInfo'] = async (runId, path) =>
    artifacts.getArtifactInfo(this.#ctx, { kind: 'run', id: checkId(runId, 'runId') }, path);
  openArtifact: AiDatabase['openArtifact'] = async (runId, path, options) =>
    artifacts.openArtifact(this.#ctx, { kind: 'run', id: checkId(runId, 'runId') }, path, options);
  deleteArtifact: AiDatabase['deleteArtifact'] = async (runId, path) =>
    artifacts.deleteArtifact(this.#ctx, { kind: 'run', id: checkId(runId, 'runId') }, path);
  logModelVersionArtifact: AiDatabase['logModelVersionArtifact'] = async (versionId, path, source, options) =>
    artifacts.logArtifact(this.#ctx, { kind: 'modelVersion', id: checkId(versionId, 'versionId') }, path, source, options);
  listModelVersionArtifacts: AiDatabase['listModelVersionArtifacts'] = async (versionId, options) =>
    artifacts.listArtifacts(this.#ctx, { kind: 'modelVersion', id: checkId(versionId, 'versionId') }, options);
  getModelVersionArtifactInfo: AiDatabase['getModelVersionArtifactInfo'] = async (versionId, path) =>
    artifacts.getArtifactInfo(this.#ctx, { kind: 'modelVersion', id: checkId(versionId, 'versionId') }, path);
  openModelVersionArtifact: AiDatabase['openModelVersionArtifact'] = async (versionId, path, options) =>
    artifacts.openArtifact(this.#ctx, { kind: 'modelVersion', id: checkId(versionId, 'versionId') }, path, options);
  deleteModelVersionArtifact: AiDatabase['deleteModelVersionArtifact'] = async (versionId, path) =>
    artifacts.deleteArtifact(this.#ctx, { kind: 'modelVersion', id: checkId(versionId, 'versionId') }, path);

  /** Removes blobs no artifact references (see `collectArtifactGarbage` in store/open.ts). */
  collectArtifactGarbage(options?: artifacts.ArtifactGcOptions): Promise<artifacts.ArtifactGcReport> {
    return artifacts.collectArtifactGarbage(this.#ctx, options);
  }

  /** The blob store behind this database's artifacts (opened on first use). */
  async artifactBlobStore() {
    if (this.#ctx.blobs === undefined) throw new ValidationError('artifacts: this database was opened without artifact storage', { field: 'artifacts' });
    return this.#ctx.blobs();
  }

  async transaction<T>(fn: (tx: AiDatabase) => Promise<T>): Promise<T> {
    if (this.#ctx.inTransaction) return fn(this);
    // What `fn` throws is the caller's own error (its calls already translate theirs): rethrow it
    // unchanged after the rollback. Only failures of BEGIN/COMMIT go through the error seam.
    let thrownByFn: { error: unknown } | undefined;
    try {
      return await this.#ctx.db.transaction().execute(async (trx) => {
        try {
          return await fn(new SqlAiDatabase({ ...this.#ctx, db: trx, inTransaction: true }, async () => undefined, this.#schema));
        } catch (error) {
          thrownByFn = { error };
          throw error;
        }
      });
    } catch (error) {
      if (thrownByFn !== undefined && thrownByFn.error === error) throw error;
      throw translateError(this.#ctx, error);
    }
  }

  async health(): Promise<HealthReport> {
    return guarded(this.#ctx, async () => {
      const current = await this.#schema.current(this.#ctx.db);
      return {
        backend: this.#ctx.backend.name,
        serverVersion: await this.#ctx.backend.serverVersion(this.#ctx.db),
        schemaVersion: current,
        latestSchemaVersion: this.#schema.latest,
      };
    });
  }

  async close(): Promise<void> {
    await this.#onClose();
  }
}

/** Parameters of the convenience wrapper, for documentation. */
export type LogMetricArgs = [runId: number, name: string, value: number, options?: MetricOptions];
export type { JsonValue };
