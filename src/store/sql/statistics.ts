/** Counts per entity, runs by status, newest activity. Metric points are summed from summaries, never counted. */
import {
  MODEL_VERSION_STATUSES,
  RUN_STATUSES,
  type ModelVersionStatus,
  type RunStatus,
  type Statistics,
} from '../../core/entities.js';
import { guarded, type StoreContext } from './context.js';
import type { Tables } from './tables.js';

export async function getStatistics(ctx: StoreContext): Promise<Statistics> {
  return guarded(ctx, async () => {
    const count = async (table: keyof Tables) =>
      Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const newest = async (table: 'models' | 'training_runs' | 'predictions', column: string) => {
      const row = await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.max(column as never).as('at'))
        .executeTakeFirstOrThrow();
      return row.at === null || row.at === undefined ? null : new Date(Number(row.at));
    };
    const [models, modelVersions, datasets, trainingRuns, hyperparameters, metricSeries, experiments, predictions] =
      await Promise.all([
        count('models'),
        count('model_versions'),
        count('datasets'),
        count('training_runs'),
        count('hyperparameters'),
        count('metric_summaries'),
        count('experiments'),
        count('predictions'),
      ]);
    const points = await ctx.db
      .selectFrom('metric_summaries')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .executeTakeFirstOrThrow();
    const runsByStatus = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
    for (const row of await ctx.db
      .selectFrom('training_runs')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute()) {
      runsByStatus[row.status as RunStatus] = Number(row.n);
    }
    const modelVersionsByStatus = Object.fromEntries(MODEL_VERSION_STATUSES.map((status) => [status, 0])) as Record<
      ModelVersionStatus,
      number
    >;
    for (const row of await ctx.db
      .selectFrom('model_versions')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute()) {
      modelVersionsByStatus[row.status as ModelVersionStatus] = Number(row.n);
    }
    return {
      counts: {
        models,
        modelVersions,
        datasets,
        trainingRuns,
        hyperparameters,
        metricPoints: Number(points.n ?? 0),
        metricSeries,
        experiments,
        predictions,
      },
      runsByStatus,
      modelVersionsByStatus,
      latest: {
        modelCreatedAt: await newest('models', 'created_at'),
        runCreatedAt: await newest('training_runs', 'created_at'),
        runUpdatedAt: await newest('training_runs', 'updated_at'),
        predictionAt: await newest('predictions', 'predicted_at'),
      },
    };
  });
}
