/** Rollups kept current by logMetrics, in the transaction that writes the points. */
import { sql } from 'kysely';
import { insertRows } from '../bulk-insert.js';
import { chunksFor, type StoreContext } from '../context.js';
import { ROLLUP_BLOCK_STEPS, ROLLUP_COLUMNS, ROLLUP_KEY, ROLLUP_UPDATES, rollupValues, blockOf, numOrNull, rollupsOfPoints, mergeAppended, toRollupRow, blockAggregates, type RollupRow, type MetricRow } from './blocks.js';

/** What logMetrics wrote to one series. */
export interface SeriesWrite {
  /** The series' key (metric_keys.id). */
  readonly keyId: number;
  readonly points: readonly MetricRow[];
  /** True when the batch rewrote existing steps (or may have); false for a pure append. */
  readonly rewrite: boolean;
  /** The series' highest stored step before the batch, if it had any. */
  readonly previousLastStep: number | undefined;
}

/**
 * Brings the rollups of the blocks a batch touched up to date; call inside the batch's transaction
 * after its points are stored. Appends merge in memory with the one stored block they may extend
 * (read in one query for the whole batch); rewrites recompute their blocks from the stored points.
 */
export async function updateRollups(ctx: StoreContext, runId: number, writes: readonly SeriesWrite[]): Promise<void> {
  const result: RollupRow[] = [];
  const extended: Array<{ keyId: number; block: number; added: RollupRow }> = [];
  const rewritten: Array<{ keyId: number; blocks: number[] }> = [];
  for (const write of writes) {
    if (write.rewrite) {
      rewritten.push({ keyId: write.keyId, blocks: [...new Set(write.points.map((point) => blockOf(Number(point.step))))] });
      continue;
    }
    const blocks = rollupsOfPoints(runId, write.keyId, write.points);
    const openBlock = write.previousLastStep === undefined ? undefined : blockOf(write.previousLastStep);
    for (const row of blocks.values()) {
      if (row.block === openBlock) extended.push({ keyId: write.keyId, block: row.block, added: row });
      else result.push(row);
    }
  }

  const stored = await loadRollups(ctx, runId, extended);
  for (const { keyId, block, added } of extended) {
    const previous = stored.get(rollupKey(keyId, block));
    result.push(previous === undefined ? added : mergeAppended(previous, added));
  }
  if (rewritten.length > 0) result.push(...(await recomputeRollups(ctx, runId, rewritten)));

  await insertRows(ctx, 'metric_rollups', ROLLUP_COLUMNS, result.map(rollupValues), { key: ROLLUP_KEY, update: ROLLUP_UPDATES });
}

const rollupKey = (keyId: number, block: number): string => `${block}:${keyId}`;

async function loadRollups(
  ctx: StoreContext,
  runId: number,
  wanted: ReadonlyArray<{ keyId: number; block: number }>,
): Promise<Map<string, RollupRow>> {
  const found = new Map<string, RollupRow>();
  const keys = new Set(wanted.map(({ keyId, block }) => rollupKey(keyId, block)));
  for (const chunk of chunksFor(ctx, [...wanted], 2)) {
    const keyIds = [...new Set(chunk.map(({ keyId }) => keyId))];
    const blocks = [...new Set(chunk.map(({ block }) => block))];
    // Usually every series of a batch ends in the same block: two IN lists are then a plain index
    // lookup on every backend and cheaper to build than one OR term per series (rows of the cross
    // product that were not asked for are dropped below). Scattered blocks get the OR terms.
    const crossProduct = keyIds.length * blocks.length <= 2 * chunk.length;
    const rows = await ctx.db
      .selectFrom('metric_rollups')
      .selectAll()
      .where('run_id', '=', runId)
      .$if(crossProduct, (q) => q.where('key_id', 'in', keyIds).where('block', 'in', blocks))
      .$if(!crossProduct, (q) =>
        q.where((eb) => eb.or(chunk.map(({ keyId, block }) => eb.and([eb('key_id', '=', keyId), eb('block', '=', block)])))),
      )
      .execute();
    for (const row of rows) {
      const key = rollupKey(Number(row.key_id), Number(row.block));
      if (keys.has(key)) found.set(key, toRollupRow(row));
    }
  }
  return found;
}

/** Step ranges covering the given blocks, adjacent blocks joined into one range. */
function stepRanges(blocks: number[]): Array<[number, number]> {
  const sorted = [...blocks].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const block of sorted) {
    const start = block * ROLLUP_BLOCK_STEPS;
    const end = start + ROLLUP_BLOCK_STEPS - 1;
    const previous = ranges.at(-1);
    if (previous !== undefined && previous[1] + 1 === start) previous[1] = end;
    else ranges.push([start, end]);
  }
  return ranges;
}

/** Rollups of the given blocks, grouped from the stored points, with last values by key lookups. */
async function recomputeRollups(
  ctx: StoreContext,
  runId: number,
  series: ReadonlyArray<{ keyId: number; blocks: number[] }>,
): Promise<RollupRow[]> {
  const ranges = series.flatMap(({ keyId, blocks }) => stepRanges(blocks).map(([from, to]) => ({ keyId, from, to })));
  const blockExpression = ctx.backend.integerDivide(sql.ref('step'), sql.lit(ROLLUP_BLOCK_STEPS));
  const rows: RollupRow[] = [];
  for (const chunk of chunksFor(ctx, ranges, 3)) {
    const grouped = await ctx.db
      .selectFrom('metrics')
      .select((eb) => [
        'key_id',
        blockExpression.as('block'),
        ...blockAggregates(eb),
      ])
      .where('run_id', '=', runId)
      .where((eb) =>
        eb.or(chunk.map(({ keyId, from, to }) => eb.and([eb('key_id', '=', keyId), eb('step', '>=', from), eb('step', '<=', to)]))),
      )
      .groupBy([sql`1`, sql`2`])
      .execute();
    for (const row of grouped) rows.push(toRollupRow({ ...row, run_id: runId, last_value: null, last_kind: 0 }));
  }
  const lasts = await pointsAt(ctx, runId, rows.map((row) => ({ keyId: row.key_id, step: row.last_step })));
  for (const row of rows) {
    const last = lasts.get(rollupKey(row.key_id, row.last_step))!;
    row.last_value = last.value;
    row.last_kind = last.kind;
  }
  return rows;
}

async function pointsAt(
  ctx: StoreContext,
  runId: number,
  keys: ReadonlyArray<{ keyId: number; step: number }>,
): Promise<Map<string, { value: number | null; kind: RollupRow['last_kind'] }>> {
  const found = new Map<string, { value: number | null; kind: RollupRow['last_kind'] }>();
  for (const chunk of chunksFor(ctx, [...keys], 2)) {
    const rows = await ctx.db
      .selectFrom('metrics')
      .select(['key_id', 'step', 'value', 'value_kind'])
      .where('run_id', '=', runId)
      .where((eb) => eb.or(chunk.map(({ keyId, step }) => eb.and([eb('key_id', '=', keyId), eb('step', '=', step)]))))
      .execute();
    for (const row of rows) {
      found.set(rollupKey(Number(row.key_id), Number(row.step)), {
        value: numOrNull(row.value),
        kind: Number(row.value_kind) as RollupRow['last_kind'],
      });
    }
  }
  return found;
}
