/** Datasets, unique by (name, version). */
import type { Dataset, Page } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  createDatasetSchema,
  listDatasetsSchema,
  parseInput,
  updateDatasetSchema,
  type CreateDatasetInput,
  type ListDatasetsQuery,
  type UpdateDatasetInput,
} from '../../core/schemas.js';
import { assertUnchanged, decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { refreshSearchDocument, removeSearchDocument } from './text-search.js';
import { toDataset, toJsonText } from './mappers.js';

const DEFAULT_VERSION = '1';

export async function createDataset(ctx: StoreContext, input: CreateDatasetInput): Promise<Dataset> {
  const data = parseInput(createDatasetSchema, input, 'dataset');
  const version = data.version ?? DEFAULT_VERSION;
  const now = ctx.now();
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await insertReturningId(tx, 'datasets', {
        name: data.name,
        version,
        description: data.description ?? null,
        source_uri: data.sourceUri ?? null,
        format: data.format ?? null,
        sample_count: data.sampleCount ?? null,
        splits: toJsonText(data.splits ?? {}),
        data_schema: toJsonText(data.schema ?? {}),
        digest: data.digest ?? null,
        metadata: toJsonText(data.metadata ?? {}),
        created_at: now,
        updated_at: now,
      });
      await refreshSearchDocument(tx, 'dataset', id);
      return getDataset(tx, id);
    }),
    { entity: 'dataset', key: `'${data.name}' version '${version}'`, field: 'name' },
  );
}

export async function getDataset(ctx: StoreContext, idOrName: number | string, version?: string): Promise<Dataset> {
  return guarded(ctx, async () => {
    let query = ctx.db.selectFrom('datasets').selectAll();
    if (typeof idOrName === 'number') query = query.where('id', '=', idOrName);
    else {
      query = query.where('name', '=', idOrName).orderBy('id', 'desc').limit(1);
      if (version !== undefined) query = query.where('version', '=', version);
    }
    const row = await query.executeTakeFirst();
    if (row === undefined) {
      throw new NotFoundError('dataset', typeof idOrName === 'string' && version !== undefined ? `${idOrName}@${version}` : idOrName);
    }
    return toDataset(row);
  });
}

export async function listDatasets(ctx: StoreContext, query: ListDatasetsQuery = {}): Promise<Page<Dataset>> {
  const filter = parseInput(listDatasetsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('datasets').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    if (filter.name !== undefined) select = select.where('name', '=', filter.name);
    if (filter.nameContains !== undefined) select = select.where(ctx.backend.containsInsensitive('name', filter.nameContains));
    return toPage(await select.execute(), limit, toDataset);
  });
}

export async function updateDataset(ctx: StoreContext, id: number, patch: UpdateDatasetInput): Promise<Dataset> {
  const data = parseInput(updateDatasetSchema, patch, 'dataset');
  return guarded(ctx, () =>
      withTransaction(ctx, async (tx) => {
    await assertUnchanged(tx, 'datasets', id, data.expectedUpdatedAt, 'dataset');
    const values: Record<string, unknown> = { updated_at: tx.now() };
    if (data.description !== undefined) values.description = data.description;
    if (data.sourceUri !== undefined) values.source_uri = data.sourceUri;
    if (data.format !== undefined) values.format = data.format;
    if (data.sampleCount !== undefined) values.sample_count = data.sampleCount;
    if (data.splits !== undefined) values.splits = toJsonText(data.splits);
    if (data.schema !== undefined) values.data_schema = toJsonText(data.schema);
    if (data.digest !== undefined) values.digest = data.digest;
    if (data.metadata !== undefined) values.metadata = toJsonText(data.metadata);
    const result = await tx.db.updateTable('datasets').set(values).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('dataset', id);
    await refreshSearchDocument(tx, 'dataset', id);
    return getDataset(tx, id);
  }));
}

export async function deleteDataset(ctx: StoreContext, id: number): Promise<void> {
  await guarded(ctx, () =>
      withTransaction(ctx, async (tx) => {
    const result = await tx.db.deleteFrom('datasets').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NotFoundError('dataset', id);
      await removeSearchDocument(tx, 'dataset', id);
    }));
}
