/** Downsampled reads answered from rollups: whole blocks merged into buckets, cut blocks summed from points. */
import { sql } from 'kysely';
import type { MetricBucket } from '../../../core/entities.js';
import { chunksFor, type StoreContext } from '../context.js';
import { decodeDouble } from '../mappers.js';
import { ROLLUP_BLOCK_STEPS, MIN_BLOCKS_PER_BUCKET, blockOf, numOrNull, rollupsOfPoints, toRollupRow, type RollupRow, type MetricRow } from './blocks.js';

/** True when rollups can answer `buckets` buckets over steps [lo, hi] (see MIN_BLOCKS_PER_BUCKET). */
export function rollupsServe(lo: number, hi: number, buckets: number): boolean {
  return blockOf(hi) - blockOf(lo) + 1 >= buckets * MIN_BLOCKS_PER_BUCKET;
}

/** How a downsampled read's range was chosen: its first and last stored step, and whether a step filter set them. */
export interface BucketRange {
  readonly lo: number;
  readonly hi: number;
  /** True when minStep (maxStep) may have cut the first (last) block, leaving points of it outside the range. */
  readonly cutLow: boolean;
  readonly cutHigh: boolean;
}

/**
 * Buckets of whole blocks over the stored steps [lo, hi] of one series, exact: block k of the range
 * goes to bucket floor(k · buckets / blocks), so there are `buckets` of them (fewer where a gap leaves
 * some empty), each a run of whole blocks. The database groups the rollup rows into buckets (a few
 * thousand index entries in, one row per bucket out), the last values come by key lookups, and
 * blocks a step filter cuts are summed from their points.
 */
export async function bucketsFromRollups(
  ctx: StoreContext,
  runId: number,
  keyId: number,
  range: BucketRange,
  buckets: number,
): Promise<MetricBucket[]> {
  const firstBlock = blockOf(range.lo);
  const lastBlock = blockOf(range.hi);
  const blocks = lastBlock - firstBlock + 1;
  // Block numbers times `buckets` must stay exact in doubles and BIGINTs; only the far-apart steps of
  // a sparse series (microsecond timestamps, say) break that, and those have few rows.
  if (!Number.isSafeInteger(blocks * buckets)) return bucketsOfRows(await rollupRows(ctx, runId, keyId, range), firstBlock, blocks, buckets);
  const bucketOf = (block: number): number => Math.floor(((block - firstBlock) * buckets) / blocks);

  const edges: RollupRow[] = [];
  let innerFirst = firstBlock;
  let innerLast = lastBlock;
  if (range.cutLow && range.lo % ROLLUP_BLOCK_STEPS !== 0) {
    edges.push(await rollupOfRange(ctx, runId, keyId, range.lo, Math.min(range.hi, (firstBlock + 1) * ROLLUP_BLOCK_STEPS - 1)));
    innerFirst += 1;
  }
  if (range.cutHigh && (range.hi + 1) % ROLLUP_BLOCK_STEPS !== 0 && innerFirst <= lastBlock) {
    edges.push(await rollupOfRange(ctx, runId, keyId, Math.max(range.lo, lastBlock * ROLLUP_BLOCK_STEPS), range.hi));
    innerLast -= 1;
  }

  const grouped = new Map<number, MetricBucket & { lastBlock: number }>();
  if (innerFirst <= innerLast) {
    const bucketExpression = ctx.backend.integerDivide(
      sql<number>`(${sql.ref('block')} - ${sql.lit(firstBlock)}) * ${sql.lit(buckets)}`,
      sql<number>`${sql.lit(blocks)}`,
    );
    const rows = await ctx.db
      .selectFrom('metric_rollups')
      .select((eb) => [
        bucketExpression.as('bucket'),
        eb.fn.min('first_step').as('step_start'),
        eb.fn.max('last_step').as('step_end'),
        eb.fn.min('min_value').as('min_value'),
        eb.fn.max('max_value').as('max_value'),
        eb.fn.sum('count').as('count'),
        eb.fn.max('block').as('last_block'),
      ])
      .where('run_id', '=', runId)
      .where('key_id', '=', keyId)
      .where('block', '>=', innerFirst)
      .where('block', '<=', innerLast)
      .groupBy(sql`1`)
      .execute();
    const lastValues = new Map<number, number>();
    for (const chunk of chunksFor(ctx, rows.map((row) => Number(row.last_block)), 1)) {
      const found = await ctx.db
        .selectFrom('metric_rollups')
        .select(['block', 'last_value', 'last_kind'])
        .where('run_id', '=', runId)
        .where('key_id', '=', keyId)
        .where('block', 'in', chunk)
        .execute();
      for (const row of found) lastValues.set(Number(row.block), decodeDouble(row.last_value, row.last_kind));
    }
    for (const row of rows) {
      const last = Number(row.last_block);
      grouped.set(Number(row.bucket), {
        stepStart: Number(row.step_start),
        stepEnd: Number(row.step_end),
        min: numOrNull(row.min_value),
        max: numOrNull(row.max_value),
        last: lastValues.get(last) ?? Number.NaN,
        lastStep: Number(row.step_end),
        count: Number(row.count),
        lastBlock: last,
      });
    }
  }
  for (const edge of edges) {
    const index = bucketOf(edge.block);
    const bucket = grouped.get(index);
    if (bucket === undefined) grouped.set(index, { ...bucketOfRow(edge), lastBlock: edge.block });
    else grouped.set(index, { ...mergeBuckets(bucket, edge), lastBlock: Math.max(bucket.lastBlock, edge.block) });
  }
  return [...grouped.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { lastBlock: _lastBlock, ...bucket }]) => bucket);
}

