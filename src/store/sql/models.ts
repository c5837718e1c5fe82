/** Models: create, read by id or name, list, update, delete. */
import type { Model, ModelVersion, Page } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  aliasSchema,
  createModelSchema,
  idSchema,
  listModelsSchema,
  parseInput,
  registryChangeOptionsSchema,
  updateModelSchema,
  type RegistryChangeOptions,
  type CreateModelInput,
  type ListModelsQuery,
  type UpdateModelInput,
} from '../../core/schemas.js';
import { assertUnchanged, chunksFor, decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { refreshSearchDocument, removeSearchDocument } from './text-search.js';
import { toJsonText, toModel, toModelVersion } from './mappers.js';
import { recordRegistryEvent } from './registry-events.js';

export async function createModel(ctx: StoreContext, input: CreateModelInput): Promise<Model> {
  const data = parseInput(createModelSchema, input, 'model');
  const now = ctx.now();
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await insertReturningId(tx, 'models', {
        name: data.name,
        description: data.description ?? null,
        framework: data.framework ?? null,
        task: data.task ?? null,
        architecture: data.architecture ?? null,
        tags: toJsonText(data.tags ?? {}),
        metadata: toJsonText(data.metadata ?? {}),
        latest_version: 0,
        created_at: now,
        updated_at: now,
      });
      await refreshSearchDocument(tx, 'model', id);
      return getModel(tx, id);
    }),
    { entity: 'model', key: `'${data.name}'`, field: 'name' },
  );
}

/** The model's row id, resolving a name; throws NotFoundError. */
export async function resolveModelId(ctx: StoreContext, idOrName: number | string, field?: string): Promise<number> {
  const query = ctx.db.selectFrom('models').select('id');
  const row = await (typeof idOrName === 'number'
    ? query.where('id', '=', idOrName)
    : query.where('name', '=', idOrName)
  ).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('model', idOrName, field === undefined ? {} : { field });
  return Number(row.id);
}

export async function getModel(ctx: StoreContext, idOrName: number | string): Promise<Model> {
  return guarded(ctx, async () => {
    const query = ctx.db.selectFrom('models').selectAll();
    const row = await (typeof idOrName === 'number'
      ? query.where('id', '=', idOrName)
      : query.where('name', '=', idOrName)
    ).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('model', idOrName);
    return (await withAliases(ctx, [toModel(row)]))[0]!;
  });
}

/** Fills each model's `aliases` from its alias rows (one query per chunk of models). */
async function withAliases(ctx: StoreContext, models: Model[]): Promise<Model[]> {
  const byId = new Map(models.map((model) => [model.id, model]));
  for (const chunk of chunksFor(ctx, [...byId.keys()], 1)) {
    if (chunk.length === 0) continue;
    const rows = await ctx.db.selectFrom('model_aliases').selectAll().where('model_id', 'in', chunk).orderBy('alias').execute();
    for (const row of rows) byId.get(Number(row.model_id))!.aliases[row.alias] = Number(row.version);
  }
  return models;
}

export async function setModelAlias(
  ctx: StoreContext,
  idOrName: number | string,
  alias: string,
  version: number,
  options: RegistryChangeOptions = {},
): Promise<Model> {
  const name = parseInput(aliasSchema, alias, 'alias');
  parseInput(idSchema, version, 'version');
  const { actor } = parseInput(registryChangeOptionsSchema, options, 'options');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const modelId = await lockModel(tx, idOrName);
      const exists = await tx.db
        .selectFrom('model_versions')
        .select('id')
        .where('model_id', '=', modelId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (exists === undefined) throw new NotFoundError('model version', `${String(idOrName)} v${version}`, { field: 'version' });
      const previous = await tx.db.selectFrom('model_aliases').select('version').where('model_id', '=', modelId).where('alias', '=', name).executeTakeFirst();
      const from = previous === undefined ? null : String(Number(previous.version));
      if (from !== String(version)) {
        await recordRegistryEvent(tx, { modelId, version, kind: 'alias', subject: name, from, to: String(version), actor });
      }
      await tx.backend
        .upsert(tx.db.insertInto('model_aliases').values({ model_id: modelId, alias: name, version }), ['model_id', 'alias'], ['version'])
        .execute();
      await tx.db.updateTable('models').set({ updated_at: tx.now() }).where('id', '=', modelId).execute();
      return getModel(tx, modelId);
    }),
  );
}

