/**
 * Metric time series keyed by (run, series key, step), the key standing for the series' name
 * (metric-keys.ts, decision 1304), with a per-(run, name) summary kept in the same
 * transaction as the points. Appends (every step past the series' last) take the fast path: plain
 * inserts and a summary merged in memory. Rewrites of existing steps (a retried batch) upsert and
 * recompute that series' summary, so retries never duplicate or miscount. Block rollups
 * (metric-rollups/) follow the same split and serve downsampled reads of long series.
 */
import { sql } from 'kysely';
import type { z } from 'zod';
import type { MetricBucket, MetricPoint, MetricSeriesBuckets, MetricSummary, WriteResult } from '../../core/entities.js';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import {
  LIMITS,
  metricBucketQuerySchema,
  metricBucketsBulkQuerySchema,
  metricQuerySchema,
  metricWriteOptionsSchema,
  parseInput,
  type MetricBucketQuery,
  type MetricBucketsBulkQuery,
  type MetricPointInput,
  type MetricQuery,
  type MetricWriteOptions,
} from '../../core/schemas.js';
import { runIdChunks, runIdIn } from './run-id-filter.js';
import { insertRows } from './bulk-insert.js';
import { chunksFor, guarded, withTransaction, type StoreContext } from './context.js';
import { decodeDouble, toMetricSummary } from './mappers.js';
import { POINT_COLUMNS, POINT_KEY, POINT_UPDATES, STEP_VALUE_COLUMNS, SUMMARY_COLUMNS, SUMMARY_KEY, pointRow, pointValues, stepValueValues, toSeriesPoint, type MetricRow } from './metric-points.js';
import { validateMetricBatch } from '../../core/metric-validation.js';
import { bucketsFromRollups, rollupsServe } from './metric-rollups/read.js';
import { updateRollups, type SeriesWrite } from './metric-rollups/write.js';
import { refreshHeartbeat } from './heartbeats.js';
import { appendOnePoint } from './metric-single-point.js';
import { createKeys, findKeys, keyIdOf } from './metric-keys.js';
import { arrayRows } from '../backends/array-rows.js';
import { unpackSeries } from './packed-series.js';
import { seriesColumnsOf, type MetricSeriesColumns } from '../metric-columns.js';
import type { MetricSummariesTable } from './tables.js';

type SummaryRow = MetricSummariesTable;

const SUMMARY_UPDATES = SUMMARY_COLUMNS.slice(2);
const summaryValues = (row: SummaryRow): unknown[] => [
  row.run_id,
  row.name,
  row.last_value,
  row.last_kind,
  row.last_step,
  row.last_logged_at,
  row.min_value,
  row.max_value,
  row.count,
];

/**
 * Locks the run's row for the batch (serialising writers of one run's metrics), fails if it does not
 * exist (or, with `activeOnly`, is deleted), and counts the batch as the run's sign of life.
 */
async function lockRun(ctx: StoreContext, runId: number, activeOnly: boolean): Promise<void> {
  let select = ctx.db
    .selectFrom('training_runs')
    .select(['id', 'status', 'heartbeat_at', 'heartbeat_timeout_ms', 'deleted_at'])
    .where('id', '=', runId);
  if (ctx.backend.capabilities.lockingReads) select = select.forUpdate();
  const row = await select.executeTakeFirst();
  if (row === undefined) throw new NotFoundError('training run', runId, { field: 'runId' });
  if (activeOnly && row.deleted_at !== null) throw new ConflictError(`training run #${runId} is deleted`, { field: 'runId' });
  await refreshHeartbeat(ctx, runId, row);
}

/**
 * The run's key and summary of each series of `names`, by name, in one query per chunk; the keys of
 * new series are made (a new series has no summary yet).
 */
async function loadSeries(ctx: StoreContext, runId: number, names: string[]): Promise<{ keys: Map<string, number>; summaries: Map<string, SummaryRow> }> {
  const keys = new Map<string, number>();
  const summaries = new Map<string, SummaryRow>();
  for (const chunk of chunksFor(ctx, names, 1)) {
    const rows = await ctx.db
      .selectFrom('metric_keys as k')
      .leftJoin('metric_summaries as s', (join) => join.onRef('s.run_id', '=', 'k.run_id').onRef('s.name', '=', 'k.name'))
      .select(['k.id', 'k.name', 's.last_value', 's.last_kind', 's.last_step', 's.last_logged_at', 's.min_value', 's.max_value', 's.count'])
      .where('k.run_id', '=', runId)
      .where('k.name', 'in', chunk)
      .execute();
    for (const { id, name, ...summary } of rows) {
      keys.set(name, Number(id));
      if (summary.last_step !== null) summaries.set(name, { ...summary, run_id: runId, name } as SummaryRow);
    }
  }
  const missing = names.filter((name) => !keys.has(name));
  if (missing.length > 0) for (const [name, id] of await createKeys(ctx, runId, missing)) keys.set(name, id);
  return { keys, summaries };
}

