/** Experiments and the runs they group. */
import type { Experiment, ExperimentMembership, ExperimentRun, Page } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  createExperimentSchema,
  idSchema,
  listExperimentsSchema,
  parseInput,
  updateExperimentSchema,
  type CreateExperimentInput,
  type ListExperimentsQuery,
  type UpdateExperimentInput,
} from '../../core/schemas.js';
import { assertExists, assertUnchanged, chunksFor, decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { refreshSearchDocument, removeSearchDocument } from './text-search.js';
import { toExperiment, toJsonText, toTrainingRun } from './mappers.js';

export async function createExperiment(ctx: StoreContext, input: CreateExperimentInput): Promise<Experiment> {
  const data = parseInput(createExperimentSchema, input, 'experiment');
  const now = ctx.now();
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await insertReturningId(tx, 'experiments', {
        name: data.name,
        description: data.description ?? null,
        hypothesis: data.hypothesis ?? null,
        status: data.status ?? 'active',
        tags: toJsonText(data.tags ?? {}),
        artifact_location: data.artifactLocation ?? null,
        deleted_at: null,
        created_at: now,
        updated_at: now,
      });
      await refreshSearchDocument(tx, 'experiment', id);
      return getExperiment(tx, id);
    }),
    { entity: 'experiment', key: `'${data.name}'`, field: 'name' },
  );
}

async function resolveExperimentId(ctx: StoreContext, idOrName: number | string): Promise<number> {
  const query = ctx.db.selectFrom('experiments').select('id');
  const row = await (typeof idOrName === 'number' ? query.where('id', '=', idOrName) : query.where('name', '=', idOrName)).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('experiment', idOrName);
  return Number(row.id);
}

export async function getExperiment(ctx: StoreContext, idOrName: number | string): Promise<Experiment> {
  return guarded(ctx, async () => {
    const query = ctx.db.selectFrom('experiments').selectAll();
    const row = await (typeof idOrName === 'number' ? query.where('id', '=', idOrName) : query.where('name', '=', idOrName)).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('experiment', idOrName);
    return toExperiment(row);
  });
}

export async function listExperiments(ctx: StoreContext, query: ListExperimentsQuery = {}): Promise<Page<Experiment>> {
  const filter = parseInput(listExperimentsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('experiments').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    if (filter.status !== undefined) select = select.where('status', '=', filter.status);
    if (filter.nameContains !== undefined) select = select.where(ctx.backend.containsInsensitive('name', filter.nameContains));
    const view = filter.view ?? 'active';
    if (view === 'active') select = select.where('deleted_at', 'is', null);
    if (view === 'deleted') select = select.where('deleted_at', 'is not', null);
    return toPage(await select.execute(), limit, toExperiment);
  });
}

export async function updateExperiment(
  ctx: StoreContext,
  idOrName: number | string,
  patch: UpdateExperimentInput,
): Promise<Experiment> {
  const data = parseInput(updateExperimentSchema, patch, 'experiment');
  return guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
      const id = await resolveExperimentId(tx, idOrName);
      await assertUnchanged(tx, 'experiments', id, data.expectedUpdatedAt, 'experiment');
      const now = tx.now();
      const values: Record<string, unknown> = { updated_at: now };
      for (const key of ['name', 'description', 'hypothesis', 'status'] as const) {
        if (data[key] !== undefined) values[key] = data[key];
      }
      if (data.tags !== undefined) values.tags = toJsonText(data.tags);
      if (data.artifactLocation !== undefined) values.artifact_location = data.artifactLocation;
      if (data.deleted === true) {
        // Keeps the first deletion time when deleted again.
        await tx.db.updateTable('experiments').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).execute();
      }
      if (data.deleted === false) values.deleted_at = null;
      await tx.db.updateTable('experiments').set(values).where('id', '=', id).execute();
      await refreshSearchDocument(tx, 'experiment', id);
      return getExperiment(tx, id);
    }),
    { entity: 'experiment', key: `'${data.name ?? String(idOrName)}'`, field: 'name' },
  );
}

export async function deleteExperiment(ctx: StoreContext, idOrName: number | string): Promise<void> {
  await guarded(ctx, () =>
      withTransaction(ctx, async (tx) => {
    const id = await resolveExperimentId(tx, idOrName);
    await tx.db.deleteFrom('experiments').where('id', '=', id).execute();
      await removeSearchDocument(tx, 'experiment', id);
    }));
}

export async function addExperimentRun(ctx: StoreContext, experimentId: number, runId: number): Promise<void> {
  parseInput(idSchema, experimentId, 'experimentId');
  parseInput(idSchema, runId, 'runId');
  await guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      await assertExists(tx, 'experiments', experimentId, 'experiment', 'experimentId');
      await assertExists(tx, 'training_runs', runId, 'training run', 'runId');
      await tx.backend
        .insertOrKeep(
          tx.db.insertInto('experiment_runs').values({ experiment_id: experimentId, run_id: runId, added_at: tx.now() }),
          ['experiment_id', 'run_id'],
        )
        .execute();
    }),
  );
}

export async function removeExperimentRun(ctx: StoreContext, experimentId: number, runId: number): Promise<void> {
  await guarded(ctx, async () => {
    const result = await ctx.db
      .deleteFrom('experiment_runs')
      .where('experiment_id', '=', experimentId)
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new NotFoundError('experiment run', `experiment #${experimentId} / run #${runId}`);
    }
  });
}

export async function getExperimentRuns(ctx: StoreContext, experimentId: number): Promise<ExperimentRun[]> {
  return guarded(ctx, async () => {
    await assertExists(ctx, 'experiments', experimentId, 'experiment');
    const rows = await ctx.db
      .selectFrom('experiment_runs')
      .innerJoin('training_runs', 'training_runs.id', 'experiment_runs.run_id')
      .selectAll('training_runs')
      .select('experiment_runs.added_at')
      .where('experiment_runs.experiment_id', '=', experimentId)
      .orderBy('experiment_runs.added_at')
      .orderBy('training_runs.id')
      .execute();
    return rows.map((row) => ({ ...toTrainingRun(row), addedAt: new Date(Number(row.added_at)) }));
  });
}

export async function getExperimentMemberships(ctx: StoreContext, runIds: number[]): Promise<ExperimentMembership[]> {
  if (runIds.length === 0) return [];
  return guarded(ctx, async () => {
    const memberships: ExperimentMembership[] = [];
    for (const chunk of chunksFor(ctx, [...new Set(runIds)].sort((a, b) => a - b), 1)) {
      const rows = await ctx.db
        .selectFrom('experiment_runs')
        .select(['run_id', 'experiment_id', 'added_at'])
        .where('run_id', 'in', chunk)
        .orderBy('run_id')
        .orderBy('experiment_id')
        .execute();
      for (const row of rows) {
        memberships.push({ runId: Number(row.run_id), experimentId: Number(row.experiment_id), addedAt: new Date(Number(row.added_at)) });
      }
    }
    return memberships;
  });
}