export async function deleteModelAlias(
  ctx: StoreContext,
  idOrName: number | string,
  alias: string,
  options: RegistryChangeOptions = {},
): Promise<Model> {
  // Checked like a new alias: a name no alias can have (a NUL byte, say) is refused before any SQL.
  parseInput(aliasSchema, alias, 'alias');
  const { actor } = parseInput(registryChangeOptionsSchema, options, 'options');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const modelId = await lockModel(tx, idOrName);
      const previous = await tx.db.selectFrom('model_aliases').select('version').where('model_id', '=', modelId).where('alias', '=', alias).executeTakeFirst();
      if (previous !== undefined) {
        const from = String(Number(previous.version));
        await recordRegistryEvent(tx, { modelId, version: Number(previous.version), kind: 'alias', subject: alias, from, to: null, actor });
      }
      const result = await tx.db.deleteFrom('model_aliases').where('model_id', '=', modelId).where('alias', '=', alias).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('model alias', `${String(idOrName)}@${alias}`, { field: 'alias' });
      await tx.db.updateTable('models').set({ updated_at: tx.now() }).where('id', '=', modelId).execute();
      return getModel(tx, modelId);
    }),
  );
}

/** Resolves the model and locks its row: alias moves and stage changes of one model queue up. */
async function lockModel(tx: StoreContext, idOrName: number | string): Promise<number> {
  const modelId = await resolveModelId(tx, idOrName);
  let lock = tx.db.selectFrom('models').select('id').where('id', '=', modelId);
  if (tx.backend.capabilities.lockingReads) lock = lock.forUpdate();
  await lock.executeTakeFirst();
  return modelId;
}

/** The version an alias points at. @throws NotFoundError (field `alias`) when the model has no such alias. */
export async function getModelVersionByAlias(ctx: StoreContext, idOrName: number | string, alias: string): Promise<ModelVersion> {
  parseInput(aliasSchema, alias, 'alias');
  return guarded(ctx, async () => {
    const modelId = await resolveModelId(ctx, idOrName);
    const row = await ctx.db
      .selectFrom('model_aliases')
      .innerJoin('model_versions', (join) =>
        join.onRef('model_versions.model_id', '=', 'model_aliases.model_id').onRef('model_versions.version', '=', 'model_aliases.version'),
      )
      .selectAll('model_versions')
      .where('model_aliases.model_id', '=', modelId)
      .where('model_aliases.alias', '=', alias)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError('model alias', `${String(idOrName)}@${alias}`, { field: 'alias' });
    return toModelVersion(row);
  });
}

export async function listModels(ctx: StoreContext, query: ListModelsQuery = {}): Promise<Page<Model>> {
  const filter = parseInput(listModelsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('models').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    if (filter.framework !== undefined) select = select.where('framework', '=', filter.framework);
    if (filter.task !== undefined) select = select.where('task', '=', filter.task);
    if (filter.nameContains !== undefined) select = select.where(ctx.backend.containsInsensitive('name', filter.nameContains));
    const view = filter.view ?? 'active';
    if (view === 'active') select = select.where('deleted_at', 'is', null);
    if (view === 'deleted') select = select.where('deleted_at', 'is not', null);
    const page = toPage(await select.execute(), limit, toModel);
    return { ...page, items: await withAliases(ctx, page.items) };
  });
}

export async function updateModel(ctx: StoreContext, idOrName: number | string, patch: UpdateModelInput): Promise<Model> {
  const data = parseInput(updateModelSchema, patch, 'model');
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await resolveModelId(tx, idOrName);
      await assertUnchanged(tx, 'models', id, data.expectedUpdatedAt, 'model');
      const values: Record<string, unknown> = { updated_at: tx.now() };
      if (data.name !== undefined) values.name = data.name;
      for (const key of ['description', 'framework', 'task', 'architecture'] as const) {
        if (data[key] !== undefined) values[key] = data[key];
      }
      if (data.tags !== undefined) values.tags = toJsonText(data.tags);
      if (data.metadata !== undefined) values.metadata = toJsonText(data.metadata);
      if (data.deleted === true) {
        // Keeps the first deletion time when deleted again.
        await tx.db.updateTable('models').set({ deleted_at: tx.now() }).where('id', '=', id).where('deleted_at', 'is', null).execute();
      }
      if (data.deleted === false) values.deleted_at = null;
      await tx.db.updateTable('models').set(values).where('id', '=', id).execute();
      await refreshSearchDocument(tx, 'model', id);
      return getModel(tx, id);
    }),
    { entity: 'model', key: `'${data.name ?? String(idOrName)}'`, field: 'name' },
  );
}

export async function deleteModel(ctx: StoreContext, idOrName: number | string): Promise<void> {
  await guarded(ctx, () =>
      withTransaction(ctx, async (tx) => {
    const id = await resolveModelId(tx, idOrName);
    await tx.db.deleteFrom('models').where('id', '=', id).execute();
      await removeSearchDocument(tx, 'model', id);
    }));
}