function mergeSummary(runId: number, name: string, previous: SummaryRow | undefined, points: MetricRow[]): SummaryRow {
  let last = points[0]!;
  let min = previous?.min_value ?? null;
  let max = previous?.max_value ?? null;
  for (const point of points) {
    if (Number(point.step) >= Number(last.step)) last = point;
    if (point.value !== null) {
      if (min === null || point.value < min) min = point.value;
      if (max === null || point.value > max) max = point.value;
    }
  }
  return {
    run_id: runId,
    name,
    last_value: last.value,
    last_kind: last.value_kind,
    last_step: Number(last.step),
    last_logged_at: Number(last.logged_at),
    min_value: min,
    max_value: max,
    count: Number(previous?.count ?? 0) + points.length,
  };
}

/** The summary of series `name` (key `keyId`) from its stored points. */
async function recomputeSummary(ctx: StoreContext, runId: number, name: string, keyId: number): Promise<SummaryRow> {
  const aggregate = await ctx.db
    .selectFrom('metrics')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.min('value').as('min_value'),
      eb.fn.max('value').as('max_value'),
    ])
    .where('run_id', '=', runId)
    .where('key_id', '=', keyId)
    .executeTakeFirstOrThrow();
  const last = await ctx.db
    .selectFrom('metrics')
    .select(['step', 'value', 'value_kind', 'logged_at'])
    .where('run_id', '=', runId)
    .where('key_id', '=', keyId)
    .orderBy('step', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return {
    run_id: runId,
    name,
    last_value: last.value === null ? null : Number(last.value),
    last_kind: Number(last.value_kind) as SummaryRow['last_kind'],
    last_step: Number(last.step),
    last_logged_at: Number(last.logged_at),
    min_value: aggregate.min_value === null ? null : Number(aggregate.min_value),
    max_value: aggregate.max_value === null ? null : Number(aggregate.max_value),
    count: Number(aggregate.count),
  };
}

/** How long a batch id is remembered: far longer than any client retries a batch. */
const BATCH_RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;

/** What a batch stored under this id wrote, if one was. Read under the run's lock, so two copies of a batch cannot both pass. */
async function findBatchReceipt(ctx: StoreContext, runId: number, batchId: string): Promise<WriteResult | undefined> {
  const found = await ctx.db
    .selectFrom('metric_batch_receipts')
    .select('written')
    .where('run_id', '=', runId)
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return found === undefined ? undefined : { written: Number(found.written) };
}

/** Records a stored batch's id, dropping the run's receipts older than a day on the way. */
async function recordBatchReceipt(ctx: StoreContext, runId: number, batchId: string, written: number, now: number): Promise<void> {
  await ctx.db
    .deleteFrom('metric_batch_receipts')
    .where('run_id', '=', runId)
    .where('created_at', '<', now - BATCH_RECEIPT_TTL_MS)
    .execute();
  await ctx.db.insertInto('metric_batch_receipts').values({ run_id: runId, batch_id: batchId, written, created_at: now }).execute();
}

