/** The SQL implementation of AiDatabase: a thin class over the per-aggregate modules. */
import type { Kysely } from 'kysely';
import type { HealthReport, JsonValue } from '../../core/entities.js';
import type { MetricOptions } from '../../core/schemas.js';
import type { AiDatabase } from '../ai-database.js';
import { LATEST_SCHEMA_VERSION, schemaStatus } from '../../migrate/migrator.js';
import { guarded, translateError, type StoreContext } from './context.js';
import * as datasets from './datasets.js';
import * as experiments from './experiments.js';
import * as hyperparameters from './hyperparameters.js';
import * as metrics from './metrics.js';
import * as models from './models.js';
import * as predictions from './predictions.js';
import * as runs from './runs.js';
import * as statistics from './statistics.js';
import type { Tables } from './tables.js';
import * as versions from './versions.js';

type Rest<F> = F extends (ctx: StoreContext, ...args: infer A) => infer R ? (...args: A) => R : never;

export class SqlAiDatabase implements AiDatabase {
  readonly #ctx: StoreContext;
  readonly #onClose: () => Promise<void>;

  constructor(ctx: StoreContext, onClose: () => Promise<void>) {
    this.#ctx = ctx;
    this.#onClose = onClose;
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
  getModel: Rest<typeof models.getModel> = (idOrName) => models.getModel(this.#ctx, idOrName);
  listModels: Rest<typeof models.listModels> = (query) => models.listModels(this.#ctx, query);
  updateModel: Rest<typeof models.updateModel> = (idOrName, patch) => models.updateModel(this.#ctx, idOrName, patch);
  deleteModel: Rest<typeof models.deleteModel> = (idOrName) => models.deleteModel(this.#ctx, idOrName);

  createModelVersion: Rest<typeof versions.createModelVersion> = (input) => versions.createModelVersion(this.#ctx, input);
  getModelVersions: Rest<typeof versions.getModelVersions> = (model, query) =>
    versions.getModelVersions(this.#ctx, model, query);
  getModelVersion: Rest<typeof versions.getModelVersion> = (id) => versions.getModelVersion(this.#ctx, id);
  getModelVersionByNumber: Rest<typeof versions.getModelVersionByNumber> = (model, version) =>
    versions.getModelVersionByNumber(this.#ctx, model, version);
  updateModelVersion: Rest<typeof versions.updateModelVersion> = (id, patch) =>
    versions.updateModelVersion(this.#ctx, id, patch);
  deleteModelVersion: Rest<typeof versions.deleteModelVersion> = (id) => versions.deleteModelVersion(this.#ctx, id);

  createDataset: Rest<typeof datasets.createDataset> = (input) => datasets.createDataset(this.#ctx, input);
  getDataset: Rest<typeof datasets.getDataset> = (idOrName, version) => datasets.getDataset(this.#ctx, idOrName, version);
  listDatasets: Rest<typeof datasets.listDatasets> = (query) => datasets.listDatasets(this.#ctx, query);
  updateDataset: Rest<typeof datasets.updateDataset> = (id, patch) => datasets.updateDataset(this.#ctx, id, patch);
  deleteDataset: Rest<typeof datasets.deleteDataset> = (id) => datasets.deleteDataset(this.#ctx, id);

  createTrainingRun: Rest<typeof runs.createTrainingRun> = (input) => runs.createTrainingRun(this.#ctx, input);
  updateTrainingRun: Rest<typeof runs.updateTrainingRun> = (id, patch) => runs.updateTrainingRun(this.#ctx, id, patch);
  getTrainingRun: Rest<typeof runs.getTrainingRun> = (id) => runs.getTrainingRun(this.#ctx, id);
  listTrainingRuns: Rest<typeof runs.listTrainingRuns> = (query) => runs.listTrainingRuns(this.#ctx, query);
  deleteTrainingRun: Rest<typeof runs.deleteTrainingRun> = (id) => runs.deleteTrainingRun(this.#ctx, id);

  logHyperparameters: Rest<typeof hyperparameters.logHyperparameters> = (runId, values) =>
    hyperparameters.logHyperparameters(this.#ctx, runId, values);
  getHyperparameters: Rest<typeof hyperparameters.getHyperparameters> = (runId) =>
    hyperparameters.getHyperparameters(this.#ctx, runId);

  async logMetric(runId: number, name: string, value: number, options: MetricOptions = {}): Promise<void> {
    await metrics.logMetrics(this.#ctx, runId, [{ ...options, name, value }]);
  }
  logMetrics: Rest<typeof metrics.logMetrics> = (runId, points) => metrics.logMetrics(this.#ctx, runId, points);
  getMetrics: Rest<typeof metrics.getMetrics> = (runId, query) => metrics.getMetrics(this.#ctx, runId, query);
  getMetricBuckets: Rest<typeof metrics.getMetricBuckets> = (runId, name, query) =>
    metrics.getMetricBuckets(this.#ctx, runId, name, query);
  getMetricSummaries: Rest<typeof metrics.getMetricSummaries> = (runIds) => metrics.getMetricSummaries(this.#ctx, runIds);

  createExperiment: Rest<typeof experiments.createExperiment> = (input) => experiments.createExperiment(this.#ctx, input);
  getExperiment: Rest<typeof experiments.getExperiment> = (idOrName) => experiments.getExperiment(this.#ctx, idOrName);
  listExperiments: Rest<typeof experiments.listExperiments> = (query) => experiments.listExperiments(this.#ctx, query);
  updateExperiment: Rest<typeof experiments.updateExperiment> = (idOrName, patch) =>
    experiments.updateExperiment(this.#ctx, idOrName, patch);
  deleteExperiment: Rest<typeof experiments.deleteExperiment> = (idOrName) =>
    experiments.deleteExperiment(this.#ctx, idOrName);
  addExperimentRun: Rest<typeof experiments.addExperimentRun> = (experimentId, runId) =>
    experiments.addExperimentRun(this.#ctx, experimentId, runId);
  removeExperimentRun: Rest<typeof experiments.removeExperimentRun> = (experimentId, runId) =>
    experiments.removeExperimentRun(this.#ctx, experimentId, runId);
  getExperimentRuns: Rest<typeof experiments.getExperimentRuns> = (experimentId) =>
    experiments.getExperimentRuns(this.#ctx, experimentId);

  logPrediction: Rest<typeof predictions.logPrediction> = (input) => predictions.logPrediction(this.#ctx, input);
  logPredictions: Rest<typeof predictions.logPredictions> = (inputs) => predictions.logPredictions(this.#ctx, inputs);
  getPredictions: Rest<typeof predictions.getPredictions> = (query) => predictions.getPredictions(this.#ctx, query);

  getStatistics: Rest<typeof statistics.getStatistics> = () => statistics.getStatistics(this.#ctx);

  async transaction<T>(fn: (tx: AiDatabase) => Promise<T>): Promise<T> {
    if (this.#ctx.inTransaction) return fn(this);
    // What `fn` throws is the caller's own error (its calls already translate theirs): rethrow it
    // unchanged after the rollback. Only failures of BEGIN/COMMIT go through the error seam.
    let thrownByFn: { error: unknown } | undefined;
    try {
      return await this.#ctx.db.transaction().execute(async (trx) => {
        try {
          return await fn(new SqlAiDatabase({ ...this.#ctx, db: trx, inTransaction: true }, async () => undefined));
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
      const status = await schemaStatus(this.#ctx.db);
      return {
        backend: this.#ctx.backend.name,
        serverVersion: await this.#ctx.backend.serverVersion(this.#ctx.db),
        schemaVersion: status.current,
        latestSchemaVersion: LATEST_SCHEMA_VERSION,
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
