/**
 * Reading per-run rows for many runs at once (summaries, latest values): the ids sorted and split
 * into statements within the parameter limit, and each statement's filter written as a few index
 * ranges when the ids are mostly consecutive (a runs table's page usually is), else one IN list.
 */
import type { ExpressionBuilder } from 'kysely';
import type { StoreContext } from './context.js';
import type { Tables } from './tables.js';

/** Parameters left for anything but the run ids of one statement. */
const OTHER_PARAMETERS = 16;
/** Up to this many runs of consecutive ids are read as ranges; more go as one IN list. */
const MAX_ID_RANGES = 32;

/** Distinct ids in ascending order, in chunks that fit one statement beside `reservedParameters` others. */
export function runIdChunks(ctx: StoreContext, runIds: readonly number[], reservedParameters = 0): number[][] {
  const ids = [...new Set(runIds)].sort((a, b) => a - b);
  const size = Math.max(1, ctx.backend.capabilities.maxBindParameters - OTHER_PARAMETERS - reservedParameters);
  const chunks: number[][] = [];
  for (let start = 0; start < ids.length; start += size) chunks.push(ids.slice(start, start + size));
  return chunks;
}

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

/** `run_id` of a per-run table within one sorted chunk of `runIdChunks`. */
export function runIdIn(eb: ExpressionBuilder<Tables, 'metric_summaries' | 'hyperparameters'>, chunk: readonly number[]) {
  const ranges = idRanges(chunk);
  return ranges.length > MAX_ID_RANGES
    ? eb('run_id', 'in', [...chunk])
    : eb.or(ranges.map(([first, last]) => (first === last ? eb('run_id', '=', first) : eb.between('run_id', first, last))));
}