export async function logMetrics(
  ctx: StoreContext,
  runId: number,
  points: MetricPointInput[],
  options: MetricWriteOptions = {},
): Promise<WriteResult> {
  const batch = validateMetricBatch(points, 'points');
  const { batchId, sameStep, activeRunOnly = false } = parseInput(metricWriteOptionsSchema, options, 'options');
  const keepSameStep = sameStep === 'keep';
  if (batch.length === 0) return { written: 0 };
  const now = ctx.now();
  if (batch.length === 1 && batchId === undefined) {
    // One plain point: appended in one statement or one short transaction where it is an append
    // (metric-single-point.ts); anything else falls through to the general path below. An append
    // stores the same with or without `sameStep: 'keep'` (no value is stored at a step past the
    // last), so MLflow's log-metric, which keeps same-step values, takes this path too.
    const point = batch[0]!;
    const appended = await guarded(ctx, () =>
      appendOnePoint(ctx, {
        runId,
        name: point.name,
        step: point.step ?? null,
        value: point.value,
        epoch: point.epoch ?? null,
        loggedAt: point.loggedAt ?? now,
        activeRunOnly,
      }),
    );
    if (appended) return { written: 1 };
  }
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      await lockRun(tx, runId, activeRunOnly);
      if (batchId !== undefined) {
        const receipt = await findBatchReceipt(tx, runId, batchId);
        if (receipt !== undefined) return receipt;
      }
      const names = [...new Set(batch.map((point) => point.name))];
      const { keys, summaries } = await loadSeries(tx, runId, names);

      // Assign omitted steps (one past the highest known, never below 0: only a given step is negative)
      // and group points by series.
      const nextStep = new Map<string, number>();
      for (const name of names) {
        const summary = summaries.get(name);
        nextStep.set(name, summary === undefined ? 0 : Math.max(0, Number(summary.last_step) + 1));
      }
      let seriesPoints = new Map<string, MetricRow[]>();
      // Steps rising within each series (the usual case) cannot repeat a (name, step).
      let rising = true;
      for (const [index, point] of batch.entries()) {
        const next = nextStep.get(point.name)!;
        if (point.step === undefined && next > Number.MAX_SAFE_INTEGER) {
          // Past 2^53 - 1, next + 1 === next in a double: every omitted step would overwrite the last.
          throw new ValidationError(
            `points.${index}.step: the series '${point.name}' already has step ${Number.MAX_SAFE_INTEGER}, ` +
              'the largest step; give a step explicitly',
            { field: `points.${index}.step` },
          );
        }
        const step = point.step ?? next;
        const list = seriesPoints.get(point.name);
        if (list !== undefined && step <= Number(list[list.length - 1]!.step)) rising = false;
        nextStep.set(point.name, Math.max(next, step + 1));
        const row = pointRow(runId, keys.get(point.name)!, step, point.value, point.epoch ?? null, point.loggedAt ?? now);
        if (list === undefined) seriesPoints.set(point.name, [row]);
        else list.push(row);
      }
      let written = 0;
      // With 'keep', a batch that only appends (steps rising within each series, all past its last
      // step) stores what 'replace' would: none of its steps holds a value yet, so nothing is kept
      // aside and nothing need be read (MLflow's log-batch from a training loop).
      if (keepSameStep && !(rising && appendsOnly(seriesPoints, summaries))) {
        const kept = await keepStepValues(tx, runId, seriesPoints, summaries, keys);
        seriesPoints = kept.current;
        written += kept.further;
      } else if (!rising) {
        seriesPoints = lastPointPerStep(seriesPoints);
      }

      const appended: unknown[][] = [];
      const rewritten: unknown[][] = [];
      const rewrittenNames = new Set<string>();
      for (const [name, rows] of seriesPoints) {
        written += rows.length;
        const summary = summaries.get(name);
        const isAppend = summary === undefined || rows.every((row) => Number(row.step) > Number(summary.last_step));
        const target = isAppend ? appended : rewritten;
        for (const row of rows) target.push(pointValues(row));
        if (!isAppend) rewrittenNames.add(name);
      }
      await insertRows(tx, 'metrics', POINT_COLUMNS, appended);
      await insertRows(tx, 'metrics', POINT_COLUMNS, rewritten, { key: POINT_KEY, update: POINT_UPDATES });

      const rollupWrites: SeriesWrite[] = [];
      const newSummaries: unknown[][] = [];
      for (const [name, rows] of seriesPoints) {
        const keyId = keys.get(name)!;
        const previousLastStep = summaries.get(name)?.last_step;
        rollupWrites.push({
          keyId,
          points: rows,
          rewrite: rewrittenNames.has(name),
          previousLastStep: previousLastStep === undefined ? undefined : Number(previousLastStep),
        });
        const summary = rewrittenNames.has(name)
          ? await recomputeSummary(tx, runId, name, keyId)
          : mergeSummary(runId, name, summaries.get(name), rows);
        newSummaries.push(summaryValues(summary));
      }
      await insertRows(tx, 'metric_summaries', SUMMARY_COLUMNS, newSummaries, { key: SUMMARY_KEY, update: SUMMARY_UPDATES });
      await updateRollups(tx, runId, rollupWrites);
      if (batchId !== undefined) await recordBatchReceipt(tx, runId, batchId, written, now);
      return { written };
    }),
  );
}

/** MLflow's order of the values of one step: the latest timestamp wins, then the larger value (NaN lowest). */
function compareStepValues(a: MetricRow, b: MetricRow): number {
  const time = Number(a.logged_at) - Number(b.logged_at);
  if (time !== 0) return time;
  const left = decodeDouble(a.value, a.value_kind);
  const right = decodeDouble(b.value, b.value_kind);
  if (Number.isNaN(left) || Number.isNaN(right)) return Number.isNaN(left) ? (Number.isNaN(right) ? 0 : -1) : 1;
  return left - right;
}

