/**
 * Block rollups of metric series: for every (run, name, block of ROLLUP_BLOCK_STEPS steps) the first
 * and last step, finite min and max, last value, count and latest logging time, kept in the same
 * transaction as the points. Downsampled reads of long series merge these rows instead of grouping
 * every point (docs/decisions/0503-metric-rollups.md).
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Backend } from '../backends/backend.js';
import type { MetricBucket } from '../../core/entities.js';
import { insertRows } from './bulk-insert.js';
import { chunksFor, type StoreContext } from './context.js';
import { decodeDouble } from './mappers.js';
import type { MetricRollupsTable, MetricsTable } from './tables.js';

/**
 * Steps per block. Part of the stored format: changing it needs a migration that rebuilds
 * `metric_rollups`. 64 keeps a rewritten block cheap to recompute and a million-point series at
 * 15,625 rows to read (measured against 256 in docs/decisions/0503-metric-rollups.md).
 */
export const ROLLUP_BLOCK_STEPS = 64;

/**
 * Rollups serve a read only when every bucket spans at least this many blocks: buckets are whole
 * blocks, so their widths differ by one block, at most a quarter of the narrowest.
 */
export const MIN_BLOCKS_PER_BUCKET = 4;

type RollupRow = MetricRollupsTable;
type MetricRow = MetricsTable;

const ROLLUP_COLUMNS = [
  'run_id',
  'name',
  'block',
  'first_step',
  'last_step',
  'min_value',
  'max_value',
  'last_value',
  'last_kind',
  'count',
  'max_logged_at',
] as const;
const ROLLUP_UPDATES = ROLLUP_COLUMNS.slice(3);

const rollupValues = (row: RollupRow): unknown[] => [
  row.run_id,
  row.name,
  row.block,
  row.first_step,
  row.last_step,
  row.min_value,
  row.max_value,
  row.last_value,
  row.last_kind,
  row.count,
  row.max_logged_at,
];

/** The block a step falls in (steps are never negative, but floor keeps the numbering right if they were). */
export const blockOf = (step: number): number => Math.floor(step / ROLLUP_BLOCK_STEPS);

const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Rollup rows of some points of one series, keyed by block. */
function rollupsOfPoints(runId: number, name: string, points: readonly MetricRow[]): Map<number, RollupRow> {
  const blocks = new Map<number, RollupRow>();
  for (const point of points) {
    const step = Number(point.step);
    const block = blockOf(step);
    const value = point.value === null ? null : Number(point.value);
    const kind = Number(point.value_kind) as RollupRow['last_kind'];
    const loggedAt = Number(point.logged_at);
    const row = blocks.get(block);
    if (row === undefined) {
      blocks.set(block, {
        run_id: runId,
        name,
        block,
        first_step: step,
        last_step: step,
        min_value: value,
        max_value: value,
        last_value: value,
        last_kind: kind,
        count: 1,
        max_logged_at: loggedAt,
      });
      continue;
    }
    if (step < row.first_step) row.first_step = step;
    if (step > row.last_step) {
      row.last_step = step;
      row.last_value = value;
      row.last_kind = kind;
    }
    if (value !== null) {
      if (row.min_value === null || value < row.min_value) row.min_value = value;
      if (row.max_value === null || value > row.max_value) row.max_value = value;
    }
    row.count += 1;
    if (loggedAt > row.max_logged_at) row.max_logged_at = loggedAt;
  }
  return blocks;
}

/** One block's rollup from a stored row and the rollup of points added to it at later steps. */
function mergeAppended(stored: RollupRow, added: RollupRow): RollupRow {
  const min = stored.min_value === null ? added.min_value : added.min_value === null ? stored.min_value : Math.min(stored.min_value, added.min_value);
  const max = stored.max_value === null ? added.max_value : added.max_value === null ? stored.max_value : Math.max(stored.max_value, added.max_value);
  return {
    ...added,
    first_step: Math.min(stored.first_step, added.first_step),
    min_value: min,
    max_value: max,
    count: stored.count + added.count,
    max_logged_at: Math.max(stored.max_logged_at, added.max_logged_at),
  };
}

