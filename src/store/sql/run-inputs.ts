/** The datasets a run used, each in a role with tags of its own (docs/decisions/0905). */
import type { RunInput } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import { parseInput, runInputsSchema, type RunInputSpec } from '../../core/schemas.js';
import { chunksFor, guarded, withTransaction, type StoreContext } from './context.js';
import { fromJsonText, toJsonText } from './mappers.js';

/** Roles that make a dataset the run's training dataset when the run names none yet. */
const TRAINING_CONTEXTS = new Set(['train', 'training']);

export async function logRunInputs(ctx: StoreContext, runId: number, inputs: RunInputSpec[]): Promise<void> {
  const data = parseInput(runInputsSchema, inputs, 'inputs');
  await guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
        // Locking the run serialises two writers merging tags of the same input.
        let runRow = tx.db.selectFrom('training_runs').select(['id', 'dataset_id']).where('id', '=', runId);
        if (tx.backend.capabilities.lockingReads) runRow = runRow.forUpdate();
        const run = await runRow.executeTakeFirst();
        if (run === undefined) throw new NotFoundError('training run', runId, { field: 'runId' });
        if (data.length === 0) return;

        const datasetIds = [...new Set(data.map((input) => input.datasetId))];
        const found = new Set<number>();
        for (const chunk of chunksFor(tx, datasetIds, 1)) {
          for (const row of await tx.db.selectFrom('datasets').select('id').where('id', 'in', chunk).execute()) found.add(Number(row.id));
        }
        const missing = data.findIndex((input) => !found.has(input.datasetId));
        if (missing >= 0) throw new NotFoundError('dataset', data[missing]!.datasetId, { field: `inputs.${missing}.datasetId` });

        const existing = new Map<number, { context: string | null; tags: Record<string, string> }>();
        for (const chunk of chunksFor(tx, datasetIds, 1)) {
          const rows = await tx.db
            .selectFrom('run_inputs')
            .select(['dataset_id', 'context', 'tags'])
            .where('run_id', '=', runId)
            .where('dataset_id', 'in', chunk)
            .execute();
          for (const row of rows) existing.set(Number(row.dataset_id), { context: row.context, tags: fromJsonText(row.tags) });
        }
        // Several entries for one dataset in one call apply in order, as separate calls would.
        const merged = new Map<number, { context: string | null; tags: Record<string, string>; stored: boolean }>();
        for (const input of data) {
          const before = merged.get(input.datasetId) ?? { ...(existing.get(input.datasetId) ?? { context: null, tags: {} }), stored: existing.has(input.datasetId) };
          merged.set(input.datasetId, {
            context: input.context === undefined ? before.context : input.context,
            tags: { ...before.tags, ...input.tags },
            stored: before.stored,
          });
        }
        const now = tx.now();
        const fresh = [...merged].filter(([, input]) => !input.stored);
        for (const chunk of chunksFor(tx, fresh, 5)) {
          await tx.db
            .insertInto('run_inputs')
            .values(chunk.map(([datasetId, input]) => ({ run_id: runId, dataset_id: datasetId, context: input.context, tags: toJsonText(input.tags), logged_at: now })))
            .execute();
        }
        for (const [datasetId, input] of merged) {
          if (!input.stored) continue;
          await tx.db
            .updateTable('run_inputs')
            .set({ context: input.context, tags: toJsonText(input.tags) })
            .where('run_id', '=', runId)
            .where('dataset_id', '=', datasetId)
            .execute();
        }
        if (run.dataset_id === null) {
          const training = [...merged].find(([, input]) => input.context !== null && TRAINING_CONTEXTS.has(input.context.toLowerCase()));
          if (training !== undefined) {
            await tx.db.updateTable('training_runs').set({ dataset_id: training[0], updated_at: now }).where('id', '=', runId).execute();
          }
        }
      }),
    { entity: 'inputs of training run', key: `#${runId}` },
  );
}

/** Inputs of these runs, by run id, then in the order they were logged. */
export async function getRunInputs(ctx: StoreContext, runIds: number[]): Promise<RunInput[]> {
  if (runIds.length === 0) return [];
  return guarded(ctx, async () => {
    const inputs: RunInput[] = [];
    for (const chunk of chunksFor(ctx, [...new Set(runIds)].sort((a, b) => a - b), 1)) {
      const rows = await ctx.db
        .selectFrom('run_inputs')
        .selectAll()
        .where('run_id', 'in', chunk)
        .orderBy('run_id')
        .orderBy('logged_at')
        .orderBy('dataset_id')
        .execute();
      for (const row of rows) {
        inputs.push({
          runId: Number(row.run_id),
          datasetId: Number(row.dataset_id),
          context: row.context,
          tags: fromJsonText(row.tags),
          loggedAt: new Date(Number(row.logged_at)),
        });
      }
    }
    return inputs;
  });
}
