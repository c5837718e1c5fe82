/**
 * Prediction rollups (docs/decisions/1100-prediction-rollups.md): per model version and per minute,
 * hour and day, the count, error count, latency count/sum/max, a log-bucket latency sketch, the
 * confidence count/sum/histogram and the labelled and correct counts. Kept in the transaction that
 * stores the predictions (and the one that records ground truth); statistics merge these rows into
 * buckets instead of reading predictions.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Backend } from '../backends/backend.js';
import type { JsonObject, JsonValue, PredictionAggregate, PredictionStats, PredictionStatsSeries } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import {
  CONFIDENCE_BINS,
  LATENCY_GAMMA,
  LATENCY_RELATIVE_ERROR,
  LatencySketch,
  confidenceBin,
  isCorrect,
  isErrorMetadata,
  latencyBin,
} from '../../core/prediction-sketch.js';
import { MAX_PREDICTION_STAT_BUCKETS, PREDICTION_BUCKETS, parseInput, predictionStatsQuerySchema, type PredictionStatsQuery } from '../../core/schemas.js';
import { insertRows, type ColumnOf } from './bulk-insert.js';
import { predictionRollupDialect, type PredictionRollupDialect, type RollupColumn } from './prediction-rollup-dialects.js';
import { chunksFor, type StoreContext } from './context.js';
import { fromJsonText } from './mappers.js';

/** The periods every prediction is rolled up into: a minute, an hour and a (UTC) day. */
export const ROLLUP_WIDTHS = [PREDICTION_BUCKETS.minute, PREDICTION_BUCKETS.hour, PREDICTION_BUCKETS.day] as const;

/** The columns of a rollup row, in the order of `rowValues`, with how each combines with a stored row. */
const ROLLUP_SPEC: readonly RollupColumn[] = [
  { name: 'model_version_id', kind: 'integer', merge: 'key' },
  { name: 'width_ms', kind: 'integer', merge: 'key' },
  { name: 'period_start', kind: 'integer', merge: 'key' },
  { name: 'count', kind: 'integer', merge: 'sum' },
  { name: 'error_count', kind: 'integer', merge: 'sum' },
  { name: 'latency_count', kind: 'integer', merge: 'sum' },
  { name: 'latency_sum', kind: 'double', merge: 'sum' },
  { name: 'latency_max', kind: 'double', merge: 'max' },
  { name: 'latency_zero', kind: 'integer', merge: 'sum' },
  { name: 'latency_bins', kind: 'text', merge: 'sketch' },
  { name: 'confidence_count', kind: 'integer', merge: 'sum' },
  { name: 'confidence_sum', kind: 'double', merge: 'sum' },
  { name: 'confidence_bins', kind: 'text', merge: 'histogram' },
  { name: 'labelled_count', kind: 'integer', merge: 'sum' },
  { name: 'correct_count', kind: 'integer', merge: 'sum' },
];
const ROLLUP_COLUMNS = ROLLUP_SPEC.map((column) => column.name) as Array<ColumnOf<'prediction_rollups'>>;
const ROLLUP_KEY = ROLLUP_SPEC.filter((column) => column.merge === 'key').map((column) => column.name);
const ROLLUP_UPDATES = ROLLUP_SPEC.filter((column) => column.merge !== 'key').map((column) => column.name);

/** A rollup row being built in memory. */
interface Rollup {
  modelVersionId: number;
  widthMs: number;
  periodStart: number;
  count: number;
  errorCount: number;
  latencyCount: number;
  latencySum: number;
  latencyMax: number | null;
  sketch: LatencySketch;
  /**
   * Stored sketch texts read into this bucket but not yet into `sketch` (reads only): a read
   * decodes them one bucket at a time into one reused sketch, instead of building a sketch per bucket.
   */
  pendingBins: string[];
  confidenceCount: number;
  confidenceSum: number;
  confidenceBins: number[];
  labelled: number;
  correct: number;
}

