/**
 * The latest point of each (run, metric) series, for runs tables. It reads the per-series summary
 * rows that logMetrics keeps in the same transaction as the points, and only the four columns such a
 * table shows: row materialisation, not the index search, is most of the cost of 100,000 series.
 */
import type { LatestMetric } from '../../core/entities.js';
import { latestMetricsQuerySchema, parseInput, type LatestMetricsQuery } from '../../core/schemas.js';
import { guarded, type StoreContext } from './context.js';
import { decodeDouble } from './mappers.js';
import { runIdChunks, runIdIn } from './run-id-filter.js';

export async function getLatestMetrics(ctx: StoreContext, runIds: number[], query: LatestMetricsQuery = {}): Promise<LatestMetric[]> {
  const filter = parseInput(latestMetricsQuerySchema, query, 'query');
  const names = filter.names === undefined ? undefined : [...new Set(filter.names)];
  if (runIds.length === 0 || names?.length === 0) return [];
  return guarded(ctx, async () => {
    const latest: LatestMetric[] = [];
    for (const chunk of runIdChunks(ctx, runIds, names?.length)) {
      // From the keys (run, name order is their unique index's), each summary found by its key.
      const rows = await ctx.db
        .selectFrom('metric_keys as k')
        .innerJoin('metric_summaries as s', (join) => join.onRef('s.run_id', '=', 'k.run_id').onRef('s.key_id', '=', 'k.id'))
        .select(['k.run_id', 'k.name', 's.last_value', 's.last_kind', 's.last_step'])
        .where((eb) => runIdIn(eb, chunk, 'k.run_id'))
        .$if(names !== undefined, (select) => select.where('k.name', 'in', names!))
        .orderBy('k.run_id')
        .orderBy('k.name')
        .execute();
      for (const row of rows) {
        latest.push({
          runId: Number(row.run_id),
          name: row.name,
          value: decodeDouble(row.last_value, row.last_kind),
          step: Number(row.last_step),
        });
      }
    }
    return latest;
  });
}