function toRollupRow(row: Record<string, unknown>): RollupRow {
  return {
    run_id: Number(row.run_id),
    name: String(row.name),
    block: Number(row.block),
    first_step: Number(row.first_step),
    last_step: Number(row.last_step),
    min_value: numOrNull(row.min_value),
    max_value: numOrNull(row.max_value),
    last_value: numOrNull(row.last_value),
    last_kind: Number(row.last_kind) as RollupRow['last_kind'],
    count: Number(row.count),
    max_logged_at: Number(row.max_logged_at ?? 0),
  };
}

/** A block's aggregates over its points, named as rollup columns (its last value is looked up apart). */
function blockAggregates(eb: ExpressionBuilder<any, 'metrics'>) {
  return [
    eb.fn.min('step').as('first_step'),
    eb.fn.max('step').as('last_step'),
    eb.fn.min('value').as('min_value'),
    eb.fn.max('value').as('max_value'),
    eb.fn.countAll().as('count'),
    eb.fn.max('logged_at').as('max_logged_at'),
  ] as const;
}

/**
 * Builds the rollups of every stored point in one set-based statement (migration 0002, and anyone
 * who loaded points without their rollups): the points grouped by block, each block's highest step
 * joined back for its last value. `metric_rollups` must hold no rows of those series yet, or pass
 * `missingOnly` to build only the series that have none (an import into a database with data).
 */
export async function fillMetricRollups(db: Kysely<any>, backend: Backend, options: { missingOnly?: boolean } = {}): Promise<void> {
  // Steps are never negative, so integer division is floor(step / block size).
  const block = backend.integerDivide(sql.ref('step'), sql.lit(ROLLUP_BLOCK_STEPS));
  const blocks = db
    .selectFrom('metrics')
    .select((eb) => [
      'run_id',
      'name',
      block.as('block'),
      ...blockAggregates(eb),
    ])
    .$if(options.missingOnly === true, (query) =>
      query.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('metric_rollups as r')
              .select(sql.lit(1).as('one'))
              .whereRef('r.run_id', '=', 'metrics.run_id')
              .whereRef('r.name', '=', 'metrics.name'),
          ),
        ),
      ),
    )
    .groupBy([sql`1`, sql`2`, sql`3`]);
  await db
    .insertInto('metric_rollups')
    .columns(['run_id', 'name', 'block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count', 'max_logged_at'])
    .expression(
      db
        .selectFrom(blocks.as('b'))
        .innerJoin('metrics as m', (join) =>
          join.onRef('m.run_id', '=', 'b.run_id').onRef('m.name', '=', 'b.name').onRef('m.step', '=', 'b.last_step'),
        )
        .select([
          'b.run_id',
          'b.name',
          'b.block',
          'b.first_step',
          'b.last_step',
          'b.min_value',
          'b.max_value',
          'm.value',
          'm.value_kind',
          'b.count',
          'b.max_logged_at',
        ]),
    )
    .execute();
}

/** What logMetrics wrote to one series. */
export interface SeriesWrite {
  readonly name: string;
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
  const extended: Array<{ name: string; block: number; added: RollupRow }> = [];
  const rewritten: Array<{ name: string; blocks: number[] }> = [];
  for (const write of writes) {
    if (write.rewrite) {
      rewritten.push({ name: write.name, blocks: [...new Set(write.points.map((point) => blockOf(Number(point.step))))] });
      continue;
    }
    const blocks = rollupsOfPoints(runId, write.name, write.points);
    const openBlock = write.previousLastStep === undefined ? undefined : blockOf(write.previousLastStep);
    for (const row of blocks.values()) {
      if (row.block === openBlock) extended.push({ name: write.name, block: row.block, added: row });
      else result.push(row);
    }
  }

