/**
 * Block rollups of metric series: for every (run, series key, block of ROLLUP_BLOCK_STEPS steps) the first
 * and last step, finite min and max, last value, count and latest logging time, kept in the same
 * transaction as the points. Downsampled reads of long series merge these rows instead of grouping
 * every point (docs/decisions/0503-metric-rollups.md). This file: the rows and how points become
 * them; write.ts keeps them on logMetrics, fill.ts builds them for loaded points, read.ts answers
 * downsampled reads from them.
 */
import { type ExpressionBuilder } from 'kysely';
import type { MetricRollupsTable } from '../tables.js';
import type { MetricRow } from '../metric-points.js';

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

export type RollupRow = MetricRollupsTable;
export type { MetricRow };

export const ROLLUP_COLUMNS = [
  'run_id',
  'key_id',
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
export const ROLLUP_KEY = ['run_id', 'key_id', 'block'] as const;
export const ROLLUP_UPDATES = ROLLUP_COLUMNS.slice(3);

export const rollupValues = (row: RollupRow): unknown[] => [
  row.run_id,
  row.key_id,
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

/** The block a step falls in: floor, so steps -64…-1 are block -1 (as integerDivide numbers them in SQL). */
export const blockOf = (step: number): number => Math.floor(step / ROLLUP_BLOCK_STEPS);

export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Rollup rows of some points of one series, keyed by block. */
export function rollupsOfPoints(runId: number, keyId: number, points: readonly MetricRow[]): Map<number, RollupRow> {
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
        key_id: keyId,
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
export function mergeAppended(stored: RollupRow, added: RollupRow): RollupRow {
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

export function toRollupRow(row: Record<string, unknown>): RollupRow {
  return {
    run_id: Number(row.run_id),
    key_id: Number(row.key_id),
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
export function blockAggregates(eb: ExpressionBuilder<any, 'metrics'>) {
  return [
    eb.fn.min('step').as('first_step'),
    eb.fn.max('step').as('last_step'),
    eb.fn.min('value').as('min_value'),
    eb.fn.max('value').as('max_value'),
    eb.fn.countAll().as('count'),
    eb.fn.max('logged_at').as('max_logged_at'),
  ] as const;
}
