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
      const rows = await ctx.db
        .selectFrom('metric_summaries')
        .select(['run_id', 'name', 'last_value', 'last_kind', 'last_step'])
        .where((eb) => runIdIn(eb, chunk))
        .$if(names !== undefined, (select) => select.where('name', 'in', names!))
        .orderBy('run_id')
        .orderBy('name')
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
