/**
 * Orders that hold within one millisecond (docs/decisions/0111-total-orders.md): with a clock that
 * never moves, every row shares one time, and every list still has one order, the same on every
 * call, and pages that neither skip nor repeat a row.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { uniqueName } from './expectations.js';

const FROZEN = Date.UTC(2026, 10, 27, 9, 0, 0, 123);
const ROWS = 7;

/** Every page of a list, `limit` rows at a time; fails on a page that repeats an earlier row. */
async function pageThrough<T extends { id: number }>(list: (cursor: string | null) => Promise<Page<T>>): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result: Page<T> = await list(cursor);
    ids.push(...result.items.map((item) => item.id));
    cursor = result.nextCursor;
    if (cursor === null) break;
  }
  expect(new Set(ids).size, 'a row came back on two pages').toBe(ids.length);
  return ids;
}

const newestFirst = (ids: readonly number[]) => [...ids].sort((a, b) => b - a);

export function defineSameMillisecondContract(target: ContractTarget): void {
  describe(`${target.label}: orders within one millisecond`, () => {
    const db = useDatabase(target, { now: () => FROZEN });

    it('lists page newest first by id, with nothing skipped or repeated', async () => {
      const prefix = uniqueName('frozen');
      const models: number[] = [];
      const datasets: number[] = [];
      const runs: number[] = [];
      const experiments: number[] = [];
      for (let index = 0; index < ROWS; index++) {
        models.push((await db().createModel({ name: `${prefix}-${index}` })).id);
        datasets.push((await db().createDataset({ name: prefix, version: String(index) })).id);
        runs.push((await db().createTrainingRun({ name: prefix })).id);
        experiments.push((await db().createExperiment({ name: `${prefix}-${index}` })).id);
      }
      expect((await db().getModel(models[0]!)).createdAt.getTime()).toBe(FROZEN);
      for (let limit = 1; limit <= 3; limit++) {
        expect(await pageThrough((cursor) => db().listModels({ nameContains: prefix, limit, cursor }))).toEqual(newestFirst(models));
        expect(await pageThrough((cursor) => db().listDatasets({ nameContains: prefix, limit, cursor }))).toEqual(newestFirst(datasets));
        const ownRuns = (await pageThrough((cursor) => db().listTrainingRuns({ limit, cursor }))).filter((id) => runs.includes(id));
        expect(ownRuns).toEqual(newestFirst(runs));
        expect(await pageThrough((cursor) => db().listExperiments({ nameContains: prefix, limit, cursor }))).toEqual(newestFirst(experiments));
      }
    });

    it('experiment members added in one millisecond come back by run id, on every call and in run lists', async () => {
      const experiment = await db().createExperiment({ name: uniqueName('frozen-members') });
      const runs: number[] = [];
      for (let index = 0; index < ROWS; index++) runs.push((await db().createTrainingRun()).id);
      // Added out of id order: the order must not depend on how the database happens to return ties.
      const addOrder = [runs[4]!, runs[1]!, runs[6]!, runs[0]!, runs[3]!, runs[5]!, runs[2]!];
      for (const runId of addOrder) await db().addExperimentRun(experiment.id, runId);
      for (let call = 0; call < 3; call++) {
        const members = await db().getExperimentRuns(experiment.id);
        expect(members.map((run) => run.addedAt.getTime())).toEqual(runs.map(() => FROZEN));
        expect(members.map((run) => run.id)).toEqual([...runs].sort((a, b) => a - b));
      }
      expect(await pageThrough((cursor) => db().listTrainingRuns({ experimentId: experiment.id, limit: 2, cursor }))).toEqual(newestFirst(runs));
    });

    it('predictions of one millisecond page by id, also within a time window', async () => {
      const model = await db().createModel({ name: uniqueName('frozen-serving') });
      const version = await db().createModelVersion({ modelId: model.id });
      const ids = [(await db().logPrediction({ modelVersionId: version.id, input: 0, output: 0 })).id];
      await db().logPredictions(Array.from({ length: ROWS - 1 }, (_unused, index) => ({ modelVersionId: version.id, input: index, output: index })));
      ids.push(...(await db().getPredictions({ modelVersionId: version.id, limit: 1_000 })).items.map((item) => item.id).filter((id) => id !== ids[0]));
      const window = { since: new Date(FROZEN), until: new Date(FROZEN + 1) };
      for (let limit = 1; limit <= 3; limit++) {
        expect(await pageThrough((cursor) => db().getPredictions({ modelVersionId: version.id, limit, cursor }))).toEqual(newestFirst(ids));
        expect(await pageThrough((cursor) => db().getPredictions({ modelVersionId: version.id, ...window, limit, cursor }))).toEqual(newestFirst(ids));
      }
    });

    it('model versions and metric points of one millisecond keep their numbers and steps in order', async () => {
      const model = await db().createModel({ name: uniqueName('frozen-versions') });
      for (let index = 0; index < ROWS; index++) await db().createModelVersion({ modelId: model.id });
      const versions = await db().getModelVersions(model.id);
      expect(versions.map((version) => version.version)).toEqual(Array.from({ length: ROWS }, (_unused, index) => index + 1));
      expect(versions.map((version) => version.id)).toEqual([...versions.map((version) => version.id)].sort((a, b) => a - b));

      const run = await db().createTrainingRun();
      for (let step = ROWS - 1; step >= 0; step--) await db().logMetric(run.id, 'loss', step, { step });
      await db().logMetrics(run.id, [{ name: 'acc', value: 1 }, { name: 'acc', value: 2 }]);
      const points = await db().getMetrics(run.id);
      expect(points.map((point) => `${point.name}@${point.step}`)).toEqual([
        'acc@0',
        'acc@1',
        ...Array.from({ length: ROWS }, (_unused, step) => `loss@${step}`),
      ]);
      expect(points.every((point) => point.timestamp.getTime() === FROZEN)).toBe(true);
    });
  });
}