const sameStepValue = (a: MetricRow, b: MetricRow) =>
  Number(a.value_kind) === Number(b.value_kind) &&
  (a.value === null ? b.value === null : b.value !== null && Number(a.value) === Number(b.value)) &&
  Number(a.logged_at) === Number(b.logged_at);

/**
 * `sameStep: 'keep'` (decision 0901): of all distinct values a step has been given, the winner
 * (compareStepValues) is the step's value in `metrics`; the others go to `metric_step_values`. An
 * exact repeat (same value and timestamp) is stored once. Returns the points still to write to
 * `metrics` (one per step, only where the winner changed) and how many further values were kept.
 */
async function keepStepValues(
  tx: StoreContext,
  runId: number,
  seriesPoints: Map<string, MetricRow[]>,
  summaries: Map<string, SummaryRow>,
  keys: ReadonlyMap<string, number>,
): Promise<{ current: Map<string, MetricRow[]>; further: number }> {
  const current = new Map<string, MetricRow[]>();
  const furtherRows: unknown[][] = [];
  for (const [name, rows] of seriesPoints) {
    const byStep = new Map<number, MetricRow[]>();
    for (const row of rows) {
      const list = byStep.get(Number(row.step));
      if (list === undefined) byStep.set(Number(row.step), [row]);
      else list.push(row);
    }
    const lastStep = summaries.get(name)?.last_step;
    const maybeStored = lastStep === undefined ? [] : [...byStep.keys()].filter((step) => step <= Number(lastStep));
    const stored = new Map<number, MetricRow>();
    const further = new Map<number, MetricRow[]>();
    for (const chunk of chunksFor(tx, maybeStored, 1)) {
      if (chunk.length === 0) continue;
      const base = (table: 'metrics' | 'metric_step_values') =>
        tx.db.selectFrom(table).selectAll().where('run_id', '=', runId).where('key_id', '=', keys.get(name)!).where('step', 'in', chunk);
      for (const row of await base('metrics').execute()) stored.set(Number(row.step), row);
      for (const row of await base('metric_step_values').execute()) {
        const list = further.get(Number(row.step));
        if (list === undefined) further.set(Number(row.step), [row]);
        else list.push(row);
      }
    }
    const toWrite: MetricRow[] = [];
    for (const [step, incoming] of byStep) {
      const previous = stored.get(step);
      const known: MetricRow[] = [...(previous === undefined ? [] : [previous]), ...(further.get(step) ?? [])];
      const fresh: MetricRow[] = [];
      for (const row of incoming) {
        if (!known.some((other) => sameStepValue(other, row)) && !fresh.some((other) => sameStepValue(other, row))) fresh.push(row);
      }
      if (fresh.length === 0) continue;
      const candidates = previous === undefined ? fresh : [previous, ...fresh];
      let winner = candidates[0]!;
      for (const candidate of candidates) if (compareStepValues(candidate, winner) > 0) winner = candidate;
      let seq = Math.max(0, ...(further.get(step) ?? []).map((row) => Number((row as { seq?: number }).seq ?? 0)));
      for (const candidate of candidates) {
        if (candidate === winner) continue;
        seq += 1;
        furtherRows.push(stepValueValues(candidate, seq));
      }
      if (winner !== previous) toWrite.push(winner);
    }
    if (toWrite.length > 0) current.set(name, toWrite.sort((a, b) => Number(a.step) - Number(b.step)));
  }
  await insertRows(tx, 'metric_step_values', STEP_VALUE_COLUMNS, furtherRows);
  return { current, further: furtherRows.length };
}

/** True when each series' points (rising) all come after the series' last stored step. */
function appendsOnly(seriesPoints: ReadonlyMap<string, MetricRow[]>, summaries: ReadonlyMap<string, SummaryRow>): boolean {
  for (const [name, rows] of seriesPoints) {
    const summary = summaries.get(name);
    if (summary !== undefined && Number(rows[0]!.step) <= Number(summary.last_step)) return false;
  }
  return true;
}

/** Keeps the last point sent for each (name, step), as re-sending a point replaces it. */
function lastPointPerStep(seriesPoints: Map<string, MetricRow[]>): Map<string, MetricRow[]> {
  const result = new Map<string, MetricRow[]>();
  for (const [name, rows] of seriesPoints) {
    const byStep = new Map<number, MetricRow>();
    for (const row of rows) byStep.set(Number(row.step), row);
    result.set(name, [...byStep.values()]);
  }
  return result;
}

