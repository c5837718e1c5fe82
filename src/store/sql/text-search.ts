/**
 * Full-text search (docs/decisions/0802-full-text-search.md). One `search_documents` row per run,
 * model, experiment and dataset holds its searchable text, lower-cased; the store rewrites the row in
 * the same transaction as the entity, and each backend indexes it its own way (SQLite FTS5 kept by
 * triggers, a PostgreSQL GIN index on `to_tsvector('simple', body)`, an InnoDB FULLTEXT index).
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { TextSearchHit, TextSearchEntity } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import { searchWords } from '../../core/query/values.js';
import { parseInput, textSearchOptionsSchema, type TextSearchOptions } from '../../core/schemas.js';
import { guarded, type StoreContext } from './context.js';
import { fromJsonText } from './mappers.js';

/** Text searched for each entity: what a user remembers a run or model by. */
const SOURCES: Readonly<Record<TextSearchEntity, { table: 'training_runs' | 'models' | 'experiments' | 'datasets'; columns: string[]; tags: boolean }>> = {
  run: { table: 'training_runs', columns: ['name', 'notes'], tags: true },
  model: { table: 'models', columns: ['name', 'description'], tags: true },
  experiment: { table: 'experiments', columns: ['name', 'description'], tags: true },
  dataset: { table: 'datasets', columns: ['name', 'version', 'description'], tags: false },
};

/** The searchable text of one row: its columns and tag values, lower-cased (MySQL's FULLTEXT on a binary collation is case-sensitive). */
function documentOf(entity: TextSearchEntity, row: Record<string, unknown>): { title: string; body: string } {
  const source = SOURCES[entity];
  const parts = source.columns.map((column) => row[column]).filter((value): value is string => typeof value === 'string' && value !== '');
  if (source.tags && row.tags != null) parts.push(...Object.values(fromJsonText<Record<string, string>>(row.tags)));
  const title = typeof row.name === 'string' ? row.name : `#${String(row.id)}`;
  return { title, body: parts.join('\n').toLowerCase() };
}

/**
 * Rewrites the search document of one entity from its stored row (or removes it when the row is
 * gone). A caller that has just read the row passes it as `stored`, saving the read.
 */
export async function refreshSearchDocument(ctx: StoreContext, entity: TextSearchEntity, id: number, stored?: Record<string, unknown>): Promise<void> {
  const db = ctx.db as unknown as Kysely<any>;
  const source = SOURCES[entity];
  const row = stored ?? (await db.selectFrom(source.table).selectAll().where('id', '=', id).executeTakeFirst());
  // A soft-deleted entity is out of search until it is restored.
  if (row === undefined || row.deleted_at != null) {
    await removeSearchDocument(ctx, entity, id);
    return;
  }
  const { title, body } = documentOf(entity, row);
  const query = db.insertInto('search_documents').values({ entity, entity_id: id, title, body, updated_at: ctx.now() });
  await ctx.backend.upsert(query, ['entity', 'entity_id'], ['title', 'body', 'updated_at']).execute();
}

export async function removeSearchDocument(ctx: StoreContext, entity: TextSearchEntity, id: number): Promise<void> {
  await (ctx.db as unknown as Kysely<any>).deleteFrom('search_documents').where('entity', '=', entity).where('entity_id', '=', id).execute();
}

function wordsOf(text: string, field: string): string[] {
  const words = searchWords(text);
  if (words.length === 0) throw new ValidationError(`${field}: give at least one word of letters or digits`, { field });
  return words;
}

/** `text ~ 'words'` in a run query: the run's document holds every word. */
export function textMatch(ctx: StoreContext, runId: RawBuilder<unknown>, text: string): RawBuilder<SqlBool> {
  const words = wordsOf(text, 'query');
  return sql<SqlBool>`${runId} in (select d.entity_id from search_documents d where d.entity = ${'run'} and ${ctx.backend.textMatch(words).predicate})`;
}

/** A snippet of the document around the first word that matched. */
function snippetOf(body: string, words: string[]): string {
  const flat = body.replace(/\s+/g, ' ');
  let at = -1;
  for (const word of words) {
    const match = new RegExp(`(^|[^\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u').exec(flat);
    if (match !== null && (at < 0 || match.index < at)) at = match.index;
  }
  if (at < 0) return flat.slice(0, 120);
  const start = Math.max(0, at - 40);
  return `${start > 0 ? '…' : ''}${flat.slice(start, start + 120)}${start + 120 < flat.length ? '…' : ''}`;
}

/** Runs, models, experiments and datasets whose text holds every word, best match first. */
export async function searchText(ctx: StoreContext, text: string, options: TextSearchOptions = {}): Promise<TextSearchHit[]> {
  const parsed = parseInput(textSearchOptionsSchema, options, 'options');
  const words = wordsOf(text, 'words');
  const limit = parsed.limit ?? 20;
  const { predicate, rank } = ctx.backend.textMatch(words);
  const entities = parsed.entities ?? (Object.keys(SOURCES) as TextSearchEntity[]);
  return guarded(ctx, async () => {
    const rows = (
      await sql<{ entity: string; entity_id: number | string; title: string; body: string; score: number | string }>`
        select d.entity, d.entity_id, d.title, d.body, ${rank} as score from search_documents d
        where d.entity in (${sql.join(entities)}) and ${predicate}
        order by score desc, d.entity_id desc limit ${limit}`.execute(ctx.db)
    ).rows;
    return rows.map((row) => ({
      entity: row.entity as TextSearchEntity,
      id: Number(row.entity_id),
      name: row.title,
      score: Number(row.score),
      snippet: snippetOf(row.body, words),
    }));
  });
}
