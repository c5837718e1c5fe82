/**
 * The metric point codec: how a point becomes a stored row (value encoded so NaN and ±Infinity
 * survive on every backend) and a row becomes a `MetricPoint` again, with the column lists every
 * metric insert uses. Points are written only through `insertRows` (bulk-insert.ts) with these
 * lists, and read back only through `toSeriesPoint`.
 */
import type { Selectable } from 'kysely';
import type { MetricPoint } from '../../core/entities.js';
import type { BulkColumn } from '../backends/backend.js';
import type { ColumnOf } from './bulk-insert.js';
import { decodeDouble, encodeDouble } from './mappers.js';
import type { MetricsTable } from './tables.js';

export type MetricRow = MetricsTable;

/** The columns of a point, in the order of `pointValues`. */
export const POINT_COLUMNS = [
  { name: 'run_id', kind: 'integer' },
  { name: 'key_id', kind: 'integer' },
  { name: 'step', kind: 'integer' },
  { name: 'value', kind: 'double' },
  { name: 'value_kind', kind: 'integer' },
  { name: 'epoch', kind: 'integer' },
  { name: 'logged_at', kind: 'integer' },
] as const satisfies readonly (BulkColumn & { name: ColumnOf<'metrics'> })[];

/** The key of a point, and what a rewrite of the same key replaces. */
export const POINT_KEY = ['run_id', 'key_id', 'step'] as const;
export const POINT_UPDATES = ['value', 'value_kind', 'epoch', 'logged_at'] as const;

/** A further value of a step (decision 0901): a point's columns plus its rank `seq`, in the order of `stepValueValues`. */
export const STEP_VALUE_COLUMNS = [
  ...POINT_COLUMNS.slice(0, 3),
  { name: 'seq', kind: 'integer' },
  ...POINT_COLUMNS.slice(3),
] as const satisfies readonly (BulkColumn & { name: ColumnOf<'metric_step_values'> })[];

/** A point as stored, its series named by its key id (metric-keys.ts). */
export function pointRow(runId: number, keyId: number, step: number, value: number, epoch: number | null, loggedAt: number): MetricRow {
  const encoded = encodeDouble(value);
  return { run_id: runId, key_id: keyId, step, value: encoded.value, value_kind: encoded.kind, epoch, logged_at: loggedAt };
}

/** A stored point's values in POINT_COLUMNS order. */
export const pointValues = (row: MetricRow): unknown[] => [row.run_id, row.key_id, row.step, row.value, row.value_kind, row.epoch, row.logged_at];

/** A further value's values in STEP_VALUE_COLUMNS order. */
export const stepValueValues = (row: MetricRow, seq: number): unknown[] => [
  row.run_id,
  row.key_id,
  row.step,
  seq,
  row.value,
  row.value_kind,
  row.epoch,
  row.logged_at,
];

/** A point of a series read with its run and name fixed by the query, so they are not selected per row. */
export function toSeriesPoint(
  runId: number,
  name: string,
  row: Pick<Selectable<MetricsTable>, 'step' | 'value' | 'value_kind' | 'epoch' | 'logged_at'>,
): MetricPoint {
  return {
    runId,
    name,
    step: Number(row.step),
    value: decodeDouble(row.value, row.value_kind),
    epoch: row.epoch === null || row.epoch === undefined ? null : Number(row.epoch),
    timestamp: new Date(Number(row.logged_at)),
  };
}

/** The columns of a series' summary row (metric_summaries), in the order its writers give values. */
export const SUMMARY_COLUMNS = [
  'run_id',
  'name',
  'last_value',
  'last_kind',
  'last_step',
  'last_logged_at',
  'min_value',
  'max_value',
  'count',
] as const;
export const SUMMARY_KEY = ['run_id', 'name'] as const;
