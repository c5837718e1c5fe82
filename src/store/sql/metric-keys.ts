/**
 * Metric names interned per run (migration 0011, decision 1304): `metric_keys` holds each name of a
 * run once, and the metric tables hold its id. Names are resolved here once per batch or per read;
 * nothing outside the store sees a key id. Keys are never renamed or removed except with their run,
 * so an id read once stays right for the run's life.
 */
import type { SelectQueryBuilder } from 'kysely';
import { insertRows, type BulkTarget } from './bulk-insert.js';
import { chunksFor, type StoreContext } from './context.js';
import type { Tables } from './tables.js';

/** The key id of one name of a run, as a subquery (no row when the run has no such series). */
export function keyIdOf(ctx: BulkTarget, runId: number, name: string): SelectQueryBuilder<Tables, 'metric_keys', { id: number }> {
  return (ctx.db as StoreContext['db']).selectFrom('metric_keys').select('id').where('run_id', '=', runId).where('name', '=', name);
}

/** The ids of those of `names` the run has a series of. */
export async function findKeys(ctx: BulkTarget, runId: number, names: readonly string[], options: { latest?: boolean } = {}): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const db = ctx.db as StoreContext['db'];
  for (const chunk of chunksFor(ctx as StoreContext, [...names], 1)) {
    let select = db.selectFrom('metric_keys').select(['id', 'name']).where('run_id', '=', runId).where('name', 'in', chunk);
    // A locking read sees keys committed after the transaction's snapshot (MySQL's consistent reads
    // would not), such as one a concurrent writer created while this one inserted nothing.
    if (options.latest === true && ctx.backend.capabilities.lockingReads) select = select.forUpdate();
    for (const row of await select.execute()) found.set(row.name, Number(row.id));
  }
  return found;
}

/** Stores keys for names the run had none of when last read, and answers their ids. Call inside the writing transaction. */
export async function createKeys(ctx: BulkTarget, runId: number, names: readonly string[]): Promise<Map<string, number>> {
  // Keep a key another writer stored meanwhile; read them all back (MySQL returns no generated ids of a multi-row insert).
  await insertRows(ctx, 'metric_keys', ['run_id', 'name'], names.map((name) => [runId, name]), { key: ['run_id', 'name'] });
  return findKeys(ctx, runId, names, { latest: true });
}

/** A (run, name) pair as one map key. */
export const seriesKey = (runId: number, name: string): string => `${runId}\u0000${name}`;

/**
 * Key ids for (run, name) pairs of many runs, creating missing keys: how transfers write metric
 * rows, which travel with their names (decision 1304). Answered by `seriesKey(run, name)`.
 */
export async function internMetricKeys(target: BulkTarget, pairs: ReadonlyArray<readonly [runId: number, name: string]>): Promise<Map<string, number>> {
  const byRun = new Map<number, Set<string>>();
  for (const [runId, name] of pairs) {
    const names = byRun.get(runId);
    if (names === undefined) byRun.set(runId, new Set([name]));
    else names.add(name);
  }
  const keys = new Map<string, number>();
  const wanted = new Set(pairs.map(([runId, name]) => seriesKey(runId, name)));
  const readKeys = async (latest: boolean): Promise<void> => {
    // Runs and names as two IN lists (rows of the cross product nobody asked for are dropped):
    // a batch of summaries spans thousands of runs with the same few names.
    const runs = [...byRun.keys()];
    const names = [...new Set(pairs.map(([, name]) => name))];
    const db = target.db as StoreContext['db'];
    for (const runChunk of chunksFor(target as StoreContext, runs, 2)) {
      for (const nameChunk of chunksFor(target as StoreContext, names, 2)) {
        let select = db.selectFrom('metric_keys').select(['id', 'run_id', 'name']).where('run_id', 'in', runChunk).where('name', 'in', nameChunk);
        if (latest && target.backend.capabilities.lockingReads) select = select.forUpdate();
        for (const row of await select.execute()) {
          const key = seriesKey(Number(row.run_id), row.name);
          if (wanted.has(key)) keys.set(key, Number(row.id));
        }
      }
    }
  };
  await readKeys(false);
  const missing = [...byRun].flatMap(([runId, names]) => [...names].filter((name) => !keys.has(seriesKey(runId, name))).map((name) => [runId, name]));
  if (missing.length > 0) {
    await insertRows(target, 'metric_keys', ['run_id', 'name'], missing, { key: ['run_id', 'name'] });
    await readKeys(true);
  }
  return keys;
}

/** The names of key ids (of any runs). */
export async function keyNames(target: BulkTarget, ids: readonly number[]): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  const db = target.db as StoreContext['db'];
  for (const chunk of chunksFor(target as StoreContext, [...new Set(ids)], 1)) {
    for (const row of await db.selectFrom('metric_keys').select(['id', 'name']).where('id', 'in', chunk).execute()) names.set(Number(row.id), row.name);
  }
  return names;
}
