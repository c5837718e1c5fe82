/**
 * Per-key tag operations for runs, experiments, models and model versions
 * (docs/decisions/0801-per-key-tags.md). Each is one UPDATE whose new value is computed by the
 * database from the stored document, so concurrent writers of different keys never lose each other's
 * changes and no other key is touched.
 */
import { sql } from 'kysely';
import { NotFoundError } from '../../core/errors.js';
import { parseInput, tagKeySchema, tagValueSchema } from '../../core/schemas.js';
import { guarded, type StoreContext } from './context.js';

/** The tables with a `tags` object, and how their rows are named in errors. */
export type TaggedEntity = 'training run' | 'experiment' | 'model' | 'model version';

const TABLES: Readonly<Record<TaggedEntity, 'training_runs' | 'experiments' | 'models' | 'model_versions'>> = {
  'training run': 'training_runs',
  experiment: 'experiments',
  model: 'models',
  'model version': 'model_versions',
};

/** An id, or for models and experiments their unique name. */
async function resolveId(ctx: StoreContext, entity: TaggedEntity, idOrName: number | string): Promise<number> {
  if (typeof idOrName === 'number') return idOrName;
  const table = TABLES[entity] as 'models';
  const row = await ctx.db.selectFrom(table).select('id').where('name', '=', idOrName).executeTakeFirst();
  if (row === undefined) throw new NotFoundError(entity, idOrName);
  return Number(row.id);
}

async function exists(ctx: StoreContext, entity: TaggedEntity, id: number): Promise<boolean> {
  const table = TABLES[entity] as 'models';
  return (await ctx.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Sets one tag, adding or replacing it; the entity's other tags stay as they are. */
export async function setTag(ctx: StoreContext, entity: TaggedEntity, idOrName: number | string, key: string, value: string): Promise<void> {
  const tagKey = parseInput(tagKeySchema, key, 'key');
  const tagValue = parseInput(tagValueSchema, value, 'value');
  await guarded(ctx, async () => {
    const id = await resolveId(ctx, entity, idOrName);
    const table = TABLES[entity] as 'models';
    const tags = sql`coalesce(${sql.ref('tags')}, ${'{}'})`;
    const result = await ctx.db
      .updateTable(table)
      .set({ tags: ctx.backend.jsonWithKey(tags, tagKey, tagValue), updated_at: ctx.now() } as never)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(entity, idOrName);
  });
}

/** Deletes one tag; NotFoundError (entity 'tag') when the entity has no tag `key`. */
export async function deleteTag(ctx: StoreContext, entity: TaggedEntity, idOrName: number | string, key: string): Promise<void> {
  const tagKey = parseInput(tagKeySchema, key, 'key');
  await guarded(ctx, async () => {
    const id = await resolveId(ctx, entity, idOrName);
    const table = TABLES[entity] as 'models';
    const tags = sql.ref('tags');
    const result = await ctx.db
      .updateTable(table)
      .set({ tags: ctx.backend.jsonWithKey(tags, tagKey, null), updated_at: ctx.now() } as never)
      .where('id', '=', id)
      .where(sql<boolean>`${ctx.backend.jsonStringAt(tags, tagKey)} is not null`)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    if (!(await exists(ctx, entity, id))) throw new NotFoundError(entity, idOrName);
    throw new NotFoundError('tag', tagKey, { field: 'key' });
  });
}