const emptyRollup = (modelVersionId: number, widthMs: number, periodStart: number): Rollup => ({
  modelVersionId,
  widthMs,
  periodStart,
  count: 0,
  errorCount: 0,
  latencyCount: 0,
  latencySum: 0,
  latencyMax: null,
  sketch: new LatencySketch(),
  pendingBins: [],
  confidenceCount: 0,
  confidenceSum: 0,
  confidenceBins: new Array<number>(CONFIDENCE_BINS).fill(0),
  labelled: 0,
  correct: 0,
});

/** The start of the period of `width` holding `time` (floored, so times before 1970 work too). */
export const periodOf = (time: number, width: number): number => Math.floor(time / width) * width;

const rollupKey = (modelVersionId: number, widthMs: number, periodStart: number): string => `${modelVersionId}:${widthMs}:${periodStart}`;

/** A prediction as the rollups see it (the stored row's columns). */
export interface RolledPrediction {
  model_version_id: number;
  predicted_at: number;
  latency_ms: number | null;
  confidence: number | null;
  output: unknown;
  ground_truth: unknown;
  metadata: unknown;
}

/** Whether a stored prediction's output matches its ground truth (false when it has none). */
export function storedIsCorrect(output: unknown, groundTruth: unknown, field?: string): boolean {
  if (groundTruth === null || groundTruth === undefined) return false;
  // Stored texts that are equal are equal documents; different texts may still differ only in key order.
  if (field === undefined && typeof output === 'string' && output === groundTruth) return true;
  return isCorrect(fromJsonText<JsonValue>(output), fromJsonText<JsonValue>(groundTruth), field);
}

function storedIsError(metadata: unknown): boolean {
  // Most metadata has no `error` field; only those that might are parsed.
  if (typeof metadata === 'string' && !metadata.includes('"error"')) return false;
  return isErrorMetadata(fromJsonText<JsonObject>(metadata));
}

/** The rollups of a batch of new predictions, for every period width. */
function rollupsOf(rows: readonly RolledPrediction[]): Map<string, Rollup> {
  const rollups = new Map<string, Rollup>();
  // Rows of a batch mostly arrive in time order: the rollups of the previous row's minute (and so
  // its hour and day) are kept at hand instead of looked up by key for every row and width.
  let lastVersion = Number.NaN;
  let lastMinute = Number.NaN;
  let current: Rollup[] = [];
  for (const row of rows) {
    const error = storedIsError(row.metadata);
    const labelled = row.ground_truth !== null && row.ground_truth !== undefined;
    const correct = labelled && storedIsCorrect(row.output, row.ground_truth);
    const time = Number(row.predicted_at);
    const minute = periodOf(time, PREDICTION_BUCKETS.minute);
    if (row.model_version_id !== lastVersion || minute !== lastMinute) {
      current = ROLLUP_WIDTHS.map((width) => {
        const start = periodOf(time, width);
        const key = rollupKey(row.model_version_id, width, start);
        let rollup = rollups.get(key);
        if (rollup === undefined) rollups.set(key, (rollup = emptyRollup(row.model_version_id, width, start)));
        return rollup;
      });
      lastVersion = row.model_version_id;
      lastMinute = minute;
    }
    const latency = row.latency_ms;
    const bin = latency !== null && latency > 0 ? latencyBin(latency) : undefined;
    const confidence = row.confidence;
    for (const rollup of current) {
      rollup.count += 1;
      if (error) rollup.errorCount += 1;
      if (latency !== null) {
        rollup.latencyCount += 1;
        rollup.latencySum += latency;
        if (rollup.latencyMax === null || latency > rollup.latencyMax) rollup.latencyMax = latency;
        if (bin === undefined) rollup.sketch.zero += 1;
        else rollup.sketch.addBin(bin, 1);
      }
      if (confidence !== null) {
        rollup.confidenceCount += 1;
        rollup.confidenceSum += confidence;
        rollup.confidenceBins[confidenceBin(confidence)]! += 1;
      }
      if (labelled) rollup.labelled += 1;
      if (correct) rollup.correct += 1;
    }
  }
  return rollups;
}

/**
 * Adds a stored rollup row into an in-memory one; with `deferSketch`, its sketch text is kept in
 * `pendingBins` for `settleSketch`.
 */
