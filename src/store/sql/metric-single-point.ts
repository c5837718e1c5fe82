/**
 * One metric point appended in as few round trips as the backend allows (issue #17: a single
 * awaited `logMetric` near the database's own one-row-per-transaction rate). The work is the same as
 * `logMetrics`' for a batch of one: lock the run, take the step after the series' last when none is
 * given, store the point, fold it into the series' summary and into its block rollup. The summary
 * and the rollup are folded by the database (SUMMARY_MERGE, ROLLUP_MERGE: upserts whose update
 * combines the stored row with the incoming one), so nothing is read back to merge in JavaScript.
 *
 * The dialect difference is one capability, `dataModifyingCtes`:
 * - PostgreSQL: one statement (WITH run … FOR UPDATE, the point inserted ON CONFLICT DO NOTHING,
 *   summary and rollup upserts fed by what was inserted), run on its own: one round trip, one commit.
 * - SQLite, MySQL: a transaction of four statements (the run and the series' last step in one
 *   locking read, the insert, two upserts), each SQL text compiled once per backend. The merges
 *   are exact for any new step, so a stale last step (MySQL reads the summary from a snapshot that
 *   may predate the run's lock) can only make the insert find its step taken, and then the general
 *   path decides.
 *
 * Every statement of this path is compiled once per backend and kept prepared on each connection
 * (kept-statements.ts, decision 1306): PostgreSQL plans the one statement once per connection, and
 * MySQL skips a prepare round trip per call.
 *
 * Only a plain append takes this path: a point whose step is past the series' last (or omitted),
 * with no batch id and no heartbeat due (`sameStep: 'keep'` changes nothing for an append). The
 * series' key (decision 1304) is found with the run, and made there when the series is new
 * (PostgreSQL: in the same statement). Anything else (a rewrite of a stored step, a run that does
 * not exist or is deleted under `activeRunOnly`, a heartbeat to refresh, a lost race on PostgreSQL) reports
 * `false` having written nothing, and `logMetrics` takes its general path, which decides and
 * reports exactly as before.
 */