export async function getMetrics(ctx: StoreContext, runId: number, query: MetricQuery = {}): Promise<MetricPoint[]> {
  const filter = parseInput(metricQuerySchema, query, 'query');
  return guarded(ctx, async () => {
    await assertRun(ctx, runId);
    if (filter.name !== undefined) {
      if (filter.names !== undefined && !filter.names.includes(filter.name)) return [];
      // One series: its key looked up inside the statement, one round trip.
      const series: SeriesFilter = { key: keyIdOf(ctx, runId, filter.name) };
      let rows = await seriesPoints(ctx, runId, series, filter, filter.allValues === true ? undefined : filter.limit);
      if (filter.allValues === true) rows = await withFurtherValues(ctx, runId, series, filter, rows);
      const points: MetricPoint[] = new Array(rows.length);
      for (let index = 0; index < rows.length; index++) points[index] = toSeriesPoint(runId, filter.name, rows[index]!);
      return points;
    }
    // Several series, in name order as the keys sort (the database's order of names, as before interning).
    let keySelect = ctx.db.selectFrom('metric_keys').select(['id', 'name']).where('run_id', '=', runId).orderBy('name');
    if (filter.names !== undefined) keySelect = keySelect.where('name', 'in', filter.names.length === 0 ? [''] : filter.names);
    const keys = await keySelect.execute();
    const names = new Map(keys.map((key) => [Number(key.id), key.name]));
    const points: MetricPoint[] = [];
    if (filter.limit !== undefined && filter.allValues !== true) {
      // A limit across series: series by series in name order until it is reached.
      for (const [keyId, name] of names) {
        const left = filter.limit - points.length;
        if (left <= 0) break;
        for (const row of await seriesPoints(ctx, runId, { key: keyId }, filter, left)) points.push(toSeriesPoint(runId, name, row));
      }
      return points;
    }
    // Everything: read in key order (the index's), then put the series in name order.
    const byKey = new Map<number, PointRow[]>();
    for (const chunk of chunksFor(ctx, [...names.keys()], 1)) {
      const series: SeriesFilter = { keys: chunk };
      let rows = await seriesPoints(ctx, runId, series, filter, undefined);
      if (filter.allValues === true) rows = await withFurtherValues(ctx, runId, series, filter, rows);
      for (const row of rows) {
        const keyId = Number(row.key_id);
        const list = byKey.get(keyId);
        if (list === undefined) byKey.set(keyId, [row]);
        else list.push(row);
      }
    }
    for (const [keyId, name] of names) {
      // A loop, not push(...rows): spreading 100,000+ rows as arguments overflows the call stack.
      for (const row of byKey.get(keyId) ?? []) {
        if (filter.limit !== undefined && points.length >= filter.limit) return points;
        points.push(toSeriesPoint(runId, name, row));
      }
    }
    return points;
  });
}

type PointRow = Pick<MetricRow, 'step' | 'value' | 'value_kind' | 'epoch' | 'logged_at'> & { key_id?: number };

/** Which series of a run a read takes: one key (an id, or the subquery finding it), or several ids. */
type SeriesFilter = { key: number | ReturnType<typeof keyIdOf> } | { keys: number[] };

type PointFilter = ReturnType<typeof metricQuerySchema.parse>;

/** The points of the series, in key then step order; rows carry their key id when several series are read. */
async function seriesPoints(ctx: StoreContext, runId: number, series: SeriesFilter, filter: PointFilter, limit: number | undefined): Promise<PointRow[]> {
  let select = seriesSelect(ctx, runId, filter, limit);
  select = 'key' in series ? select.where('key_id', '=', series.key) : select.select('key_id').where('key_id', 'in', series.keys).orderBy('key_id');
  return select.orderBy('step').execute();
}

/** The columns of a point, in the order `seriesColumns` reads them from array rows. */
const SERIES_POINT_COLUMNS = ['step', 'value', 'value_kind', 'epoch', 'logged_at'] as const;

function seriesSelect(ctx: StoreContext, runId: number, filter: PointFilter, limit: number | undefined) {
  let select = ctx.db.selectFrom('metrics').select(SERIES_POINT_COLUMNS).where('run_id', '=', runId);
  if (filter.minStep !== undefined) select = select.where('step', '>=', filter.minStep);
  if (filter.maxStep !== undefined) select = select.where('step', '<=', filter.maxStep);
  if (limit !== undefined) select = select.limit(limit);
  return select;
}

/**
 * The points `getMetrics` answers, as columns (decision 1308). One series without further values
 * (a whole history, or a page of the server's stream) is read as array rows straight into columns:
 * no row object, MetricPoint or Date per point. Other queries are read as points and regrouped.
 */
