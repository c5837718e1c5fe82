/** Model versions, numbered per model without gaps or duplicates under concurrent creation. */
import type { ModelVersion, Page } from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  createModelVersionSchema,
  listAllModelVersionsSchema,
  listModelVersionsSchema,
  parseInput,
  updateModelVersionSchema,
  type CreateModelVersionInput,
  type ListAllModelVersionsQuery,
  type ListModelVersionsQuery,
  type UpdateModelVersionInput,
} from '../../core/schemas.js';
import { assertExists, assertUnchanged, decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { toJsonText, toModelVersion } from './mappers.js';
import { resolveModelId } from './models.js';
import { recordRegistryEvent } from './registry-events.js';

export async function createModelVersion(ctx: StoreContext, input: CreateModelVersionInput): Promise<ModelVersion> {
  const data = parseInput(createModelVersionSchema, input, 'modelVersion');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      await assertExists(tx, 'models', data.modelId, 'model', 'modelId');
      if (data.trainingRunId != null) await assertExists(tx, 'training_runs', data.trainingRunId, 'training run', 'trainingRunId');
      if (data.datasetId != null) await assertExists(tx, 'datasets', data.datasetId, 'dataset', 'datasetId');
      // Incrementing the model's counter takes its row lock, so concurrent creators queue here
      // and each reads back a distinct number; SQLite has a single writer anyway.
      const now = tx.now();
      await tx.db
        .updateTable('models')
        .set((eb) => ({ latest_version: eb('latest_version', '+', 1), updated_at: now }))
        .where('id', '=', data.modelId)
        .execute();
      const counter = await tx.db
        .selectFrom('models')
        .select('latest_version')
        .where('id', '=', data.modelId)
        .executeTakeFirstOrThrow();
      const id = await insertReturningId(tx, 'model_versions', {
        model_id: data.modelId,
        version: Number(counter.latest_version),
        description: data.description ?? null,
        checkpoint_uri: data.checkpointUri ?? null,
        size_bytes: data.sizeBytes ?? null,
        sha256: data.sha256?.toLowerCase() ?? null,
        config: toJsonText(data.config ?? {}),
        tags: toJsonText(data.tags ?? {}),
        status: data.status ?? 'none',
        training_run_id: data.trainingRunId ?? null,
        dataset_id: data.datasetId ?? null,
        created_at: now,
        updated_at: now,
      });
      return getModelVersion(tx, id);
    }),
  );
}

export async function getModelVersion(ctx: StoreContext, id: number): Promise<ModelVersion> {
  return guarded(ctx, async () => {
    const row = await ctx.db.selectFrom('model_versions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('model version', id);
    return toModelVersion(row);
  });
}

export async function getModelVersionByNumber(
  ctx: StoreContext,
  modelIdOrName: number | string,
  version: number,
): Promise<ModelVersion> {
  return guarded(ctx, async () => {
    const modelId = await resolveModelId(ctx, modelIdOrName);
    const row = await ctx.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError('model version', `${String(modelIdOrName)} v${version}`);
    return toModelVersion(row);
  });
}

export async function getModelVersions(
  ctx: StoreContext,
  modelIdOrName: number | string,
  query: ListModelVersionsQuery = {},
): Promise<ModelVersion[]> {
  const filter = parseInput(listModelVersionsSchema, query, 'query');
  return guarded(ctx, async () => {
    const modelId = await resolveModelId(ctx, modelIdOrName);
    let select = ctx.db.selectFrom('model_versions').selectAll().where('model_id', '=', modelId).orderBy('version', 'asc');
    if (filter.status !== undefined) select = select.where('status', '=', filter.status);
    const view = filter.view ?? 'active';
    if (view === 'active') select = select.where('deleted_at', 'is', null);
    if (view === 'deleted') select = select.where('deleted_at', 'is not', null);
    if (filter.limit !== undefined) select = select.limit(filter.limit);
    return (await select.execute()).map(toModelVersion);
  });
}

export async function listModelVersions(ctx: StoreContext, query: ListAllModelVersionsQuery = {}): Promise<Page<ModelVersion>> {
  const filter = parseInput(listAllModelVersionsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  const statuses = filter.status === undefined ? undefined : Array.isArray(filter.status) ? filter.status : [filter.status];
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('model_versions').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    if (filter.modelId !== undefined) select = select.where('model_id', '=', filter.modelId);
    if (statuses !== undefined) select = select.where('status', 'in', statuses);
    if (filter.trainingRunId !== undefined) select = select.where('training_run_id', '=', filter.trainingRunId);
    if (filter.datasetId !== undefined) select = select.where('dataset_id', '=', filter.datasetId);
    return toPage(await select.execute(), limit, toModelVersion);
  });
}

