/**
 * Retention (docs/decisions/1201-gc-and-retention.md): `collectGarbage` purges what was soft-deleted
 * longer ago than the retention, with everything that is its own, and leaves the rest; a dry run
 * only counts. The store's clock is moved by hand.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * 3_600_000;

export function defineRetentionContract(target: ContractTarget): void {
  describe(`${target.label}: retention and gc`, () => {
    let clock = T0;
    const db = useDatabase(target, { now: () => clock });

    it('purges what was deleted more than 30 days ago, counts first on a dry run, and keeps the rest', async () => {
      clock = T0;
      const old = await db().createTrainingRun({ name: 'old' });
      await db().logMetrics(old.id, Array.from({ length: 30 }, (_unused, step) => ({ name: 'loss', value: step, step })));
      await db().logHyperparameters(old.id, { lr: 0.1 });
      const experiment = await db().createExperiment({ name: uniqueName('old-exp') });
      await db().addExperimentRun(experiment.id, old.id);
      const model = await db().createModel({ name: uniqueName('old-model') });
      const version = await db().createModelVersion({ modelId: model.id, trainingRunId: old.id });
      await db().logPredictions([1, 2, 3].map((input) => ({ modelVersionId: version.id, input, output: input })));
      await db().setModelAlias(model.id, 'champion', 1);
      const keptModel = await db().createModel({ name: uniqueName('kept-model') });
      const keptVersion = await db().createModelVersion({ modelId: keptModel.id });
      const goneVersion = await db().createModelVersion({ modelId: keptModel.id });
      await db().logPrediction({ modelVersionId: goneVersion.id, input: 1, output: 1 });
      const recent = await db().createTrainingRun({ name: 'recent' });
      const restored = await db().createTrainingRun({ name: 'restored' });

      await db().updateTrainingRun(old.id, { deleted: true });
      await db().updateExperiment(experiment.id, { deleted: true });
      await db().updateModel(model.id, { deleted: true });
      await db().updateModelVersion(goneVersion.id, { deleted: true });
      await db().updateTrainingRun(restored.id, { deleted: true });
      clock = T0 + 20 * DAY;
      await db().updateTrainingRun(recent.id, { deleted: true });
      await db().updateTrainingRun(restored.id, { deleted: false });

      clock = T0 + 31 * DAY;
      const counted = await db().collectGarbage({ dryRun: true });
      expect(counted).toMatchObject({
        dryRun: true,
        runs: 1,
        experiments: 1,
        models: 1,
        modelVersions: 2,
        metricPoints: 30,
        predictions: 4,
        batches: 0,
        complete: true,
        predictionsBefore: null,
      });
      expect(counted.deletedBefore).toEqual(new Date(T0 + DAY));
      expect((await db().getTrainingRun(old.id)).deletedAt).not.toBeNull();

      const purged = await db().collectGarbage({ batchRows: 7 });
      expect(purged).toMatchObject({ dryRun: false, runs: 1, experiments: 1, models: 1, modelVersions: 2, metricPoints: 30, predictions: 4, complete: true });
      // 30 points in batches of 7 take 5 batches: nothing was deleted in one go.
      expect(purged.batches).toBeGreaterThanOrEqual(5);
      await expectRejection(db().getTrainingRun(old.id), NotFoundError);
      await expectRejection(db().getExperiment(experiment.id), NotFoundError);
      await expectRejection(db().getModel(model.id), NotFoundError);
      await expectRejection(db().getModelVersion(goneVersion.id), NotFoundError);
      expect((await db().getModelVersions(keptModel.id)).map((item) => item.id)).toEqual([keptVersion.id]);
      expect((await db().getTrainingRun(recent.id)).deletedAt).not.toBeNull();
      expect((await db().getTrainingRun(restored.id)).deletedAt).toBeNull();
      // A second call finds nothing left.
      expect(await db().collectGarbage()).toMatchObject({ runs: 0, models: 0, modelVersions: 0, predictions: 0, batches: 0 });
      // With a shorter retention, the recent deletion goes too.
      expect(await db().collectGarbage({ olderThanMs: 7 * DAY })).toMatchObject({ runs: 1 });
      await expectRejection(db().getTrainingRun(recent.id), NotFoundError);
    });

    it('purges predictions past their retention, oldest first, in batches', async () => {
      clock = T0;
      const model = await db().createModel({ name: uniqueName('served') });
      const version = await db().createModelVersion({ modelId: model.id });
      await db().logPredictions(
        Array.from({ length: 12 }, (_unused, index) => ({ modelVersionId: version.id, input: index, output: index, timestamp: T0 + index * DAY })),
      );
      clock = T0 + 100 * DAY;
      // 90 days: the predictions of days 0 … 9 go, those of days 10 and 11 stay.
      expect(await db().collectGarbage({ predictionsOlderThanMs: 90 * DAY, dryRun: true })).toMatchObject({ predictions: 10 });
      const report = await db().collectGarbage({ predictionsOlderThanMs: 90 * DAY, batchRows: 4 });
      expect(report).toMatchObject({ predictions: 10, batches: 3 });
      expect(report.predictionsBefore).toEqual(new Date(T0 + 10 * DAY));
      const left = (await db().getPredictions({ modelVersionId: version.id, limit: 100 })).items.map((item) => item.input);
      expect(left.sort()).toEqual([10, 11]);
    });

    it('stops after maxBatches and finishes on the next call', async () => {
      clock = T0;
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, Array.from({ length: 20 }, (_unused, step) => ({ name: 'acc', value: step, step })));
      await db().updateTrainingRun(run.id, { deleted: true });
      clock = T0 + 40 * DAY;
      const first = await db().collectGarbage({ batchRows: 5, maxBatches: 2 });
      expect(first).toMatchObject({ complete: false, batches: 2, metricPoints: 10, runs: 0 });
      expect((await db().getTrainingRun(run.id)).deletedAt).not.toBeNull();
      const second = await db().collectGarbage({ batchRows: 5 });
      expect(second).toMatchObject({ complete: true, metricPoints: 10, runs: 1 });
    });
  });
}