import { CompiledQuery, sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import type { Backend } from '../backends/backend.js';
import { withConflict, type NamedMerge, type OnConflict } from './bulk-insert.js';
import { keepPrepared } from '../backends/kept-statements.js';
import { withTransaction, type StoreContext } from './context.js';
import { REFRESH_EVERY_MS } from './heartbeats.js';
import { ROLLUP_BLOCK_STEPS, ROLLUP_COLUMNS, ROLLUP_KEY, rollupValues, rollupsOfPoints } from './metric-rollups/blocks.js';
import { encodeDouble } from './mappers.js';
import { createKeys } from './metric-keys.js';
import { POINT_COLUMNS, POINT_KEY, SUMMARY_COLUMNS, SUMMARY_KEY, pointRow, pointValues } from './metric-points.js';


/** The smaller of two values where NULL means "none" (finite min/max: NaN and ±Infinity are stored as NULL). */
const smaller = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
  sql`case when ${a} is null then ${b} when ${b} is null then ${a} when ${b} < ${a} then ${b} else ${a} end`;
const larger = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
  sql`case when ${a} is null then ${b} when ${b} is null then ${a} when ${b} > ${a} then ${b} else ${a} end`;
/** The incoming column when the incoming row's last step is later, else the stored one. */
const ifLater = (stored: (column: string) => RawBuilder<unknown>, incoming: (column: string) => RawBuilder<unknown>, column: string) =>
  sql`case when ${incoming('last_step')} > ${stored('last_step')} then ${incoming(column)} else ${stored(column)} end`;

/** A summary folded with a new point's summary (last_step is assigned last: MySQL assigns left to right). */
export const SUMMARY_MERGE: NamedMerge = {
  name: 'summary-fold',
  set: (stored, incoming) => ({
    last_value: ifLater(stored, incoming, 'last_value'),
    last_kind: ifLater(stored, incoming, 'last_kind'),
    last_logged_at: ifLater(stored, incoming, 'last_logged_at'),
    min_value: smaller(stored('min_value'), incoming('min_value')),
    max_value: larger(stored('max_value'), incoming('max_value')),
    count: sql`${stored('count')} + ${incoming('count')}`,
    last_step: larger(stored('last_step'), incoming('last_step')),
  }),
};

/** A block rollup folded with a new point's rollup (last_step last, as above). */
export const ROLLUP_MERGE: NamedMerge = {
  name: 'rollup-fold',
  set: (stored, incoming) => ({
    first_step: smaller(stored('first_step'), incoming('first_step')),
    min_value: smaller(stored('min_value'), incoming('min_value')),
    max_value: larger(stored('max_value'), incoming('max_value')),
    last_value: ifLater(stored, incoming, 'last_value'),
    last_kind: ifLater(stored, incoming, 'last_kind'),
    count: sql`${stored('count')} + ${incoming('count')}`,
    max_logged_at: larger(stored('max_logged_at'), incoming('max_logged_at')),
    last_step: larger(stored('last_step'), incoming('last_step')),
  }),
};

/** Statement parameters by name; compiled once with markers in their place. */
type Values = Record<string, unknown>;
interface Prepared {
  readonly sql: string;
  /** The parameters' names in the order the statement binds them. */
  readonly order: readonly string[];
}
const MARKER = '\u0001aimdb-parameter:';
const preparedCache = new WeakMap<Backend, Map<string, Prepared>>();

/**
 * A statement built once per backend by Kysely with a marker in place of each named parameter. Its
 * text is kept prepared on each connection (kept-statements.ts): these run on every single call.
 */
function compileOnce(ctx: StoreContext, id: string, names: readonly string[], build: (p: Record<string, RawBuilder<unknown>>) => Compilable): Prepared {
  let cache = preparedCache.get(ctx.backend);
  if (cache === undefined) preparedCache.set(ctx.backend, (cache = new Map()));
  let statement = cache.get(id);
  if (statement === undefined) {
    const markers = Object.fromEntries(names.map((name) => [name, sql.val(MARKER + name)]));
    const compiled = build(markers).compile();
    const order = compiled.parameters.map((parameter) => {
      if (typeof parameter !== 'string' || !parameter.startsWith(MARKER)) throw new Error(`statement ${id}: a parameter that is not a marker`);
      return parameter.slice(MARKER.length);
    });
    statement = { sql: compiled.sql, order };
    keepPrepared(statement.sql);
    cache.set(id, statement);
  }
  return statement;
}

/** A statement compiled once (compileOnce), run with the call's values by name. */
function prepared(ctx: StoreContext, id: string, names: readonly string[], build: (p: Record<string, RawBuilder<unknown>>) => Compilable): (values: Values) => CompiledQuery {
  const { sql: text, order } = compileOnce(ctx, id, names, build);
  return (values) => CompiledQuery.raw(text, order.map((name) => values[name]));
}

/**
 * A one-row INSERT into `table` with its conflict clause, compiled once (compileOnce), run with a
 * row's values in `columns` order: the single-row form of what insertRows writes.
 */
function preparedRow(ctx: StoreContext, table: string, columns: readonly string[], conflict?: OnConflict): (row: readonly unknown[]) => CompiledQuery {
  const statement = compileOnce(ctx, `row:${table}:${conflict?.merge?.name ?? 'plain'}`, columns, (p) =>
    withConflict(ctx.backend, table, (ctx.db as unknown as Kysely<any>).insertInto(table).values(Object.fromEntries(columns.map((column) => [column, p[column]]))), conflict),
  );
  const positions = statement.order.map((name) => columns.indexOf(name));
  return (row) => CompiledQuery.raw(statement.sql, positions.map((position) => row[position]));
}

const POINT_NAMES = POINT_COLUMNS.map((column) => column.name);

/** Steps at or past this would make an omitted step lose precision; the general path refuses them. */
const LAST_SAFE_STEP = Number.MAX_SAFE_INTEGER - 1;

/** One point to append: its step null when omitted. */
export interface OnePoint {
  readonly runId: number;
  readonly name: string;
  readonly step: number | null;
  readonly value: number;
  readonly epoch: number | null;
  readonly loggedAt: number;
  /** True: a deleted run takes nothing here (the general path refuses it). */
  readonly activeRunOnly: boolean;
}

/**
 * Appends `point` the short way. Returns false, having written nothing, when the general path must
 * decide.
 */
export async function appendOnePoint(ctx: StoreContext, point: OnePoint): Promise<boolean> {
  const encoded = encodeDouble(point.value);
  const values: Values = {
    runId: point.runId,
    name: point.name,
    step: point.step,
    value: encoded.value,
    kind: encoded.kind,
    epoch: point.epoch,
    loggedAt: point.loggedAt,
    now: ctx.now(),
    activeRunOnly: point.activeRunOnly ? 1 : 0,
  };
  if (ctx.backend.capabilities.dataModifyingCtes) {
    const result = await ctx.db.executeQuery<{ written: unknown }>(oneStatement(ctx)(values));
    return Number(result.rows[0]?.written ?? 0) === 1;
  }
  return withTransaction(ctx, async (tx) => {
    const found = await tx.db.executeQuery<{ status: string; heartbeat_at: unknown; heartbeat_timeout_ms: unknown; key_id: unknown; last_step: unknown }>(
      runAndLastStep(tx)(values),
    );
    const run = found.rows[0];
    // No row: the run is missing, or deleted with activeRunOnly.
    if (run === undefined || heartbeatDue(run, values.now as number)) return false;
    // A new series (no key yet, so no last step either): its key made under the run's lock.
    const keyId = run.key_id === null || run.key_id === undefined ? (await createKeys(tx, point.runId, [point.name])).get(point.name)! : Number(run.key_id);
    const lastStep = run.last_step === null || run.last_step === undefined ? undefined : Number(run.last_step);
    // An omitted step is one past the highest known, never below 0 (as the general path assigns it).
    const step = point.step ?? (lastStep === undefined ? 0 : Math.max(0, lastStep + 1));
    if (lastStep !== undefined && (step <= lastStep || lastStep >= LAST_SAFE_STEP)) return false;
    const row = pointRow(point.runId, keyId, step, point.value, point.epoch, point.loggedAt);
    // The series' last step may be a snapshot older than the run's lock (MySQL's consistent read):
    // a step taken meanwhile then fails this statement alone (not the transaction, on these
    // backends), nothing is written, and the general path decides.
    try {
      await tx.db.executeQuery(preparedRow(tx, 'metrics', POINT_NAMES)(pointValues(row)));
    } catch (error) {
      if (tx.backend.classifyError(error) === 'unique-violation') return false;
      throw error;
    }
    const summary = [row.run_id, point.name, row.value, row.value_kind, step, row.logged_at, row.value, row.value, 1];
    await tx.db.executeQuery(preparedRow(tx, 'metric_summaries', SUMMARY_COLUMNS, { key: SUMMARY_KEY, merge: SUMMARY_MERGE })(summary));
    for (const rollup of rollupsOfPoints(row.run_id, row.key_id, [row]).values()) {
      await tx.db.executeQuery(preparedRow(tx, 'metric_rollups', ROLLUP_COLUMNS, { key: ROLLUP_KEY, merge: ROLLUP_MERGE })(rollupValues(rollup)));
    }
    return true;
  });
}

/** True when the run's heartbeat is to be refreshed with this write (at most once a second; refreshHeartbeat's rule). */
function heartbeatDue(run: { status: string; heartbeat_at: unknown; heartbeat_timeout_ms: unknown }, now: number): boolean {
  if (run.status !== 'running' || run.heartbeat_timeout_ms === null) return false;
  return run.heartbeat_at === null || now - Number(run.heartbeat_at) >= REFRESH_EVERY_MS;
}

/**
 * The run's row unless it is deleted and `activeRunOnly` is 1: one statement text for both, so each
 * stays a single kept statement.
 */
const writableRun = (p: Record<string, RawBuilder<unknown>>) => sql<boolean>`(cast(${p.activeRunOnly} as integer) = 0 or deleted_at is null)`;

/** The run's row (locked where the backend locks rows) with the series' key and last step beside it. */
function runAndLastStep(ctx: StoreContext) {
  return prepared(ctx, 'run-and-last-step', ['runId', 'name', 'activeRunOnly'], (p) => {
    const key = ctx.db
      .selectFrom('metric_keys')
      .select('id')
      .where('run_id', '=', p.runId as never)
      .where('name', '=', p.name as never);
    const lastStep = ctx.db
      .selectFrom('metric_summaries')
      .select('last_step')
      .where('run_id', '=', p.runId as never)
      .where('name', '=', p.name as never);
    let select = ctx.db
      .selectFrom('training_runs')
      .select(['status', 'heartbeat_at', 'heartbeat_timeout_ms', key.as('key_id'), lastStep.as('last_step')])
      .where('id', '=', p.runId as never)
      .where(writableRun(p));
    if (ctx.backend.capabilities.lockingReads) select = select.forUpdate();
    return select;
  });
}

/** PostgreSQL's form: the whole append, a new series' key included, as one statement. `written` is 1 when the point was stored. */
function oneStatement(ctx: StoreContext) {
  return prepared(ctx, 'append-one-point', ['runId', 'name', 'step', 'value', 'kind', 'epoch', 'loggedAt', 'now', 'activeRunOnly'], (p) => {
    const db = ctx.db as unknown as Kysely<any>;
    const big = (value: RawBuilder<unknown>) => sql`cast(${value} as bigint)`;
    const lastStep = sql`(select last_step from prev)`;
    const step = sql`coalesce(${big(p.step!)}, case when ${lastStep} >= 0 then ${lastStep} + 1 else 0 end, 0)`;
    const due = sql`(status = 'running' and heartbeat_timeout_ms is not null and (heartbeat_at is null or ${big(p.now!)} - heartbeat_at >= ${sql.lit(REFRESH_EVERY_MS)}))`;
    const insertPoint = withConflict(
      ctx.backend,
      'metrics',
      db
        .insertInto('metrics')
        .columns(POINT_COLUMNS.map((column) => column.name))
        .expression(db.selectFrom('point').selectAll()),
      { key: POINT_KEY },
    ).returning(['run_id', 'key_id', 'step', 'value', 'value_kind', 'logged_at']);
    const fold = withConflict(
      ctx.backend,
      'metric_summaries',
      db
        .insertInto('metric_summaries')
        .columns([...SUMMARY_COLUMNS])
        .expression(
          db.selectFrom('inserted').select([
            'run_id',
            sql`cast(${p.name} as text)`.as('name'),
            'value as last_value',
            'value_kind as last_kind',
            'step as last_step',
            'logged_at as last_logged_at',
            'value as min_value',
            'value as max_value',
            sql`1`.as('count'),
          ]),
        ),
      { key: SUMMARY_KEY, merge: SUMMARY_MERGE },
    );
    const roll = withConflict(
      ctx.backend,
      'metric_rollups',
      db
        .insertInto('metric_rollups')
        .columns([...ROLLUP_COLUMNS])
        .expression(
          db.selectFrom('inserted').select([
            'run_id',
            'key_id',
            ctx.backend.integerDivide(sql.ref('step'), sql.lit(ROLLUP_BLOCK_STEPS)).as('block'),
            'step as first_step',
            'step as last_step',
            'value as min_value',
            'value as max_value',
            'value as last_value',
            'value_kind as last_kind',
            sql`1`.as('count'),
            'logged_at as max_logged_at',
          ]),
        ),
      { key: ROLLUP_KEY, merge: ROLLUP_MERGE },
    );
    const name = sql`cast(${p.name} as text)`;
    // A new series' key, made when the run exists and has none by that name (a concurrent maker wins; then nothing is written here).
    const newKey = withConflict(
      ctx.backend,
      'metric_keys',
      db
        .insertInto('metric_keys')
        .columns(['run_id', 'name'])
        .expression(db.selectFrom('run').select([big(p.runId!).as('run_id'), name.as('name')]).where(sql<boolean>`not exists (select 1 from found_key)`)),
      { key: ['run_id', 'name'] },
    ).returning('id');
    return db
      .with('run', (qb) => qb.selectFrom('training_runs').select(['status', 'heartbeat_at', 'heartbeat_timeout_ms']).where('id', '=', big(p.runId!)).where(writableRun(p)).forUpdate())
      .with('found_key', (qb) => qb.selectFrom('metric_keys').select('id').where('run_id', '=', big(p.runId!)).where('name', '=', name))
      .with('new_key', () => newKey)
      .with('series_key', (qb) => qb.selectFrom('found_key').select('id').unionAll(qb.selectFrom('new_key').select('id')))
      .with('prev', (qb) => qb.selectFrom('metric_summaries').select('last_step').where('run_id', '=', big(p.runId!)).where('name', '=', name))
      .with('point', (qb) =>
        qb
          // No row when the run is missing (or a concurrent writer is making the key).
          .selectFrom(['run', 'series_key'])
          .select([
            big(p.runId!).as('run_id'),
            'series_key.id as key_id',
            step.as('step'),
            sql`cast(${p.value} as double precision)`.as('value'),
            sql`cast(${p.kind} as smallint)`.as('value_kind'),
            big(p.epoch!).as('epoch'),
            big(p.loggedAt!).as('logged_at'),
          ])
          .where(sql<boolean>`not ${due}`)
          .where(sql<boolean>`(${lastStep} is null or (${step} > ${lastStep} and ${lastStep} < ${sql.lit(LAST_SAFE_STEP)}))`),
      )
      .with('inserted', () => insertPoint)
      .with('summary', () => fold)
      .with('rollup', () => roll)
      .selectNoFrom(sql`(select count(*) from inserted)`.as('written'));
  });
}