function bucketOfRow(row: RollupRow): MetricBucket {
  return {
    stepStart: row.first_step,
    stepEnd: row.last_step,
    min: row.min_value,
    max: row.max_value,
    last: decodeDouble(row.last_value, row.last_kind),
    lastStep: row.last_step,
    count: row.count,
  };
}

/** A bucket with one more block's rollup (before or after its other blocks) merged in. */
function mergeBuckets(bucket: MetricBucket, row: RollupRow): MetricBucket {
  const later = row.last_step > bucket.stepEnd;
  return {
    stepStart: Math.min(bucket.stepStart, row.first_step),
    stepEnd: later ? row.last_step : bucket.stepEnd,
    min: bucket.min === null ? row.min_value : row.min_value === null ? bucket.min : Math.min(bucket.min, row.min_value),
    max: bucket.max === null ? row.max_value : row.max_value === null ? bucket.max : Math.max(bucket.max, row.max_value),
    last: later ? decodeDouble(row.last_value, row.last_kind) : bucket.last,
    lastStep: later ? row.last_step : bucket.lastStep,
    count: bucket.count + row.count,
  };
}

/** Every rollup row of [lo, hi], the blocks cut by the range replaced by sums of their points. */
async function rollupRows(ctx: StoreContext, runId: number, keyId: number, range: BucketRange): Promise<RollupRow[]> {
  const firstBlock = blockOf(range.lo);
  const lastBlock = blockOf(range.hi);
  const rows = (
    await ctx.db
      .selectFrom('metric_rollups')
      .select(['block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count'])
      .where('run_id', '=', runId)
      .where('key_id', '=', keyId)
      .where('block', '>=', firstBlock)
      .where('block', '<=', lastBlock)
      .orderBy('block')
      .execute()
  ).map((row) => toRollupRow({ ...row, run_id: runId, key_id: keyId }));
  if (rows.length === 0) return rows;
  if (rows[0]!.first_step < range.lo) {
    rows[0] = await rollupOfRange(ctx, runId, keyId, range.lo, Math.min(range.hi, (firstBlock + 1) * ROLLUP_BLOCK_STEPS - 1));
  }
  if (rows.at(-1)!.last_step > range.hi) {
    rows[rows.length - 1] = await rollupOfRange(ctx, runId, keyId, Math.max(range.lo, lastBlock * ROLLUP_BLOCK_STEPS), range.hi);
  }
  return rows;
}

/** Buckets from rollup rows in block order, with exact big-integer bucket numbers. */
function bucketsOfRows(rows: readonly RollupRow[], firstBlock: number, blocks: number, buckets: number): MetricBucket[] {
  const result: MetricBucket[] = [];
  let current: bigint | undefined;
  for (const row of rows) {
    const index = (BigInt(row.block - firstBlock) * BigInt(buckets)) / BigInt(blocks);
    if (index === current) result[result.length - 1] = mergeBuckets(result.at(-1)!, row);
    else result.push(bucketOfRow(row));
    current = index;
  }
  return result;
}

/** The rollup of the stored points of one series in [from, to], a part of one block. */
async function rollupOfRange(ctx: StoreContext, runId: number, keyId: number, from: number, to: number): Promise<RollupRow> {
  const points = await ctx.db
    .selectFrom('metrics')
    .select(['step', 'value', 'value_kind', 'logged_at'])
    .where('run_id', '=', runId)
    .where('key_id', '=', keyId)
    .where('step', '>=', from)
    .where('step', '<=', to)
    .execute();
  const rows = rollupsOfPoints(runId, keyId, points.map((point) => ({ ...point, run_id: runId, key_id: keyId, epoch: null }) as MetricRow));
  return rows.values().next().value!;
}