export async function updateModelVersion(
  ctx: StoreContext,
  id: number,
  patch: UpdateModelVersionInput,
): Promise<ModelVersion> {
  const data = parseInput(updateModelVersionSchema, patch, 'modelVersion');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const owner = await tx.db.selectFrom('model_versions').select('model_id').where('id', '=', id).executeTakeFirst();
      if (owner === undefined) throw new NotFoundError('model version', id);
      await assertUnchanged(tx, 'model_versions', id, data.expectedUpdatedAt, 'model version');
      // A stage change first takes the model's lock, then reads the version's stage: read before the
      // lock, it could be stale by the time the lock is granted (another promoter archived it).
      if (data.status !== undefined) await lockModelRow(tx, Number(owner.model_id));
      let read = tx.db.selectFrom('model_versions').select(['model_id', 'status', 'version']).where('id', '=', id);
      if (tx.backend.capabilities.lockingReads) read = read.forUpdate();
      const current = await read.executeTakeFirst();
      if (current === undefined) throw new NotFoundError('model version', id);
      const stageChange = data.status !== undefined && data.status !== current.status;
      if (stageChange) await checkStage(tx, Number(current.model_id), id, data.status!, data);
      if (data.trainingRunId != null) await assertExists(tx, 'training_runs', data.trainingRunId, 'training run', 'trainingRunId');
      if (data.datasetId != null) await assertExists(tx, 'datasets', data.datasetId, 'dataset', 'datasetId');
      const values: Record<string, unknown> = { updated_at: tx.now() };
      if (data.description !== undefined) values.description = data.description;
      if (data.checkpointUri !== undefined) values.checkpoint_uri = data.checkpointUri;
      if (data.sizeBytes !== undefined) values.size_bytes = data.sizeBytes;
      if (data.sha256 !== undefined) values.sha256 = data.sha256?.toLowerCase() ?? null;
      if (data.config !== undefined) values.config = toJsonText(data.config);
      if (data.tags !== undefined) values.tags = toJsonText(data.tags);
      if (data.status !== undefined) values.status = data.status;
      if (data.trainingRunId !== undefined) values.training_run_id = data.trainingRunId;
      if (data.datasetId !== undefined) values.dataset_id = data.datasetId;
      if (data.deleted === true) {
        // Keeps the first deletion time when deleted again.
        await tx.db.updateTable('model_versions').set({ deleted_at: tx.now() }).where('id', '=', id).where('deleted_at', 'is', null).execute();
      }
      if (data.deleted === false) values.deleted_at = null;
      await tx.db.updateTable('model_versions').set(values).where('id', '=', id).execute();
      if (stageChange) {
        const modelId = Number(current.model_id);
        await recordRegistryEvent(tx, { modelId, version: Number(current.version), kind: 'stage', from: current.status, to: data.status!, actor: data.actor });
        if (data.archiveOthers === true && (data.status === 'staging' || data.status === 'production')) {
          let select = tx.db
            .selectFrom('model_versions')
            .select(['id', 'version'])
            .where('model_id', '=', modelId)
            .where('status', '=', data.status)
            .where('id', '!=', id);
          if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
          const holders = await select.execute();
          for (const holder of holders) {
            await tx.db.updateTable('model_versions').set({ status: 'archived', updated_at: values.updated_at as number }).where('id', '=', holder.id).execute();
            await recordRegistryEvent(tx, { modelId, version: Number(holder.version), kind: 'stage', from: data.status!, to: 'archived', actor: data.actor });
          }
        }
        // A version's promotion is news about its model (MLflow's registry says so too).
        await tx.db.updateTable('models').set({ updated_at: values.updated_at as number }).where('id', '=', current.model_id).execute();
      }
      return getModelVersion(tx, id);
    }),
  );
}

/** Serialises the stage changes of one model: its row stays locked until the transaction ends. */
async function lockModelRow(tx: StoreContext, modelId: number): Promise<void> {
  let lock = tx.db.selectFrom('models').select('id').where('id', '=', modelId);
  if (tx.backend.capabilities.lockingReads) lock = lock.forUpdate();
  await lock.executeTakeFirst();
}

/**
 * Refuses (under the model's lock) a second holder of staging or production unless the caller archives the others or keeps them.
 */
async function checkStage(
  tx: StoreContext,
  modelId: number,
  id: number,
  status: string,
  data: { archiveOthers?: boolean | undefined; keepOthers?: boolean | undefined },
): Promise<void> {
  if (status !== 'staging' && status !== 'production') return;
  if (data.archiveOthers === true || data.keepOthers === true) return;
  // A locking read: under MySQL's repeatable read a plain SELECT would answer from the snapshot
  // taken before the model's lock was granted, missing a promotion committed meanwhile.
  let select = tx.db
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', modelId)
    .where('status', '=', status)
    .where('id', '!=', id)
    .orderBy('version');
  if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
  const holders = await select.execute();
  if (holders.length === 0) return;
  const versions = holders.map((holder) => `v${Number(holder.version)}`).join(', ');
  throw new ConflictError(
    `${versions} ${holders.length === 1 ? 'is' : 'are'} already in ${status}; pass archiveOthers to archive ${holders.length === 1 ? 'it' : 'them'} ` +
      `in the same change, or keepOthers to have several versions in ${status}`,
    { field: 'status' },
  );
}

export async function deleteModelVersion(ctx: StoreContext, id: number): Promise<void> {
  await guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const row = await tx.db.selectFrom('model_versions').select(['model_id', 'version']).where('id', '=', id).executeTakeFirst();
      if (row === undefined) throw new NotFoundError('model version', id);
      // An alias names a version; it goes with it.
      await tx.db.deleteFrom('model_aliases').where('model_id', '=', row.model_id).where('version', '=', row.version).execute();
      await tx.db.deleteFrom('model_versions').where('id', '=', id).execute();
      await tx.db.updateTable('models').set({ updated_at: tx.now() }).where('id', '=', row.model_id).execute();
    }),
  );
}