function addStored(into: Rollup, row: Record<string, unknown>, deferSketch = false): void {
  into.count += Number(row.count);
  into.errorCount += Number(row.error_count);
  into.latencyCount += Number(row.latency_count);
  into.latencySum += Number(row.latency_sum);
  if (row.latency_max !== null && row.latency_max !== undefined) {
    const max = Number(row.latency_max);
    if (into.latencyMax === null || max > into.latencyMax) into.latencyMax = max;
  }
  into.sketch.zero += Number(row.latency_zero);
  const bins = row.latency_bins as string | null;
  if (deferSketch) {
    if (bins !== null && bins !== '') into.pendingBins.push(bins);
  } else into.sketch.addEncoded(bins);
  into.confidenceCount += Number(row.confidence_count);
  into.confidenceSum += Number(row.confidence_sum);
  const confidence = String(row.confidence_bins ?? '').split(',');
  for (let index = 0; index < CONFIDENCE_BINS && index < confidence.length; index++) into.confidenceBins[index]! += Number(confidence[index]);
  into.labelled += Number(row.labelled_count);
  into.correct += Number(row.correct_count);
}

/** Adds every count of `other` into `into`; the sketch too unless `withSketch` is false. */
function addRollup(into: Rollup, other: Rollup, withSketch = true): void {
  into.count += other.count;
  into.errorCount += other.errorCount;
  into.latencyCount += other.latencyCount;
  into.latencySum += other.latencySum;
  if (other.latencyMax !== null && (into.latencyMax === null || other.latencyMax > into.latencyMax)) into.latencyMax = other.latencyMax;
  if (withSketch) into.sketch.merge(other.sketch);
  into.confidenceCount += other.confidenceCount;
  into.confidenceSum += other.confidenceSum;
  for (let index = 0; index < CONFIDENCE_BINS; index++) into.confidenceBins[index]! += other.confidenceBins[index]!;
  into.labelled += other.labelled;
  into.correct += other.correct;
}

const rowValues = (rollup: Rollup): unknown[] => [
  rollup.modelVersionId,
  rollup.widthMs,
  rollup.periodStart,
  rollup.count,
  rollup.errorCount,
  rollup.latencyCount,
  rollup.latencySum,
  rollup.latencyMax,
  rollup.sketch.zero,
  rollup.sketch.encode(),
  rollup.confidenceCount,
  rollup.confidenceSum,
  rollup.confidenceBins.join(','),
  rollup.labelled,
  rollup.correct,
];

/** Reads the stored rollups of the given keys (locked for the transaction with `lock`). */
async function loadStored(ctx: StoreContext, keys: readonly Rollup[], lock: boolean): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const chunk of chunksFor(ctx, [...keys], 3)) {
    const versions = [...new Set(chunk.map((rollup) => rollup.modelVersionId))];
    const starts = [...new Set(chunk.map((rollup) => rollup.periodStart))];
    // A batch touches few periods: IN lists over the key columns are one index lookup per value.
    let select = ctx.db
      .selectFrom('prediction_rollups')
      .selectAll()
      .where('model_version_id', 'in', versions)
      .where('width_ms', 'in', [...ROLLUP_WIDTHS])
      .where('period_start', 'in', starts);
    if (lock) select = select.forUpdate();
    for (const row of await select.execute()) {
      found.set(rollupKey(Number(row.model_version_id), Number(row.width_ms), Number(row.period_start)), row as unknown as Record<string, unknown>);
    }
  }
  return found;
}

/**
 * Adds a batch of newly stored predictions to the rollups; call inside the batch's transaction.
 * The batch is summed in memory per (version, width, period) first, so a batch of any size touches
 * a few rows. How those reach the stored rows is the backend's (prediction-rollup-dialects.ts): one
 * statement merging in SQL, or a read (locked where two servers may write the same period), a
 * merge here and an upsert.
 */