export async function getMetricColumns(ctx: StoreContext, runId: number, query: MetricQuery = {}): Promise<MetricSeriesColumns[]> {
  const filter = parseInput(metricQuerySchema, query, 'query');
  const name = filter.name;
  if (name === undefined || filter.allValues === true || (filter.names !== undefined && !filter.names.includes(name))) {
    return seriesColumnsOf(await getMetrics(ctx, runId, filter));
  }
  return guarded(ctx, async () => {
    await assertRun(ctx, runId);
    const select = seriesSelect(ctx, runId, filter, filter.limit).where('key_id', '=', keyIdOf(ctx, runId, name)).orderBy('step');
    if (ctx.backend.packedSeries !== undefined) {
      const packed = (await ctx.backend.packedSeries(select).execute(ctx.db)).rows[0];
      const columns = packed === undefined ? undefined : unpackSeries(runId, name, packed);
      if (columns !== undefined) return columns.step.length === 0 ? [] : [columns];
    }
    const rows = (await arrayRows(select).execute()) as unknown as ArrayRow[];
    const count = rows.length;
    if (count === 0) return [];
    const columns: MetricSeriesColumns = { runId, name, step: new Array(count), value: new Float64Array(count), epoch: null, timestamp: new Array(count) };
    for (let index = 0; index < count; index++) {
      const [step, value, kind, epoch, loggedAt] = rows[index]!;
      // Decoded as toSeriesPoint decodes a row object, so both reads answer the same points.
      columns.step[index] = Number(step);
      columns.value[index] = decodeDouble(value, kind);
      if (epoch !== null && epoch !== undefined) (columns.epoch ??= new Array<number | null>(count).fill(null))[index] = Number(epoch);
      columns.timestamp[index] = Number(loggedAt);
    }
    return [columns];
  });
}

/** A row of SERIES_POINT_COLUMNS as an array. */
type ArrayRow = [step: unknown, value: unknown, kind: unknown, epoch: unknown, loggedAt: unknown];

/** Merges the further values of each step (decision 0901) into rows read from `metrics`, in order. */
async function withFurtherValues(ctx: StoreContext, runId: number, series: SeriesFilter, filter: PointFilter, rows: PointRow[]): Promise<PointRow[]> {
  let select = ctx.db
    .selectFrom('metric_step_values')
    .select(['key_id', 'step', 'value', 'value_kind', 'epoch', 'logged_at'])
    .where('run_id', '=', runId);
  select = 'key' in series ? select.where('key_id', '=', series.key) : select.where('key_id', 'in', series.keys);
  if (filter.minStep !== undefined) select = select.where('step', '>=', filter.minStep);
  if (filter.maxStep !== undefined) select = select.where('step', '<=', filter.maxStep);
  const further = await select.execute();
  if (further.length === 0) return filter.limit === undefined ? rows : rows.slice(0, filter.limit);
  const all: PointRow[] = [...rows, ...further];
  // Rows of one series (key_id absent) or of several: key, then step, then MLflow's order of a step's values.
  all.sort(
    (a, b) =>
      ('keys' in series ? Number(a.key_id) - Number(b.key_id) : 0) ||
      Number(a.step) - Number(b.step) ||
      compareStepValues(a as MetricRow, b as MetricRow),
  );
  return filter.limit === undefined || 'keys' in series ? all : all.slice(0, filter.limit);
}

async function assertRun(ctx: StoreContext, runId: number): Promise<void> {
  const row = await ctx.db.selectFrom('training_runs').select('id').where('id', '=', runId).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('training run', runId);
}

export async function getMetricBuckets(
  ctx: StoreContext,
  runId: number,
  name: string,
  query: MetricBucketQuery,
): Promise<MetricBucket[]> {
  const filter = parseInput(metricBucketQuerySchema, query, 'query');
  return guarded(ctx, async () => {
    await assertRun(ctx, runId);
    const keyId = (await findKeys(ctx, runId, [name])).get(name);
    return keyId === undefined ? [] : seriesBuckets(ctx, runId, keyId, filter);
  });
}

type BucketFilter = z.output<typeof metricBucketQuerySchema>;

