/**
 * `aimdb gc` (docs/decisions/1201-gc-and-retention.md): purges what was soft-deleted longer ago than
 * the retention, and predictions older than theirs, in small committed batches. Every batch re-checks,
 * under the row lock a restore also takes, that its entity is still deleted and old enough, so a
 * restore waits at most one batch and is never half-purged; an interrupted gc is finished by the next.
 */
import type { GcReport } from '../../core/entities.js';
import { gcOptionsSchema, parseInput, type GcOptions } from '../../core/schemas.js';
import { guarded, withTransaction, type StoreContext } from './context.js';
import { removeSearchDocument } from './text-search.js';

/** Default retention of soft-deleted entities. */
export const DEFAULT_DELETED_RETENTION_MS = 30 * 24 * 3_600_000;
/** Rows one batch deletes: small enough that a writer waits milliseconds, not seconds. */
const DEFAULT_BATCH_ROWS = 5_000;
/** Entities read per round; each is then purged batch by batch. */
const ENTITIES_PER_ROUND = 100;

/** Thrown when `maxBatches` batches are done: the rest waits for the next call. */
class BudgetSpent extends Error {}
const budgets = new WeakMap<GcReport, number>();
/** Called before each batch: stops the call once `maxBatches` batches were committed. */
function spend(report: GcReport): void {
  if (report.batches >= (budgets.get(report) ?? Number.POSITIVE_INFINITY)) throw new BudgetSpent();
}

type Owner = { kind: 'run' | 'version'; id: number };

/**
 * Where a purged run's or version's own files are let go. Called once per entity, in the batch that
 * removes its row; the artifact store (migration 0005) registers its release here.
 */
export type ReleaseArtifacts = (ctx: StoreContext, owner: Owner) => Promise<void>;
const artifactReleasers: ReleaseArtifacts[] = [];
/** Registers what releases an entity's artifacts when gc purges it. */
export function onPurgeReleaseArtifacts(release: ReleaseArtifacts): void {
  artifactReleasers.push(release);
}
async function releaseArtifacts(ctx: StoreContext, owner: Owner): Promise<void> {
  for (const release of artifactReleasers) await release(ctx, owner);
}

export async function collectGarbage(ctx: StoreContext, options: GcOptions = {}): Promise<GcReport> {
  const data = parseInput(gcOptionsSchema, options, 'options');
  const now = ctx.now();
  const cutoff = now - (data.olderThanMs ?? DEFAULT_DELETED_RETENTION_MS);
  const predictionsCutoff = data.predictionsOlderThanMs == null ? null : now - data.predictionsOlderThanMs;
  const batch = data.batchRows ?? DEFAULT_BATCH_ROWS;
  const dryRun = data.dryRun ?? false;
  const report: GcReport = {
    dryRun,
    deletedBefore: new Date(cutoff),
    predictionsBefore: predictionsCutoff === null ? null : new Date(predictionsCutoff),
    runs: 0,
    experiments: 0,
    models: 0,
    modelVersions: 0,
    metricPoints: 0,
    predictions: 0,
    batches: 0,
    complete: true,
  };
  budgets.set(report, data.maxBatches ?? Number.POSITIVE_INFINITY);
  return guarded(ctx, async () => {
    if (dryRun) return countOnly(ctx, report, cutoff, predictionsCutoff);
    try {
      await purgeRuns(ctx, report, cutoff, batch);
      await purgeExperiments(ctx, report, cutoff);
      await purgeVersions(ctx, report, cutoff, batch);
      await purgeModels(ctx, report, cutoff, batch);
      if (predictionsCutoff !== null) await purgeOldPredictions(ctx, report, predictionsCutoff, batch);
    } catch (error) {
      if (!(error instanceof BudgetSpent)) throw error;
      report.complete = false;
    }
    return report;
  });
}