export async function addToRollups(ctx: StoreContext, rows: readonly RolledPrediction[]): Promise<void> {
  if (rows.length === 0) return;
  // Sorted, so concurrent batches lock shared rows in the same order.
  const added = [...rollupsOf(rows).values()].sort(
    (a, b) => a.modelVersionId - b.modelVersionId || a.widthMs - b.widthMs || a.periodStart - b.periodStart,
  );
  const dialect = predictionRollupDialect(ctx.backend);
  if (dialect.write === 'sql') {
    await dialect.mergeRows!('prediction_rollups', ROLLUP_SPEC, added.map(rowValues)).execute(ctx.db);
    return;
  }
  if (dialect.write === 'lock-then-merge') {
    const empty = added.map((rollup) => rowValues(emptyRollup(rollup.modelVersionId, rollup.widthMs, rollup.periodStart)));
    await insertRows(ctx, 'prediction_rollups', ROLLUP_COLUMNS, empty, { key: ROLLUP_KEY });
  }
  const stored = await loadStored(ctx, added, dialect.write === 'lock-then-merge');
  const merged = added.map((rollup) => {
    const row = stored.get(rollupKey(rollup.modelVersionId, rollup.widthMs, rollup.periodStart));
    if (row !== undefined) addStored(rollup, row);
    return rowValues(rollup);
  });
  await insertRows(ctx, 'prediction_rollups', ROLLUP_COLUMNS, merged, { key: ROLLUP_KEY, update: ROLLUP_UPDATES });
}

/** A change of one prediction's label: its version and time, and the change of labelled and correct counts. */
export interface LabelChange {
  modelVersionId: number;
  predictedAt: number;
  labelled: number;
  correct: number;
}

/** Applies label changes to the rollups of every width, one atomic increment per touched row. */
export async function applyLabelChanges(ctx: StoreContext, changes: readonly LabelChange[]): Promise<void> {
  const deltas = new Map<string, { version: number; width: number; start: number; labelled: number; correct: number }>();
  for (const change of changes) {
    if (change.labelled === 0 && change.correct === 0) continue;
    for (const width of ROLLUP_WIDTHS) {
      const start = periodOf(change.predictedAt, width);
      const key = rollupKey(change.modelVersionId, width, start);
      const delta = deltas.get(key) ?? { version: change.modelVersionId, width, start, labelled: 0, correct: 0 };
      delta.labelled += change.labelled;
      delta.correct += change.correct;
      deltas.set(key, delta);
    }
  }
  const sorted = [...deltas.values()].sort((a, b) => a.version - b.version || a.width - b.width || a.start - b.start);
  for (const delta of sorted) {
    if (delta.labelled === 0 && delta.correct === 0) continue;
    await ctx.db
      .updateTable('prediction_rollups')
      .set({
        labelled_count: sql`labelled_count + ${sql.lit(delta.labelled)}`,
        correct_count: sql`correct_count + ${sql.lit(delta.correct)}`,
      })
      .where('model_version_id', '=', delta.version)
      .where('width_ms', '=', delta.width)
      .where('period_start', '=', delta.start)
      .execute();
  }
}

/** Round bucket widths `buckets` chooses from, smallest first. */
export const PREDICTION_BUCKET_WIDTHS: readonly number[] = [
  1, 2, 5, 10, 15, 30,
].map((minutes) => minutes * PREDICTION_BUCKETS.minute)
  .concat([1, 2, 3, 6, 12].map((hours) => hours * PREDICTION_BUCKETS.hour))
  .concat([1, 2, 7, 14, 30, 90, 180, 365].map((days) => days * PREDICTION_BUCKETS.day));

const DEFAULT_WINDOW_MS = PREDICTION_BUCKETS.day;
const DEFAULT_BUCKETS = 100;

/** The bucket width for a window and a target number of buckets: the smallest round width giving at most that many. */
export function chooseBucketWidth(spanMs: number, buckets: number): number {
  const wanted = spanMs / buckets;
  for (const width of PREDICTION_BUCKET_WIDTHS) if (width >= wanted) return width;
  return Math.ceil(wanted / PREDICTION_BUCKETS.day) * PREDICTION_BUCKETS.day;
}

function bucketName(width: number): string {
  if (width === PREDICTION_BUCKETS.minute) return 'minute';
  if (width === PREDICTION_BUCKETS.hour) return 'hour';
  if (width === PREDICTION_BUCKETS.day) return 'day';
  if (width % PREDICTION_BUCKETS.day === 0) return `${width / PREDICTION_BUCKETS.day}d`;
  if (width % PREDICTION_BUCKETS.hour === 0) return `${width / PREDICTION_BUCKETS.hour}h`;
  return `${width / PREDICTION_BUCKETS.minute}m`;
}

