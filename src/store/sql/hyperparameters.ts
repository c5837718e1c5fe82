/** Hyperparameters: immutable once logged (as in MLflow); values keep their JSON type. */
import { isDeepStrictEqual } from 'node:util';
import type { JsonValue, RunHyperparameter } from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { hyperparameterColumns } from '../../core/query/values.js';
import { hyperparametersBulkQuerySchema, hyperparametersSchema, parseInput, type HyperparametersBulkQuery } from '../../core/schemas.js';
import { assertExists, chunksFor, guarded, withTransaction, type StoreContext } from './context.js';
import { fromJsonText, toJsonText } from './mappers.js';
import { runIdChunks, runIdIn } from './run-id-filter.js';
import { refreshHeartbeat } from './heartbeats.js';

export async function logHyperparameters(
  ctx: StoreContext,
  runId: number,
  values: Record<string, JsonValue>,
): Promise<void> {
  const data = parseInput(hyperparametersSchema, values, 'hyperparameters');
  const names = Object.keys(data);
  if (names.length === 0) return;
  await guarded(
    ctx,
    () =>
      withTransaction(ctx, async (tx) => {
        // Locking the run row serialises concurrent writers of one run's hyperparameters (two
        // servers re-logging the same value must both succeed, not race into a unique violation).
        let runRow = tx.db
          .selectFrom('training_runs')
          .select(['id', 'status', 'heartbeat_at', 'heartbeat_timeout_ms'])
          .where('id', '=', runId);
        if (tx.backend.capabilities.lockingReads) runRow = runRow.forUpdate();
        const run = await runRow.executeTakeFirst();
        if (run === undefined) throw new NotFoundError('training run', runId, { field: 'runId' });
        await refreshHeartbeat(tx, runId, run);
        const existing = new Map<string, JsonValue>();
        for (const chunk of chunksFor(tx, names, 1)) {
          const rows = await tx.db
            .selectFrom('hyperparameters')
            .select(['name', 'value'])
            .where('run_id', '=', runId)
            .where('name', 'in', chunk)
            .execute();
          for (const row of rows) existing.set(row.name, fromJsonText(row.value));
        }
        const fresh: { run_id: number; name: string; value: string; value_number: number | null; value_text: string }[] = [];
        for (const name of names) {
          const value = data[name] as JsonValue;
          if (existing.has(name)) {
            if (!isDeepStrictEqual(existing.get(name), value)) {
              throw new ConflictError(
                `hyperparameter '${name}' of training run #${runId} is already ${JSON.stringify(existing.get(name))}; ` +
                  `it cannot change to ${JSON.stringify(value)} (hyperparameters are immutable)`,
                { field: `hyperparameters.${name}` },
              );
            }
            continue;
          }
          const { valueNumber, valueText } = hyperparameterColumns(value);
          fresh.push({ run_id: runId, name, value: toJsonText(value), value_number: valueNumber, value_text: valueText });
        }
        for (const chunk of chunksFor(tx, fresh, 5)) {
          await tx.db.insertInto('hyperparameters').values(chunk).execute();
        }
      }),
    { entity: 'hyperparameter of training run', key: `#${runId}` },
  );
}

export async function getHyperparameters(ctx: StoreContext, runId: number): Promise<Record<string, JsonValue>> {
  return guarded(ctx, async () => {
    await assertExists(ctx, 'training_runs', runId, 'training run');
    const rows = await ctx.db
      .selectFrom('hyperparameters')
      .select(['name', 'value'])
      .where('run_id', '=', runId)
      .orderBy('name')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.name, fromJsonText(row.value)]));
  });
}

export async function getHyperparametersBulk(
  ctx: StoreContext,
  runIds: number[],
  query: HyperparametersBulkQuery = {},
): Promise<RunHyperparameter[]> {
  const filter = parseInput(hyperparametersBulkQuerySchema, query ?? {}, 'query');
  const names = filter.names === undefined ? undefined : [...new Set(filter.names)];
  if (runIds.length === 0 || names?.length === 0) return [];
  return guarded(ctx, async () => {
    const values: RunHyperparameter[] = [];
    for (const chunk of runIdChunks(ctx, runIds, names?.length)) {
      const rows = await ctx.db
        .selectFrom('hyperparameters')
        .select(['run_id', 'name', 'value'])
        .where((eb) => runIdIn(eb, chunk))
        .$if(names !== undefined, (select) => select.where('name', 'in', names!))
        .orderBy('run_id')
        .orderBy('name')
        .execute();
      for (const row of rows) values.push({ runId: Number(row.run_id), name: row.name, value: fromJsonText(row.value) });
    }
    return values;
  });
}
