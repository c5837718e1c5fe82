/** Training runs and their lifecycle `queued → running → completed | failed | killed`. */
import { TERMINAL_RUN_STATUSES, type Page, type RunStatus, type TrainingRun } from '../../core/entities.js';
import { IllegalTransitionError, NotFoundError, ValidationError } from '../../core/errors.js';
import {
  LIMITS,
  createTrainingRunSchema,
  listTrainingRunsSchema,
  parseInput,
  updateTrainingRunSchema,
  type CreateTrainingRunInput,
  type ListTrainingRunsQuery,
  type UpdateTrainingRunInput,
} from '../../core/schemas.js';
import {
  assertExists,
  assertUnchanged,
  decodeCursor,
  guarded,
  insertReturningId,
  toPage,
  withTransaction,
  type StoreContext,
} from './context.js';
import { toJsonText, toTrainingRun } from './mappers.js';
import { refreshSearchDocument, removeSearchDocument } from './text-search.js';
import { heartbeatOnStatus, heartbeatStart, heartbeatTimeout } from './heartbeats.js';

/** Where each status may go next; staying put is always allowed. */
const NEXT_STATUSES: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'failed', 'killed'],
  running: ['completed', 'failed', 'killed'],
  completed: [],
  failed: [],
  killed: [],
};

/** Throws IllegalTransitionError unless `from → to` is a step of the lifecycle. */
export function checkTransition(runId: number, from: RunStatus, to: RunStatus): void {
  if (from === to || NEXT_STATUSES[from].includes(to)) return;
  const allowed = NEXT_STATUSES[from];
  throw new IllegalTransitionError(
    `training run #${runId} cannot go from '${from}' to '${to}'` +
      (allowed.length === 0 ? ` ('${from}' is final)` : ` (allowed: ${allowed.join(', ')})`),
    { field: 'status' },
  );
}

async function assertLinksExist(
  ctx: StoreContext,
  links: { modelId?: number | null; modelVersionId?: number | null; datasetId?: number | null },
): Promise<void> {
  if (links.modelId != null) await assertExists(ctx, 'models', links.modelId, 'model', 'modelId');
  if (links.modelVersionId != null) {
    await assertExists(ctx, 'model_versions', links.modelVersionId, 'model version', 'modelVersionId');
  }
  if (links.datasetId != null) await assertExists(ctx, 'datasets', links.datasetId, 'dataset', 'datasetId');
}

export async function createTrainingRun(ctx: StoreContext, input: CreateTrainingRunInput = {}): Promise<TrainingRun> {
  const data = parseInput(createTrainingRunSchema, input, 'trainingRun');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      await assertLinksExist(tx, data);
      const now = tx.now();
      const status = data.status ?? 'running';
      const timeoutMs = data.heartbeatTimeoutMs === undefined ? heartbeatTimeout(tx) : data.heartbeatTimeoutMs;
      const values = {
        name: data.name ?? null,
        model_id: data.modelId ?? null,
        model_version_id: data.modelVersionId ?? null,
        dataset_id: data.datasetId ?? null,
        status,
        config: toJsonText(data.config ?? {}),
        tags: toJsonText(data.tags ?? {}),
        notes: data.notes ?? null,
        error: null,
        started_at: data.startedAt?.getTime() ?? (status === 'running' ? now : null),
        ended_at: null,
        duration_ms: null,
        deleted_at: null,
        heartbeat_timeout_ms: timeoutMs,
        ...(status === 'running' ? heartbeatStart(timeoutMs, now) : { heartbeat_at: null, lost_after: null }),
        created_at: now,
        updated_at: now,
      };
      const id = await insertReturningId(tx, 'training_runs', values);
      if (data.experimentId !== undefined) await joinNewRunToExperiment(tx, data.experimentId, id, now);
      // Every column was written just now, so the row is known without reading it back.
      const row = { id, ...values };
      await refreshSearchDocument(tx, 'run', id, row);
      return toTrainingRun(row);
    }),
  );
}

/**
 * Adds a run created in this transaction to its experiment. The foreign key checks that the
 * experiment exists, in the same statement and without a race against its deletion; the new run
 * cannot be the missing side.
 */
async function joinNewRunToExperiment(tx: StoreContext, experimentId: number, runId: number, now: number): Promise<void> {
  try {
    await tx.db.insertInto('experiment_runs').values({ experiment_id: experimentId, run_id: runId, added_at: now }).execute();
  } catch (error) {
    if (tx.backend.classifyError(error) === 'foreign-key-violation') {
      throw new NotFoundError('experiment', experimentId, { field: 'experimentId' });
    }
    throw error;
  }
}

export async function getTrainingRun(ctx: StoreContext, id: number): Promise<TrainingRun> {
  return guarded(ctx, async () => {
    const row = await ctx.db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('training run', id);
    return toTrainingRun(row);
  });
}