function aggregateOf(rollup: Rollup, sketch: LatencySketch = rollup.sketch): PredictionAggregate {
  const [p50, p95, p99] = sketch.quantiles([0.5, 0.95, 0.99], rollup.latencyMax);
  return {
    count: rollup.count,
    errorCount: rollup.errorCount,
    latency: {
      count: rollup.latencyCount,
      mean: rollup.latencyCount === 0 ? null : rollup.latencySum / rollup.latencyCount,
      p50: p50 ?? null,
      p95: p95 ?? null,
      p99: p99 ?? null,
      max: rollup.latencyMax,
    },
    confidence: {
      count: rollup.confidenceCount,
      mean: rollup.confidenceCount === 0 ? null : rollup.confidenceSum / rollup.confidenceCount,
      histogram: [...rollup.confidenceBins],
    },
    labelled: rollup.labelled,
    correct: rollup.correct,
    accuracy: rollup.labelled === 0 ? null : rollup.correct / rollup.labelled,
  };
}

/**
 * Statistics of predictions per time bucket, from the rollups: one series for a version, a model
 * (its versions merged) or everything, or one per version of `modelVersionIds`. The window is
 * widened to whole buckets of the UTC grid and returned as `since`/`until`.
 */
export async function getPredictionStats(ctx: StoreContext, query: PredictionStatsQuery = {}): Promise<PredictionStats> {
  const filter = parseInput(predictionStatsQuerySchema, query, 'query');
  const untilAsked = filter.until?.getTime() ?? ctx.now();
  const sinceAsked = filter.since?.getTime() ?? untilAsked - DEFAULT_WINDOW_MS;
  if (sinceAsked >= untilAsked) throw new ValidationError('since must be before until', { field: 'query.since' });
  const width =
    filter.bucket !== undefined
      ? PREDICTION_BUCKETS[filter.bucket]
      : chooseBucketWidth(untilAsked - sinceAsked, filter.buckets ?? DEFAULT_BUCKETS);
  const since = periodOf(sinceAsked, width);
  const until = periodOf(untilAsked - 1, width) + width;
  const bucketCount = (until - since) / width;
  if (bucketCount > MAX_PREDICTION_STAT_BUCKETS) {
    throw new ValidationError(`the window holds ${bucketCount} buckets of ${bucketName(width)}; at most ${MAX_PREDICTION_STAT_BUCKETS} are allowed`, {
      field: filter.bucket !== undefined ? 'query.bucket' : 'query.buckets',
    });
  }
  // Rollups of the widest period that divides the bucket width.
  const source = [...ROLLUP_WIDTHS].reverse().find((candidate) => width % candidate === 0)!;

  // Which versions, and which series each goes to.
  let versions: number[] | undefined;
  let perVersion = false;
  if (filter.modelVersionIds !== undefined) {
    versions = [...new Set(filter.modelVersionIds)];
    perVersion = true;
  } else if (filter.modelVersionId !== undefined) {
    versions = [filter.modelVersionId];
    perVersion = true;
  } else if (filter.modelId !== undefined) {
    const rows = await ctx.db.selectFrom('model_versions').select('id').where('model_id', '=', filter.modelId).execute();
    versions = rows.map((row) => Number(row.id));
  }

  const series = new Map<number, { buckets: Map<number, Rollup>; total: Rollup }>();
  const seriesOf = (version: number) => {
    const id = perVersion ? version : 0;
    let entry = series.get(id);
    if (entry === undefined) series.set(id, (entry = { buckets: new Map(), total: emptyRollup(id, until - since, since) }));
    return entry;
  };
  if (perVersion) for (const version of versions!) seriesOf(version);
  else seriesOf(0);

  const addRow = (row: Record<string, unknown>) => {
    const entry = seriesOf(Number(row.model_version_id));
    const start = periodOf(Number(row.period_start), width);
    let bucket = entry.buckets.get(start);
    if (bucket === undefined) entry.buckets.set(start, (bucket = emptyRollup(0, width, start)));
    addStored(bucket, row, true);
  };
  if (versions === undefined) {
    const rows = await ctx.db
      .selectFrom('prediction_rollups')
      .selectAll()
      .where('width_ms', '=', source)
      .where('period_start', '>=', since)
      .where('period_start', '<', until)
      .execute();
    for (const row of rows) addRow(row as unknown as Record<string, unknown>);
  } else {
    for (const version of versions) {
      const rows = await ctx.db
        .selectFrom('prediction_rollups')
        .selectAll()
        .where('model_version_id', '=', version)
        .where('width_ms', '=', source)
        .where('period_start', '>=', since)
        .where('period_start', '<', until)
        .execute();
      for (const row of rows) addRow(row as unknown as Record<string, unknown>);
    }
  }

  if (filter.accuracyField !== undefined) await relabel(ctx, filter.accuracyField, versions, since, until, width, seriesOf);

  const answer: PredictionStatsSeries[] = [];
  // One sketch decodes every bucket's stored texts in turn: a sketch per bucket would allocate
  // (and collect) an array of about a thousand bins for each of hundreds of buckets.
  const scratch = new LatencySketch();
  for (const [id, entry] of series) {
    const starts = [...entry.buckets.keys()].sort((a, b) => a - b);
    const buckets = starts.map((start) => {
      const bucket = entry.buckets.get(start)!;
      scratch.clear();
      scratch.zero = bucket.sketch.zero;
      for (const text of bucket.pendingBins) scratch.addEncoded(text);
      addRollup(entry.total, bucket, false);
      entry.total.sketch.merge(scratch);
      return { start: new Date(start), end: new Date(start + width), ...aggregateOf(bucket, scratch) };
    });
    answer.push({ modelVersionId: perVersion ? id : null, buckets, total: aggregateOf(entry.total) });
  }
  return {
    since: new Date(since),
    until: new Date(until),
    bucketMs: width,
    bucket: bucketName(width),
    quantileError: LATENCY_RELATIVE_ERROR,
    accuracyField: filter.accuracyField ?? null,
    series: answer,
  };
}