/** The buckets of one series whose run is known to exist. */
async function seriesBuckets(ctx: StoreContext, runId: number, keyId: number, filter: BucketFilter): Promise<MetricBucket[]> {
  const series = ctx.db.selectFrom('metrics').where('run_id', '=', runId).where('key_id', '=', keyId);
  // The first and last stored step in range as two index seeks: SQLite scans the whole range for
  // min() and max() in one query.
  const inRange = series
    .select('step')
    .$if(filter.minStep !== undefined, (q) => q.where('step', '>=', filter.minStep!))
    .$if(filter.maxStep !== undefined, (q) => q.where('step', '<=', filter.maxStep!))
    .limit(1);
  const range = await ctx.db
    .selectNoFrom([inRange.orderBy('step', 'asc').as('lo'), inRange.orderBy('step', 'desc').as('hi')])
    .executeTakeFirstOrThrow();
  if (range.lo === null || range.hi === null) return [];
  const lo = Number(range.lo);
  const hi = Number(range.hi);
  if (rollupsServe(lo, hi, filter.buckets)) {
    const bounds = { lo, hi, cutLow: filter.minStep !== undefined, cutHigh: filter.maxStep !== undefined };
    return bucketsFromRollups(ctx, runId, keyId, bounds, filter.buckets);
  }
  const span = hi - lo + 1;
  // Equal ranges of a whole number of steps (the last may be shorter), so at most `buckets` of them.
  // (step - lo) / width cannot overflow a BIGINT; (step - lo) * buckets / span did for large steps.
  const buckets = BigInt(Math.min(filter.buckets, span));
  const width = Number((BigInt(span) + buckets - BigInt(1)) / buckets);
  const bucketExpression = ctx.backend.integerDivide(sql<number>`(${sql.ref('step')} - ${lo})`, sql<number>`${width}`);
  const rows = await series
    .select((eb) => [
      bucketExpression.as('bucket'),
      eb.fn.min('step').as('step_start'),
      eb.fn.max('step').as('step_end'),
      eb.fn.min('value').as('min_value'),
      eb.fn.max('value').as('max_value'),
      eb.fn.countAll<number>().as('count'),
    ])
    .where('step', '>=', lo)
    .where('step', '<=', lo + span - 1)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  // The last values by key lookups, not a join: a join's plan depends on table statistics, which
  // lag behind a series that is still growing (on PostgreSQL it turned 0.1 s into 10 s).
  const lastValues = new Map<number, number>();
  for (const chunk of chunksFor(ctx, rows.map((row) => Number(row.step_end)), 1)) {
    const points = await series.select(['step', 'value', 'value_kind']).where('step', 'in', chunk).execute();
    for (const point of points) lastValues.set(Number(point.step), decodeDouble(point.value, point.value_kind));
  }
  return rows.map((row) => ({
    stepStart: Number(row.step_start),
    stepEnd: Number(row.step_end),
    min: row.min_value === null ? null : Number(row.min_value),
    max: row.max_value === null ? null : Number(row.max_value),
    last: lastValues.get(Number(row.step_end)) ?? Number.NaN,
    lastStep: Number(row.step_end),
    count: Number(row.count),
  }));
}

/** A summary row's facts that decide whether a series can be answered point by point. */
interface SeriesExtent {
  keyId: number;
  count: number;
  lastStep: number;
}

/**
 * A series stored densely at steps 0…lastStep, with no more points than buckets, has one point per
 * bucket (with negative steps count = lastStep + 1 does not prove that: the caller checks the span): `seriesBuckets` would answer each point as its own bucket (width 1, no rollups), so its
 * points can be read together with other such series in one query.
 */
function answeredByPoints(extent: SeriesExtent | undefined, filter: BucketFilter): boolean {
  return extent !== undefined && extent.count === extent.lastStep + 1 && extent.count <= filter.buckets;
}

function bucketOfPoint(step: number, value: number): MetricBucket {
  const finite = Number.isFinite(value) ? value : null;
  return { stepStart: step, stepEnd: step, min: finite, max: finite, last: value, lastStep: step, count: 1 };
}