async function countOnly(ctx: StoreContext, report: GcReport, cutoff: number, predictionsCutoff: number | null): Promise<GcReport> {
  const count = async (query: { executeTakeFirst(): Promise<{ n: unknown } | undefined> }) => Number((await query.executeTakeFirst())?.n ?? 0);
  const { db } = ctx;
  const deletedRuns = db.selectFrom('training_runs').select('id').where('deleted_at', '<', cutoff);
  report.runs = await count(db.selectFrom('training_runs').select((eb) => eb.fn.countAll().as('n')).where('deleted_at', '<', cutoff));
  report.metricPoints = await count(db.selectFrom('metrics').select((eb) => eb.fn.countAll().as('n')).where('run_id', 'in', deletedRuns));
  report.experiments = await count(db.selectFrom('experiments').select((eb) => eb.fn.countAll().as('n')).where('deleted_at', '<', cutoff));
  const deletedModels = db.selectFrom('models').select('id').where('deleted_at', '<', cutoff);
  report.models = await count(db.selectFrom('models').select((eb) => eb.fn.countAll().as('n')).where('deleted_at', '<', cutoff));
  const doomedVersions = db
    .selectFrom('model_versions')
    .select('id')
    .where((eb) => eb.or([eb('deleted_at', '<', cutoff), eb('model_id', 'in', deletedModels)]));
  report.modelVersions = await count(
    db
      .selectFrom('model_versions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where((eb) => eb.or([eb('deleted_at', '<', cutoff), eb('model_id', 'in', deletedModels)])),
  );
  let predictions = db.selectFrom('predictions').select((eb) => eb.fn.countAll().as('n'));
  predictions =
    predictionsCutoff === null
      ? predictions.where('model_version_id', 'in', doomedVersions)
      : predictions.where((eb) => eb.or([eb('model_version_id', 'in', doomedVersions), eb('predicted_at', '<', predictionsCutoff)]));
  report.predictions = await count(predictions);
  return report;
}

/**
 * Runs one batch in its own transaction after locking the owner row and checking it is still to be
 * purged; answers false when it is not (restored meanwhile, or already gone).
 */
async function inBatch(
  ctx: StoreContext,
  report: GcReport,
  table: 'training_runs' | 'model_versions' | 'models',
  id: number,
  stillDoomed: (deletedAt: number | null, tx: StoreContext) => Promise<boolean> | boolean,
  work: (tx: StoreContext) => Promise<void>,
): Promise<boolean> {
  spend(report);
  return withTransaction(ctx, async (tx) => {
    let select = tx.db.selectFrom(table as 'models').select(['id', 'deleted_at']).where('id', '=', id);
    if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
    const row = await select.executeTakeFirst();
    if (row === undefined) return false;
    if (!(await stillDoomed(row.deleted_at === null ? null : Number(row.deleted_at), tx))) return false;
    await work(tx);
    report.batches += 1;
    return true;
  });
}

/** Deletes up to `batch` rows of one series table for a run, by (series key, step) ranges; answers the rows deleted. */
async function deleteSeriesChunk(
  tx: StoreContext,
  table: 'metrics' | 'metric_step_values' | 'metric_rollups',
  runId: number,
  batch: number,
): Promise<number> {
  const stepColumn = table === 'metric_rollups' ? 'block' : 'step';
  const first = await tx.db.selectFrom(table).select('key_id').where('run_id', '=', runId).limit(1).executeTakeFirst();
  if (first === undefined) return 0;
  const steps = await tx.db
    .selectFrom(table)
    .select(stepColumn)
    .where('run_id', '=', runId)
    .where('key_id', '=', first.key_id)
    .orderBy(stepColumn, 'asc')
    .limit(batch)
    .execute();
  const upTo = Number((steps.at(-1) as Record<string, unknown>)[stepColumn]);
  const result = await tx.db
    .deleteFrom(table)
    .where('run_id', '=', runId)
    .where('key_id', '=', first.key_id)
    .where(stepColumn, '<=', upTo)
    .executeTakeFirst();
  return Math.max(1, Number(result.numDeletedRows));
}

async function purgeRun(ctx: StoreContext, report: GcReport, runId: number, isDoomed: (deletedAt: number | null) => boolean, batch: number) {
  for (const table of ['metrics', 'metric_step_values', 'metric_rollups'] as const) {
    for (;;) {
      let deleted = 0;
      const ok = await inBatch(ctx, report, 'training_runs', runId, isDoomed, async (tx) => {
        deleted = await deleteSeriesChunk(tx, table, runId, batch);
        if (table === 'metrics') report.metricPoints += deleted;
      });
      if (!ok) return;
      if (deleted === 0) {
        report.batches -= 1; // an empty check is not a batch
        break;
      }
    }
  }
  // What is left is small (summaries, metric keys, parameters, memberships, receipts): it goes with the row.
  const purged = await inBatch(ctx, report, 'training_runs', runId, isDoomed, async (tx) => {
    await releaseArtifacts(tx, { kind: 'run', id: runId });
    await tx.db.deleteFrom('training_runs').where('id', '=', runId).execute();
    await removeSearchDocument(tx, 'run', runId);
  });
  if (purged) report.runs += 1;
}

/** Calls `purge` for every row of `table` deleted before `cutoff`, in id order, a round of ids at a time. */
async function forEachDeletedBefore(
  ctx: StoreContext,
  table: 'training_runs' | 'model_versions',
  cutoff: number,
  purge: (id: number) => Promise<void>,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await ctx.db
      .selectFrom(table as 'training_runs')
      .select('id')
      .where('deleted_at', '<', cutoff)
      .where('id', '>', after)
      .orderBy('id')
      .limit(ENTITIES_PER_ROUND)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) await purge(Number(row.id));
    after = Number(rows.at(-1)!.id);
  }
}

async function purgeRuns(ctx: StoreContext, report: GcReport, cutoff: number, batch: number): Promise<void> {
  const isDoomed = (deletedAt: number | null) => deletedAt !== null && deletedAt < cutoff;
  await forEachDeletedBefore(ctx, 'training_runs', cutoff, (id) => purgeRun(ctx, report, id, isDoomed, batch));
}