  const stored = await loadRollups(ctx, runId, extended);
  for (const { name, block, added } of extended) {
    const previous = stored.get(rollupKey(name, block));
    result.push(previous === undefined ? added : mergeAppended(previous, added));
  }
  if (rewritten.length > 0) result.push(...(await recomputeRollups(ctx, runId, rewritten)));

  await insertRows(ctx, 'metric_rollups', ROLLUP_COLUMNS, result.map(rollupValues), 'upsert', (query) =>
    ctx.backend.upsert(query, ['run_id', 'name', 'block'], ROLLUP_UPDATES),
  );
}

const rollupKey = (name: string, block: number): string => `${block}\u0000${name}`;

async function loadRollups(
  ctx: StoreContext,
  runId: number,
  wanted: ReadonlyArray<{ name: string; block: number }>,
): Promise<Map<string, RollupRow>> {
  const found = new Map<string, RollupRow>();
  const keys = new Set(wanted.map(({ name, block }) => rollupKey(name, block)));
  for (const chunk of chunksFor(ctx, [...wanted], 2)) {
    const names = [...new Set(chunk.map(({ name }) => name))];
    const blocks = [...new Set(chunk.map(({ block }) => block))];
    // Usually every series of a batch ends in the same block: two IN lists are then a plain index
    // lookup on every backend and cheaper to build than one OR term per series (rows of the cross
    // product that were not asked for are dropped below). Scattered blocks get the OR terms.
    const crossProduct = names.length * blocks.length <= 2 * chunk.length;
    const rows = await ctx.db
      .selectFrom('metric_rollups')
      .selectAll()
      .where('run_id', '=', runId)
      .$if(crossProduct, (q) => q.where('name', 'in', names).where('block', 'in', blocks))
      .$if(!crossProduct, (q) =>
        q.where((eb) => eb.or(chunk.map(({ name, block }) => eb.and([eb('name', '=', name), eb('block', '=', block)])))),
      )
      .execute();
    for (const row of rows) {
      const key = rollupKey(row.name, Number(row.block));
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
  series: ReadonlyArray<{ name: string; blocks: number[] }>,
): Promise<RollupRow[]> {
  const ranges = series.flatMap(({ name, blocks }) => stepRanges(blocks).map(([from, to]) => ({ name, from, to })));
  const blockExpression = ctx.backend.integerDivide(sql.ref('step'), sql.lit(ROLLUP_BLOCK_STEPS));
  const rows: RollupRow[] = [];
  for (const chunk of chunksFor(ctx, ranges, 3)) {
    const grouped = await ctx.db
      .selectFrom('metrics')
      .select((eb) => [
        'name',
        blockExpression.as('block'),
        ...blockAggregates(eb),
      ])
      .where('run_id', '=', runId)
      .where((eb) =>
        eb.or(chunk.map(({ name, from, to }) => eb.and([eb('name', '=', name), eb('step', '>=', from), eb('step', '<=', to)]))),
      )
      .groupBy([sql`1`, sql`2`])
      .execute();
    for (const row of grouped) rows.push(toRollupRow({ ...row, run_id: runId, last_value: null, last_kind: 0 }));
  }
  const lasts = await pointsAt(ctx, runId, rows.map((row) => ({ name: row.name, step: row.last_step })));
  for (const row of rows) {
    const last = lasts.get(rollupKey(row.name, row.last_step))!;
    row.last_value = last.value;
    row.last_kind = last.kind;
  }
  return rows;
}

async function pointsAt(
  ctx: StoreContext,
  runId: number,
  keys: ReadonlyArray<{ name: string; step: number }>,
): Promise<Map<string, { value: number | null; kind: RollupRow['last_kind'] }>> {
  const found = new Map<string, { value: number | null; kind: RollupRow['last_kind'] }>();
  for (const chunk of chunksFor(ctx, [...keys], 2)) {
    const rows = await ctx.db
      .selectFrom('metrics')
      .select(['name', 'step', 'value', 'value_kind'])
      .where('run_id', '=', runId)
      .where((eb) => eb.or(chunk.map(({ name, step }) => eb.and([eb('name', '=', name), eb('step', '=', step)]))))
      .execute();
    for (const row of rows) {
      found.set(rollupKey(row.name, Number(row.step)), {
        value: numOrNull(row.value),
        kind: Number(row.value_kind) as RollupRow['last_kind'],
      });
    }
  }
  return found;
}

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
  name: string,
  range: BucketRange,
  buckets: number,
): Promise<MetricBucket[]> {
  const firstBlock = blockOf(range.lo);
  const lastBlock = blockOf(range.hi);
  const blocks = lastBlock - firstBlock + 1;
  // Block numbers times `buckets` must stay exact in doubles and BIGINTs; only the far-apart steps of
  // a sparse series (microsecond timestamps, say) break that, and those have few rows.
  if (!Number.isSafeInteger(blocks * buckets)) return bucketsOfRows(await rollupRows(ctx, runId, name, range), firstBlock, blocks, buckets);
  const bucketOf = (block: number): number => Math.floor(((block - firstBlock) * buckets) / blocks);

  const edges: RollupRow[] = [];
  let innerFirst = firstBlock;
  let innerLast = lastBlock;
  if (range.cutLow && range.lo % ROLLUP_BLOCK_STEPS !== 0) {
    edges.push(await rollupOfRange(ctx, runId, name, range.lo, Math.min(range.hi, (firstBlock + 1) * ROLLUP_BLOCK_STEPS - 1)));
    innerFirst += 1;
  }
  if (range.cutHigh && (range.hi + 1) % ROLLUP_BLOCK_STEPS !== 0 && innerFirst <= lastBlock) {
    edges.push(await rollupOfRange(ctx, runId, name, Math.max(range.lo, lastBlock * ROLLUP_BLOCK_STEPS), range.hi));
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
      .where('name', '=', name)
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
        .where('name', '=', name)
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
async function rollupRows(ctx: StoreContext, runId: number, name: string, range: BucketRange): Promise<RollupRow[]> {
  const firstBlock = blockOf(range.lo);
  const lastBlock = blockOf(range.hi);
  const rows = (
    await ctx.db
      .selectFrom('metric_rollups')
      .select(['block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count'])
      .where('run_id', '=', runId)
      .where('name', '=', name)
      .where('block', '>=', firstBlock)
      .where('block', '<=', lastBlock)
      .orderBy('block')
      .execute()
  ).map((row) => toRollupRow({ ...row, run_id: runId, name }));
  if (rows.length === 0) return rows;
  if (rows[0]!.first_step < range.lo) {
    rows[0] = await rollupOfRange(ctx, runId, name, range.lo, Math.min(range.hi, (firstBlock + 1) * ROLLUP_BLOCK_STEPS - 1));
  }
  if (rows.at(-1)!.last_step > range.hi) {
    rows[rows.length - 1] = await rollupOfRange(ctx, runId, name, Math.max(range.lo, lastBlock * ROLLUP_BLOCK_STEPS), range.hi);
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
async function rollupOfRange(ctx: StoreContext, runId: number, name: string, from: number, to: number): Promise<RollupRow> {
  const points = await ctx.db
    .selectFrom('metrics')
    .select(['step', 'value', 'value_kind', 'logged_at'])
    .where('run_id', '=', runId)
    .where('name', '=', name)
    .where('step', '>=', from)
    .where('step', '<=', to)
    .execute();
  const rows = rollupsOfPoints(runId, name, points.map((point) => ({ ...point, run_id: runId, name, epoch: null }) as MetricRow));
  return rows.values().next().value!;
}