/**
 * Accuracy by a field path cannot come from the rollups (they hold whole-document equality), so the
 * labelled predictions of the window are read and compared here; unlabelled ones are never read.
 */
async function relabel(
  ctx: StoreContext,
  field: string,
  versions: number[] | undefined,
  since: number,
  until: number,
  width: number,
  seriesOf: (version: number) => { buckets: Map<number, Rollup> },
): Promise<void> {
  for (const entry of new Set([...(versions ?? [0])].map((version) => seriesOf(version)))) {
    for (const bucket of entry.buckets.values()) {
      bucket.labelled = 0;
      bucket.correct = 0;
    }
  }
  const groups = versions === undefined ? [undefined] : chunksFor(ctx, versions, 1);
  for (const group of groups) {
    let lastId = 0;
    for (;;) {
      let select = ctx.db
        .selectFrom('predictions')
        .select(['id', 'model_version_id', 'predicted_at', 'output', 'ground_truth'])
        .where('ground_truth', 'is not', null)
        .where('predicted_at', '>=', since)
        .where('predicted_at', '<', until)
        .where('id', '>', lastId)
        .orderBy('id')
        .limit(10_000);
      if (group !== undefined) select = select.where('model_version_id', 'in', group);
      const rows = await select.execute();
      for (const row of rows) {
        const entry = seriesOf(Number(row.model_version_id));
        const start = periodOf(Number(row.predicted_at), width);
        let bucket = entry.buckets.get(start);
        if (bucket === undefined) entry.buckets.set(start, (bucket = emptyRollup(0, width, start)));
        bucket.labelled += 1;
        if (storedIsCorrect(row.output, row.ground_truth, field)) bucket.correct += 1;
      }
      if (rows.length < 10_000) break;
      lastId = Number(rows.at(-1)!.id);
    }
  }
}

