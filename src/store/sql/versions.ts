/** Model versions, numbered per model without gaps or duplicates under concurrent creation. */
import type { ModelVersion } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  createModelVersionSchema,
  listModelVersionsSchema,
  parseInput,
  updateModelVersionSchema,
  type CreateModelVersionInput,
  type ListModelVersionsQuery,
  type UpdateModelVersionInput,
} from '../../core/schemas.js';
import { assertExists, guarded, insertReturningId, withTransaction, type StoreContext } from './context.js';
import { toJsonText, toModelVersion } from './mappers.js';
import { resolveModelId } from './models.js';

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

export async function updateModelVersion(
  ctx: StoreContext,
  id: number,
  patch: UpdateModelVersionInput,
): Promise<ModelVersion> {
  const data = parseInput(updateModelVersionSchema, patch, 'modelVersion');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const current = await tx.db.selectFrom('model_versions').select(['model_id', 'status']).where('id', '=', id).executeTakeFirst();
      if (current === undefined) throw new NotFoundError('model version', id);
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
      if (data.status !== undefined && data.status !== current.status) {
        if (data.archiveOthers === true && (data.status === 'staging' || data.status === 'production')) {
          await tx.db
            .updateTable('model_versions')
            .set({ status: 'archived', updated_at: values.updated_at as number })
            .where('model_id', '=', current.model_id)
            .where('status', '=', data.status)
            .where('id', '!=', id)
            .execute();
        }
        // A version's promotion is news about its model (MLflow's registry says so too).
        await tx.db.updateTable('models').set({ updated_at: values.updated_at as number }).where('id', '=', current.model_id).execute();
      }
      return getModelVersion(tx, id);
    }),
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