export async function getMetricBucketsBulk(ctx: StoreContext, query: MetricBucketsBulkQuery): Promise<MetricSeriesBuckets[]> {
  const request = parseInput(metricBucketsBulkQuerySchema, query, 'query');
  const filter: BucketFilter = { buckets: request.buckets, minStep: request.minStep, maxStep: request.maxStep };
  const runIds = [...new Set(request.runIds)];
  return guarded(ctx, async () => {
    const existing = await ctx.db.selectFrom('training_runs').select('id').where('id', 'in', runIds).execute();
    const found = new Set(existing.map((row) => Number(row.id)));
    const missing = runIds.find((runId) => !found.has(runId));
    if (missing !== undefined) throw new NotFoundError('training run', missing);

    const extents = new Map<string, SeriesExtent>();
    const seriesKey = (runId: number, name: string) => `${runId}\u0000${name}`;
    const wanted: Array<{ runId: number; name: string }> = [];
    for (const runId of runIds) {
      let summaries = ctx.db
        .selectFrom('metric_keys as k')
        .innerJoin('metric_summaries as s', (join) => join.onRef('s.run_id', '=', 'k.run_id').onRef('s.name', '=', 'k.name'))
        .select(['k.id', 'k.name', 's.count', 's.last_step'])
        .where('k.run_id', '=', runId)
        .orderBy('k.name');
      summaries =
        request.names !== undefined
          ? summaries.where('k.name', 'in', request.names)
          : summaries.where('k.name', '>=', request.namePrefix!).where(sql<boolean>`${sql.ref('k.name')} like ${likePrefix(request.namePrefix!)} escape '!'`);
      const rows = await summaries.execute();
      for (const row of rows) {
        extents.set(seriesKey(runId, row.name), { keyId: Number(row.id), count: Number(row.count), lastStep: Number(row.last_step) });
      }
      for (const name of request.names ?? rows.map((row) => row.name)) wanted.push({ runId, name });
    }
    if (wanted.length > LIMITS.bulkSeries) {
      throw new ValidationError(
        `query.namePrefix: '${request.namePrefix}' matches ${wanted.length} series, more than the ${LIMITS.bulkSeries} one read answers; ask for names`,
        { field: 'query.namePrefix' },
      );
    }

    const byPoints = new Map<string, MetricBucket[]>();
    for (const runId of runIds) {
      const names = wanted.filter((series) => series.runId === runId && answeredByPoints(extents.get(seriesKey(runId, series.name)), filter));
      for (const chunk of chunksFor(ctx, names.map((series) => series.name), 1)) {
        const nameOfKey = new Map(chunk.map((name) => [extents.get(seriesKey(runId, name))!.keyId, name]));
        const points = await ctx.db
          .selectFrom('metrics')
          .select(['key_id', 'step', 'value', 'value_kind'])
          .where('run_id', '=', runId)
          .where('key_id', 'in', [...nameOfKey.keys()])
          .$if(filter.minStep !== undefined, (q) => q.where('step', '>=', filter.minStep!))
          .$if(filter.maxStep !== undefined, (q) => q.where('step', '<=', filter.maxStep!))
          .orderBy('key_id')
          .orderBy('step')
          .execute();
        for (const name of chunk) byPoints.set(seriesKey(runId, name), []);
        for (const point of points) {
          const name = nameOfKey.get(Number(point.key_id))!;
          byPoints.get(seriesKey(runId, name))!.push(bucketOfPoint(Number(point.step), decodeDouble(point.value, point.value_kind)));
        }
        // A series with negative steps may pass answeredByPoints yet span more steps than buckets:
        // seriesBuckets then groups its points, so it answers that series.
        for (const name of chunk) {
          const buckets = byPoints.get(seriesKey(runId, name))!;
          if (buckets.length > 0 && buckets[buckets.length - 1]!.stepEnd - buckets[0]!.stepStart + 1 > filter.buckets) {
            byPoints.delete(seriesKey(runId, name));
          }
        }
      }
    }

    const answer: MetricSeriesBuckets[] = [];
    for (const { runId, name } of wanted) {
      const key = seriesKey(runId, name);
      const extent = extents.get(key);
      const buckets = extent !== undefined ? (byPoints.get(key) ?? (await seriesBuckets(ctx, runId, extent.keyId, filter))) : [];
      answer.push({ runId, name, buckets });
    }
    return answer;
  });
}

/** A LIKE pattern matching names that start with `prefix` ('!' escapes LIKE's wildcards). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (character) => `!${character}`)}%`;
}

export async function getMetricSummaries(ctx: StoreContext, runIds: number | number[]): Promise<MetricSummary[]> {
  const ids = Array.isArray(runIds) ? runIds : [runIds];
  if (ids.length === 0) return [];
  return guarded(ctx, async () => {
    const summaries: MetricSummary[] = [];
    for (const chunk of runIdChunks(ctx, ids)) {
      // Chunks are in ascending run order and rows in primary-key order (run_id, name) within each.
      const rows = await ctx.db
        .selectFrom('metric_summaries')
        .select(SUMMARY_COLUMNS)
        .where((eb) => runIdIn(eb, chunk))
        .orderBy('run_id')
        .orderBy('name')
        .execute();
      // A loop, not push(...rows): spreading 100,000+ rows as arguments overflows the call stack.
      for (const row of rows) summaries.push(toMetricSummary(row));
    }
    return summaries;
  });
}
