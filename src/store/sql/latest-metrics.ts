/**
 * The latest point of each (run, metric) series, for runs tables. It reads the per-series summary
 * rows that logMetrics keeps in the same transaction as the points, and only the four columns such a
 * table shows: row materialisation, not the index search, is most of the cost of 100,000 series.
 */
import type { LatestMetric } from '../../core/entities.js';
import { latestMetricsQuerySchema, parseInput, type LatestMetricsQuery } from '../../core/schemas.js';
import { binaryRead } from './binary-read.js';
import { guarded, type StoreContext } from './context.js';
import { decodeDouble } from './mappers.js';

/** Parameters left for anything but the run ids and names of one statement. */
const OTHER_PARAMETERS = 16;
/** Up to this many runs of consecutive ids are read as ranges; more go as one IN list. */
const MAX_ID_RANGES = 32;

/** Sorted ids as [first, last] runs of consecutive ids. */
function idRanges(sorted: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const id of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && id === last[1] + 1) last[1] = id;
    else ranges.push([id, id]);
  }
  return ranges;
}

export async function getLatestMetrics(ctx: StoreContext, runIds: number[], query: LatestMetricsQuery = {}): Promise<LatestMetric[]> {
  const filter = parseInput(latestMetricsQuerySchema, query, 'query');
  // Sorted, so chunks come back in run order and a table's page of runs (often consecutive ids) is a
  // few index ranges instead of thousands of point lookups.
  const ids = [...new Set(runIds)].sort((a, b) => a - b);
  const names = filter.names === undefined ? undefined : [...new Set(filter.names)];
  if (ids.length === 0 || names?.length === 0) return [];
  const idsPerStatement = ctx.backend.capabilities.maxBindParameters - OTHER_PARAMETERS - (names?.length ?? 0);
  return guarded(ctx, async () => {
    const latest: LatestMetric[] = [];
    for (let start = 0; start < ids.length; start += idsPerStatement) {
      const chunk = ids.slice(start, start + idsPerStatement);
      const ranges = idRanges(chunk);
      const rows = await binaryRead(
        ctx.db
          .selectFrom('metric_summaries')
          .select(['run_id', 'name', 'last_value', 'last_kind', 'last_step'])
          .where((eb) =>
            ranges.length > MAX_ID_RANGES
              ? eb('run_id', 'in', chunk)
              : eb.or(ranges.map(([first, last]) => (first === last ? eb('run_id', '=', first) : eb.between('run_id', first, last)))),
          )
          .$if(names !== undefined, (select) => select.where('name', 'in', names!))
          .orderBy('run_id')
          .orderBy('name'),
      ).execute();
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
