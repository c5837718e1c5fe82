/**
 * The registry's event log (docs/decisions/1202-registry-transitions-and-events.md): every stage
 * change and alias move of a model's versions, written in the transaction of the change itself.
 */
import type { Page, RegistryEvent } from '../../core/entities.js';
import { LIMITS, listRegistryEventsSchema, parseInput, type ListRegistryEventsQuery } from '../../core/schemas.js';
import { decodeCursor, guarded, toPage, type StoreContext } from './context.js';
import { resolveModelId } from './models.js';
import type { RegistryEventsTable } from './tables.js';
import type { Selectable } from 'kysely';

export interface RegistryChange {
  modelId: number;
  version: number | null;
  kind: 'stage' | 'alias';
  subject?: string | null;
  from: string | null;
  to: string | null;
  actor?: string | null | undefined;
}

export async function recordRegistryEvent(ctx: StoreContext, change: RegistryChange): Promise<void> {
  await ctx.db
    .insertInto('registry_events')
    .values({
      model_id: change.modelId,
      version: change.version,
      kind: change.kind,
      subject: change.subject ?? null,
      from_value: change.from,
      to_value: change.to,
      actor: change.actor ?? null,
      at: ctx.now(),
    })
    .execute();
}

function toRegistryEvent(row: Selectable<RegistryEventsTable>): RegistryEvent {
  return {
    id: Number(row.id),
    modelId: Number(row.model_id),
    version: row.version === null ? null : Number(row.version),
    kind: row.kind as RegistryEvent['kind'],
    alias: row.subject,
    from: row.from_value,
    to: row.to_value,
    actor: row.actor,
    at: new Date(Number(row.at)),
  };
}

export async function getRegistryEvents(
  ctx: StoreContext,
  modelIdOrName: number | string,
  query: ListRegistryEventsQuery = {},
): Promise<Page<RegistryEvent>> {
  const filter = parseInput(listRegistryEventsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    const modelId = await resolveModelId(ctx, modelIdOrName);
    let select = ctx.db.selectFrom('registry_events').selectAll().where('model_id', '=', modelId).orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    return toPage(await select.execute(), limit, toRegistryEvent);
  });
}
