/**
 * Latest metric values for runs tables: the projection of the per-series summaries that a table's
 * metric columns show, kept current by every write (appends, retries, rewrites of the last step).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection } from './expectations.js';

export function defineLatestMetricsContract(target: ContractTarget): void {
  describe(`${target.label}: latest metrics`, () => {
    const db = useDatabase(target);

    it('returns the value at the highest step of every series, ordered by run then name, matching the summaries', async () => {
      const [first, second, empty] = [await db().createTrainingRun(), await db().createTrainingRun(), await db().createTrainingRun()];
      await db().logMetrics(first.id, [
        { name: 'loss', value: 2, step: 0 },
        { name: 'loss', value: 1.5, step: 1 },
        { name: 'accuracy', value: 0.4, step: 0 },
        // Sent late but at a lower step: the latest stays the highest step's value.
        { name: 'loss', value: 9, step: 0 },
      ]);
      await db().logMetrics(second.id, [{ name: 'loss', value: 3, step: 7 }]);
      await db().logMetric(second.id, 'loss', 2.5);

      const latest = await db().getLatestMetrics([second.id, first.id, empty.id]);
      expect(latest).toEqual([
        { runId: first.id, name: 'accuracy', value: 0.4, step: 0 },
        { runId: first.id, name: 'loss', value: 1.5, step: 1 },
        { runId: second.id, name: 'loss', value: 2.5, step: 8 },
      ]);
      const summaries = await db().getMetricSummaries([first.id, second.id]);
      expect(summaries.map(({ runId, name, lastValue, lastStep }) => ({ runId, name, value: lastValue, step: lastStep }))).toEqual(latest);
    });

    it('answers in run order for ids given in any order, consecutive or scattered', async () => {
      const runs: number[] = [];
      for (let index = 0; index < 80; index++) {
        const run = await db().createTrainingRun();
        runs.push(run.id);
        await db().logMetric(run.id, 'loss', index);
      }
      // Every other run, newest first: 40 separate ids; then a consecutive block and two strays.
      const scattered = runs.filter((_, index) => index % 2 === 0).reverse();
      const mixed = [runs[70]!, ...runs.slice(10, 30), runs[5]!];
      for (const ids of [scattered, mixed]) {
        const latest = await db().getLatestMetrics(ids);
        expect(latest.map((metric) => metric.runId)).toEqual([...ids].sort((a, b) => a - b));
        expect(latest.map((metric) => metric.value)).toEqual([...ids].sort((a, b) => a - b).map((id) => runs.indexOf(id)));
      }
    });

    it('follows a rewrite of the last step and keeps NaN and Infinity', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [
        { name: 'loss', value: 1, step: 0 },
        { name: 'loss', value: 0.5, step: 1 },
        { name: 'grad_norm', value: Number.POSITIVE_INFINITY, step: 0 },
      ]);
      await db().logMetrics(run.id, [{ name: 'loss', value: Number.NaN, step: 1 }]);
      const latest = await db().getLatestMetrics(run.id);
      expect(latest.map((metric) => [metric.name, metric.value, metric.step])).toEqual([
        ['grad_norm', Number.POSITIVE_INFINITY, 0],
        ['loss', Number.NaN, 1],
      ]);
    });

    it('returns only the named metrics, and nothing for no runs or no names', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [
        { name: 'loss', value: 1, step: 0 },
        { name: 'val/loss', value: 2, step: 0 },
        { name: 'lr, warmup', value: 0.1, step: 0 },
      ]);
      expect((await db().getLatestMetrics(run.id, { names: ['val/loss', 'lr, warmup', 'missing'] })).map((metric) => metric.name)).toEqual([
        'lr, warmup',
        'val/loss',
      ]);
      expect(await db().getLatestMetrics([])).toEqual([]);
      expect(await db().getLatestMetrics(run.id, { names: [] })).toEqual([]);
    });

    it('reads latest metrics and summaries for 10,000 run ids at once (more than a URL holds)', async () => {
      const runs = [await db().createTrainingRun(), await db().createTrainingRun()];
      await db().logMetrics(runs[0]!.id, [{ name: 'loss', value: 0.5, step: 3 }]);
      await db().logMetrics(runs[1]!.id, [{ name: 'loss', value: 0.25, step: 4 }, { name: 'acc', value: 0.9, step: 4 }]);
      // 9,998 ids of runs that do not exist (seven digits each, about 80 KB as a query string), then the two that do.
      const ids = [...Array.from({ length: 9_998 }, (_, index) => 5_000_000 + index * 7), runs[1]!.id, runs[0]!.id];
      expect(ids).toHaveLength(10_000);
      expect((await db().getLatestMetrics(ids)).map(({ runId, name, value }) => [runId, name, value])).toEqual([
        [runs[0]!.id, 'loss', 0.5],
        [runs[1]!.id, 'acc', 0.9],
        [runs[1]!.id, 'loss', 0.25],
      ]);
      expect((await db().getLatestMetrics(ids, { names: ['acc'] })).map(({ runId }) => runId)).toEqual([runs[1]!.id]);
      const summaries = await db().getMetricSummaries(ids);
      expect(summaries.map(({ runId, name, count }) => [runId, name, count])).toEqual([
        [runs[0]!.id, 'loss', 1],
        [runs[1]!.id, 'acc', 1],
        [runs[1]!.id, 'loss', 1],
      ]);
    });

    it('rejects bad run ids and too many names with the field named', async () => {
      await expectRejection(db().getLatestMetrics([1, -3]), ValidationError, { field: 'runIds.1' });
      const names = Array.from({ length: 1001 }, (_, index) => `m${index}`);
      await expectRejection(db().getLatestMetrics(1, { names }), ValidationError, { field: 'query.names' });
    });
  });
}