export async function updateTrainingRun(
  ctx: StoreContext,
  id: number,
  patch: UpdateTrainingRunInput,
): Promise<TrainingRun> {
  const data = parseInput(updateTrainingRunSchema, patch, 'trainingRun');
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      await assertUnchanged(tx, 'training_runs', id, data.expectedUpdatedAt, 'training run');
      let select = tx.db.selectFrom('training_runs').selectAll().where('id', '=', id);
      if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
      const row = await select.executeTakeFirst();
      if (row === undefined) throw new NotFoundError('training run', id);
      const current = toTrainingRun(row);
      await assertLinksExist(tx, data);
      const now = tx.now();
      const values: Record<string, unknown> = { updated_at: now };
      let startedAt = data.startedAt?.getTime() ?? current.startedAt?.getTime() ?? null;
      let endedAt = current.endedAt?.getTime() ?? null;
      const status = data.status ?? current.status;
      if (data.status !== undefined && data.status !== current.status) {
        checkTransition(id, current.status, data.status);
        values.status = data.status;
        Object.assign(values, heartbeatOnStatus(data.status, row.heartbeat_timeout_ms === null ? null : Number(row.heartbeat_timeout_ms), now));
        if (data.status === 'running') startedAt ??= now;
        if (TERMINAL_RUN_STATUSES.includes(data.status)) endedAt = now;
      }
      if (data.endedAt !== undefined) {
        if (!TERMINAL_RUN_STATUSES.includes(status)) {
          throw new ValidationError(`trainingRun.endedAt: a '${status}' run has not ended; set a final status with it`, {
            field: 'trainingRun.endedAt',
          });
        }
        endedAt = data.endedAt.getTime();
      }
      if ((data.endedAt !== undefined || data.startedAt !== undefined) && startedAt !== null && endedAt !== null && endedAt < startedAt) {
        const field = data.endedAt === undefined ? 'trainingRun.startedAt' : 'trainingRun.endedAt';
        throw new ValidationError(
          `${field}: the run would end (${new Date(endedAt).toISOString()}) before it started (${new Date(startedAt).toISOString()})`,
          { field },
        );
      }
      if (startedAt !== (current.startedAt?.getTime() ?? null)) values.started_at = startedAt;
      if (endedAt !== (current.endedAt?.getTime() ?? null)) {
        values.ended_at = endedAt;
        values.duration_ms = startedAt === null || endedAt === null ? null : Math.max(0, endedAt - startedAt);
      } else if (values.started_at !== undefined && endedAt !== null) {
        values.duration_ms = startedAt === null ? null : Math.max(0, endedAt - startedAt);
      }
      if (data.deleted !== undefined && data.deleted !== (current.deletedAt !== null)) {
        values.deleted_at = data.deleted ? now : null;
      }
      for (const [key, column] of [
        ['name', 'name'],
        ['modelId', 'model_id'],
        ['modelVersionId', 'model_version_id'],
        ['datasetId', 'dataset_id'],
        ['notes', 'notes'],
        ['error', 'error'],
      ] as const) {
        if (data[key] !== undefined) values[column] = data[key];
      }
      if (data.config !== undefined) values.config = toJsonText(data.config);
      if (data.tags !== undefined) values.tags = toJsonText(data.tags);
      await tx.db.updateTable('training_runs').set(values).where('id', '=', id).execute();
      if (data.name !== undefined || data.notes !== undefined || data.tags !== undefined || data.deleted !== undefined) {
        await refreshSearchDocument(tx, 'run', id);
      }
      return getTrainingRun(tx, id);
    }),
  );
}

export async function listTrainingRuns(ctx: StoreContext, query: ListTrainingRunsQuery = {}): Promise<Page<TrainingRun>> {
  const filter = parseInput(listTrainingRunsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('training_runs').selectAll('training_runs').orderBy('training_runs.id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('training_runs.id', '<', after);
    if (filter.modelId !== undefined) select = select.where('model_id', '=', filter.modelId);
    if (filter.modelVersionId !== undefined) select = select.where('model_version_id', '=', filter.modelVersionId);
    if (filter.datasetId !== undefined) select = select.where('dataset_id', '=', filter.datasetId);
    if (filter.status !== undefined) {
      const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
      select = select.where('status', 'in', statuses);
    }
    if (filter.nameContains !== undefined) select = select.where(ctx.backend.containsInsensitive('training_runs.name', filter.nameContains));
    const view = filter.view ?? 'active';
    if (view === 'active') select = select.where('training_runs.deleted_at', 'is', null);
    if (view === 'deleted') select = select.where('training_runs.deleted_at', 'is not', null);
    if (filter.experimentId !== undefined) {
      const experimentId = filter.experimentId;
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom('experiment_runs')
            .select('experiment_runs.run_id')
            .whereRef('experiment_runs.run_id', '=', 'training_runs.id')
            .where('experiment_runs.experiment_id', '=', experimentId),
        ),
      );
    }
    return toPage(await select.execute(), limit, toTrainingRun);
  });
}

export async function deleteTrainingRun(ctx: StoreContext, id: number): Promise<void> {
  await guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const result = await tx.db.deleteFrom('training_runs').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('training run', id);
      await removeSearchDocument(tx, 'run', id);
    }),
  );
}
