/**
 * Heartbeats and lost runs (docs/decisions/1200-heartbeats-and-lost-runs.md). A running run carries
 * `lost_after` = its last sign of life + its window. Whoever reads a run past that moment decides it
 * is lost and writes so once, with an update conditioned on the row still being the one it read:
 * any number of servers (or a library alone) agree without a daemon, and a late heartbeat that got
 * in first wins.
 */
import { sql, type SqlBool } from 'kysely';
import type { TrainingRun } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import { guarded, withTransaction, type StoreContext } from './context.js';
import { toTrainingRun } from './mappers.js';

/** The window of a run created without one, when the store was opened without one. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 5 * 60_000;
/** Writes closer together than this refresh the heartbeat once: a busy logger adds no UPDATE per batch. */
export const REFRESH_EVERY_MS = 1_000;
/** At most this many lost runs are settled by one read; the next read settles the rest. */
const SETTLE_LIMIT = 500;

export function heartbeatTimeout(ctx: StoreContext): number {
  return ctx.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
}

/** The columns that start (or restart) a run's heartbeat at `now`. */
export function heartbeatStart(timeoutMs: number | null, now: number): { heartbeat_at: number; lost_after: number | null } {
  return { heartbeat_at: now, lost_after: timeoutMs === null ? null : now + timeoutMs };
}

interface HeartbeatRow {
  status: string;
  heartbeat_at: number | null;
  heartbeat_timeout_ms: number | null;
}

/**
 * A write by the run itself (metrics, parameters) is a sign of life. The caller holds the run's row
 * (it selected it FOR UPDATE where the backend can), so this adds at most one UPDATE a second.
 */
export async function refreshHeartbeat(ctx: StoreContext, runId: number, row: HeartbeatRow): Promise<void> {
  if (row.status !== 'running' || row.heartbeat_timeout_ms === null) return;
  const now = ctx.now();
  if (row.heartbeat_at !== null && now - Number(row.heartbeat_at) < REFRESH_EVERY_MS) return;
  await ctx.db
    .updateTable('training_runs')
    .set(heartbeatStart(Number(row.heartbeat_timeout_ms), now))
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Records a sign of life of a run that logs rarely. A running run without a window gets the store's.
 * A run that already ended (perhaps as lost) is answered as it is, so its logger can notice.
 */
export async function heartbeat(ctx: StoreContext, runId: number): Promise<TrainingRun> {
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      let select = tx.db.selectFrom('training_runs').selectAll().where('id', '=', runId);
      if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
      const row = await select.executeTakeFirst();
      if (row === undefined) throw new NotFoundError('training run', runId, { field: 'runId' });
      if (row.status !== 'running') return toTrainingRun(row);
      const timeoutMs = row.heartbeat_timeout_ms === null ? heartbeatTimeout(tx) : Number(row.heartbeat_timeout_ms);
      const values = { ...heartbeatStart(timeoutMs, tx.now()), heartbeat_timeout_ms: timeoutMs };
      await tx.db.updateTable('training_runs').set(values).where('id', '=', runId).execute();
      return toTrainingRun({ ...row, ...values });
    }),
  );
}

/** What a lost run says about itself. */
export function lostRunError(heartbeatAt: number, timeoutMs: number): string {
  return `heartbeat lost at ${new Date(heartbeatAt).toISOString()} (no sign of life for ${formatWindow(timeoutMs)})`;
}

function formatWindow(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}

/**
 * Ends the running runs (all, or those of `runIds`) whose heartbeat is older than their window as
 * `failed`, once: the update holds for a row only while it is still running with the deadline that
 * was read, so a concurrent settler or heartbeat makes it a no-op for that row. One UPDATE settles
 * the whole batch (a statement per run cost a commit each: 500 lost runs made one read take seconds
 * on MySQL). Safe inside or outside a transaction. Returns how many runs this call ended.
 */
export async function settleLostRuns(ctx: StoreContext, runIds?: readonly number[]): Promise<number> {
  if (runIds !== undefined && runIds.length === 0) return 0;
  const now = ctx.now();
  let select = ctx.db
    .selectFrom('training_runs')
    .select(['id', 'heartbeat_at', 'heartbeat_timeout_ms', 'lost_after', 'started_at'])
    .where('lost_after', '<', now)
    .where('status', '=', 'running')
    .limit(SETTLE_LIMIT);
  if (runIds !== undefined) select = select.where('id', 'in', [...runIds]);
  const candidates = await select.execute();
  if (candidates.length === 0) return 0;
  // Every value below is an integer the store wrote or a message it formats: ids, times and
  // durations go in as literals (no parameter typing per dialect in CASE), the messages as parameters.
  const verdicts = candidates.map((row) => {
    const heartbeatAt = Number(row.heartbeat_at ?? row.lost_after);
    const startedAt = row.started_at === null ? null : Number(row.started_at);
    return {
      id: sql.lit(Number(row.id)),
      lostAfter: sql.lit(Number(row.lost_after)),
      endedAt: sql.lit(heartbeatAt),
      durationMs: startedAt === null ? sql`null` : sql.lit(Math.max(0, heartbeatAt - startedAt)),
      error: lostRunError(heartbeatAt, Number(row.heartbeat_timeout_ms ?? 0)),
    };
  });
  const byId = <T>(value: (verdict: (typeof verdicts)[number]) => unknown) =>
    sql<T>`case ${sql.ref('id')} ${sql.join(
      verdicts.map((verdict) => sql`when ${verdict.id} then ${value(verdict)}`),
      sql` `,
    )} end`;
  const result = await ctx.db
    .updateTable('training_runs')
    .set({
      status: 'failed',
      error: byId<string>((verdict) => verdict.error),
      ended_at: byId<number>((verdict) => verdict.endedAt),
      duration_ms: byId<number | null>((verdict) => verdict.durationMs),
      lost_after: null,
      updated_at: now,
    })
    .where(
      'id',
      'in',
      candidates.map((row) => Number(row.id)),
    )
    .where('status', '=', 'running')
    .where(sql<SqlBool>`${sql.ref('lost_after')} = ${byId<number>((verdict) => verdict.lostAfter)}`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** `lost_after` for a status change: set when a run starts running, cleared when it ends. */
export function heartbeatOnStatus(
  status: string,
  timeoutMs: number | null,
  now: number,
): { heartbeat_at?: number; lost_after: number | null } {
  if (status === 'running') return heartbeatStart(timeoutMs, now);
  return { lost_after: null };
}