async function purgeExperiments(ctx: StoreContext, report: GcReport, cutoff: number): Promise<void> {
  for (;;) {
    const rows = await ctx.db.selectFrom('experiments').select('id').where('deleted_at', '<', cutoff).orderBy('id').limit(ENTITIES_PER_ROUND).execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      const id = Number(row.id);
      // Memberships go by cascade; the runs themselves are purged only when they are deleted too.
      spend(report);
      await withTransaction(ctx, async (tx) => {
        const result = await tx.db.deleteFrom('experiments').where('id', '=', id).where('deleted_at', '<', cutoff).executeTakeFirst();
        if (Number(result.numDeletedRows) > 0) {
          report.experiments += 1;
          report.batches += 1;
          await removeSearchDocument(tx, 'experiment', id);
        }
      });
    }
  }
}

/** Deletes a version's predictions batch by batch, then the version. */
async function purgeVersion(
  ctx: StoreContext,
  report: GcReport,
  versionId: number,
  isDoomed: (deletedAt: number | null, tx: StoreContext) => Promise<boolean> | boolean,
  batch: number,
): Promise<void> {
  for (;;) {
    let deleted = 0;
    const ok = await inBatch(ctx, report, 'model_versions', versionId, isDoomed, async (tx) => {
      deleted = await deletePredictionChunk(tx, (query) => query.where('model_version_id', '=', versionId), batch);
      report.predictions += deleted;
    });
    if (!ok) return;
    if (deleted === 0) {
      report.batches -= 1;
      break;
    }
  }
  const purged = await inBatch(ctx, report, 'model_versions', versionId, isDoomed, async (tx) => {
    const row = await tx.db.selectFrom('model_versions').select(['model_id', 'version']).where('id', '=', versionId).executeTakeFirstOrThrow();
    await releaseArtifacts(tx, { kind: 'version', id: versionId });
    await tx.db.deleteFrom('model_aliases').where('model_id', '=', row.model_id).where('version', '=', row.version).execute();
    await tx.db.deleteFrom('model_versions').where('id', '=', versionId).execute();
  });
  if (purged) report.modelVersions += 1;
}

/**
 * Deletes up to `batch` predictions matching `filter`, oldest ids first; answers how many. Summaries
 * kept of predictions (the prediction rollups of migration 0007) are to be adjusted here, per batch.
 */
async function deletePredictionChunk(
  tx: StoreContext,
  filter: (query: any) => any,
  batch: number,
): Promise<number> {
  const ids = (await filter(tx.db.selectFrom('predictions').select('id')).orderBy('id').limit(batch).execute()) as { id: number }[];
  if (ids.length === 0) return 0;
  const last = Number(ids.at(-1)!.id);
  const result = await filter(tx.db.deleteFrom('predictions')).where('id', '<=', last).executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function purgeVersions(ctx: StoreContext, report: GcReport, cutoff: number, batch: number): Promise<void> {
  const isDoomed = (deletedAt: number | null) => deletedAt !== null && deletedAt < cutoff;
  await forEachDeletedBefore(ctx, 'model_versions', cutoff, (id) => purgeVersion(ctx, report, id, isDoomed, batch));
}

async function purgeModels(ctx: StoreContext, report: GcReport, cutoff: number, batch: number): Promise<void> {
  const modelDoomed = async (tx: StoreContext, modelId: number) => {
    const row = await tx.db.selectFrom('models').select('deleted_at').where('id', '=', modelId).executeTakeFirst();
    return row !== undefined && row.deleted_at !== null && Number(row.deleted_at) < cutoff;
  };
  for (;;) {
    const rows = await ctx.db.selectFrom('models').select('id').where('deleted_at', '<', cutoff).orderBy('id').limit(ENTITIES_PER_ROUND).execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      const modelId = Number(row.id);
      // Every version goes with its model, deleted or not, while the model stays deleted.
      const versions = await ctx.db.selectFrom('model_versions').select('id').where('model_id', '=', modelId).execute();
      for (const version of versions) {
        await purgeVersion(ctx, report, Number(version.id), (_deletedAt, tx) => modelDoomed(tx, modelId), batch);
      }
      spend(report);
      await withTransaction(ctx, async (tx) => {
        let select = tx.db.selectFrom('models').select('deleted_at').where('id', '=', modelId);
        if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
        const model = await select.executeTakeFirst();
        if (model === undefined || model.deleted_at === null || Number(model.deleted_at) >= cutoff) return;
        await tx.db.deleteFrom('registry_events').where('model_id', '=', modelId).execute();
        await tx.db.deleteFrom('models').where('id', '=', modelId).execute();
        await removeSearchDocument(tx, 'model', modelId);
        report.models += 1;
        report.batches += 1;
      });
    }
  }
}

async function purgeOldPredictions(ctx: StoreContext, report: GcReport, before: number, batch: number): Promise<void> {
  for (;;) {
    spend(report);
    const deleted = await withTransaction(ctx, (tx) =>
      deletePredictionChunk(tx, (query) => query.where('predicted_at', '<', before), batch),
    );
    if (deleted === 0) return;
    report.predictions += deleted;
    report.batches += 1;
  }
}