/**
 * Builds the rollups of stored predictions in set-based SQL, for predictions that arrived without
 * them (an import of an archive written before schema 0007, or of chosen tables without
 * `prediction_rollups`). With `missingOnly`, only model versions that have no rollup rows at all are
 * built, so rows kept on write are never counted twice. Output and ground truth compare as stored
 * (jsonb on PostgreSQL, text elsewhere), as in migration 0007's backfill.
 */
export async function fillPredictionRollups(db: Kysely<any>, backend: Backend, options: { missingOnly?: boolean } = {}): Promise<void> {
  const dialect = predictionRollupDialect(backend);
  await dialect.withBuildSession(db, (session) => fillWidths(session, dialect, options));
}

async function fillWidths(db: Kysely<any>, dialect: PredictionRollupDialect, options: { missingOnly?: boolean }): Promise<void> {
  if (options.missingOnly !== true) {
    await fillVersions(db, dialect, sql``);
    return;
  }
  // The versions without rollups are chosen once: after the minute rows exist they would no longer look missing.
  const rows = await sql<{ id: number }>`
    select distinct model_version_id as id from predictions p
    where not exists (select 1 from prediction_rollups r where r.model_version_id = p.model_version_id)
  `.execute(db);
  const ids = rows.rows.map((row) => Number(row.id));
  for (let start = 0; start < ids.length; start += 1_000) {
    const chunk = ids.slice(start, start + 1_000);
    await fillVersions(db, dialect, sql`and model_version_id in (${sql.join(chunk.map((id) => sql.lit(id)))})`);
  }
}

async function fillVersions(db: Kysely<any>, dialect: PredictionRollupDialect, missing: RawBuilder<unknown>): Promise<void> {
  for (const width of ROLLUP_WIDTHS) {
    const w = sql.lit(width);
    const period = sql`(predicted_at - ((predicted_at % ${w}) + ${w}) % ${w})`;
    const bin = dialect.integerCeil(sql`ln(latency_ms) / ${sql.lit(Math.log(LATENCY_GAMMA))}`);
    const confidenceBins = sql.join(
      Array.from({ length: CONFIDENCE_BINS }, (_, index) =>
        index === CONFIDENCE_BINS - 1
          ? sql`sum(case when confidence is not null and floor(confidence * ${sql.lit(CONFIDENCE_BINS)}) >= ${sql.lit(index)} then 1 else 0 end)`
          : sql`sum(case when floor(confidence * ${sql.lit(CONFIDENCE_BINS)}) = ${sql.lit(index)} then 1 else 0 end)`,
      ),
      sql`, ',', `,
    );
    await sql`
      insert into prediction_rollups (model_version_id, width_ms, period_start, count, error_count, latency_count,
        latency_sum, latency_max, latency_zero, latency_bins, confidence_count, confidence_sum, confidence_bins,
        labelled_count, correct_count)
      select s.model_version_id, ${w}, s.period_start, s.n, s.errors, s.latency_n, s.latency_sum, s.latency_max,
        s.latency_zero, coalesce(b.bins, ''), s.confidence_n, s.confidence_sum, s.confidence_bins, s.labelled, s.correct
      from (
        select model_version_id, ${period} as period_start, count(*) as n, sum(${dialect.isError}) as errors,
          count(latency_ms) as latency_n, coalesce(sum(latency_ms), 0) as latency_sum, max(latency_ms) as latency_max,
          sum(case when latency_ms = 0 then 1 else 0 end) as latency_zero,
          count(confidence) as confidence_n, coalesce(sum(confidence), 0) as confidence_sum,
          concat(${confidenceBins}) as confidence_bins,
          count(ground_truth) as labelled, sum(case when ground_truth is not null and output = ground_truth then 1 else 0 end) as correct
        from predictions where 1 = 1 ${missing} group by 1, 2
      ) s
      left join (
        select model_version_id, period_start, ${dialect.joinComma(sql`concat(bin, ':', n)`, sql`bin`)} as bins
        from (
          select model_version_id, ${period} as period_start, ${bin} as bin, count(*) as n
          from predictions where latency_ms > 0 ${missing} group by 1, 2, 3
        ) x group by 1, 2
      ) b on b.model_version_id = s.model_version_id and b.period_start = s.period_start
    `.execute(db);
  }
}
