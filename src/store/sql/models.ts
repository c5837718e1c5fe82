/** Models: create, read by id or name, list, update, delete. */
import type { Model, Page } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  createModelSchema,
  listModelsSchema,
  parseInput,
  updateModelSchema,
  type CreateModelInput,
  type ListModelsQuery,
  type UpdateModelInput,
} from '../../core/schemas.js';
import { decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { refreshSearchDocument, removeSearchDocument } from './text-search.js';
import { toJsonText, toModel } from './mappers.js';

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
    return toModel(row);
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
    return toPage(await select.execute(), limit, toModel);
  });
}

export async function updateModel(ctx: StoreContext, idOrName: number | string, patch: UpdateModelInput): Promise<Model> {
  const data = parseInput(updateModelSchema, patch, 'model');
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await resolveModelId(tx, idOrName);
      const values: Record<string, unknown> = { updated_at: tx.now() };
      if (data.name !== undefined) values.name = data.name;
      for (const key of ['description', 'framework', 'task', 'architecture'] as const) {
        if (data[key] !== undefined) values[key] = data[key];
      }
      if (data.tags !== undefined) values.tags = toJsonText(data.tags);
      if (data.metadata !== undefined) values.metadata = toJsonText(data.metadata);
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
