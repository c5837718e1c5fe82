/**
 * Run inputs: the datasets a run used, each in a role with tags of its own, logged atomically and
 * read back for many runs at once; a `train` input becomes the run's dataset when it has none.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectRejection, uniqueName } from './expectations.js';

export function defineRunInputsContract(target: ContractTarget): void {
  describe(`${target.label}: run inputs`, () => {
    const db = useDatabase(target);

    async function twoDatasets() {
      const name = uniqueName('inputs');
      return Promise.all([db().createDataset({ name, version: 'train-v1' }), db().createDataset({ name, version: 'eval-v1' })]);
    }

    it('records the datasets a run used, their roles and tags, and makes the training one the run dataset', async () => {
      const [train, evaluation] = await twoDatasets();
      const run = await db().createTrainingRun({ name: 'with inputs' });
      await db().logRunInputs(run.id, [
        { datasetId: train.id, context: 'train', tags: { split: '0.8' } },
        { datasetId: evaluation.id, context: 'eval' },
      ]);
      const inputs = await db().getRunInputs([run.id]);
      expect(inputs.map(({ loggedAt: _, ...rest }) => rest)).toEqual([
        { runId: run.id, datasetId: train.id, context: 'train', tags: { split: '0.8' } },
        { runId: run.id, datasetId: evaluation.id, context: 'eval', tags: {} },
      ]);
      for (const input of inputs) expectDate(input.loggedAt);
      expect((await db().getTrainingRun(run.id)).datasetId).toBe(train.id);
    });

    it('updates the role and merges tags when a dataset is logged again, and keeps a dataset the run already names', async () => {
      const [train, evaluation] = await twoDatasets();
      const run = await db().createTrainingRun({ datasetId: evaluation.id });
      await db().logRunInputs(run.id, [{ datasetId: train.id, context: 'eval', tags: { a: '1', b: '2' } }]);
      await db().logRunInputs(run.id, [{ datasetId: train.id, context: 'train', tags: { b: 'two', c: '3' } }]);
      await db().logRunInputs(run.id, [{ datasetId: train.id, tags: {} }]);
      const [input] = await db().getRunInputs([run.id]);
      expect(input).toMatchObject({ datasetId: train.id, context: 'train', tags: { a: '1', b: 'two', c: '3' } });
      expect((await db().getTrainingRun(run.id)).datasetId).toBe(evaluation.id);
    });

    it('reads the inputs of many runs in one call, by run id', async () => {
      const [train] = await twoDatasets();
      const runs = await Promise.all(Array.from({ length: 5 }, () => db().createTrainingRun({})));
      for (const run of runs.slice(1)) await db().logRunInputs(run.id, [{ datasetId: train.id, context: 'train' }]);
      const ids = runs.map((run) => run.id);
      const inputs = await db().getRunInputs([...ids].reverse());
      expect(inputs.map((input) => input.runId)).toEqual(ids.slice(1).sort((a, b) => a - b));
      expect(await db().getRunInputs([])).toEqual([]);
    });

    it('refuses a missing run or dataset and bad input, storing nothing of the call', async () => {
      const [train] = await twoDatasets();
      const run = await db().createTrainingRun({});
      await expectRejection(db().logRunInputs(987_654_321, [{ datasetId: train.id }]), NotFoundError, { field: 'runId' });
      await expectRejection(
        db().logRunInputs(run.id, [{ datasetId: train.id, context: 'train' }, { datasetId: 987_654_321 }]),
        NotFoundError,
        { field: 'inputs.1.datasetId' },
      );
      await expectRejection(db().logRunInputs(run.id, [{ datasetId: train.id, context: 'x'.repeat(251) }]), ValidationError, { field: 'inputs.0.context' });
      await expectRejection(db().logRunInputs(run.id, [{ datasetId: -1 }]), ValidationError, { field: 'inputs.0.datasetId' });
      await expectRejection(
        db().logRunInputs(run.id, Array.from({ length: 1_001 }, () => ({ datasetId: train.id }))),
        ValidationError,
        { message: /1000/ },
      );
      expect(await db().getRunInputs([run.id])).toEqual([]);
      expect((await db().getTrainingRun(run.id)).datasetId).toBeNull();
    });

    it('forgets the inputs of a deleted run and of a deleted dataset', async () => {
      const [train, evaluation] = await twoDatasets();
      const run = await db().createTrainingRun({});
      await db().logRunInputs(run.id, [{ datasetId: train.id, context: 'eval' }, { datasetId: evaluation.id, context: 'test' }]);
      await db().deleteDataset(evaluation.id);
      expect((await db().getRunInputs([run.id])).map((input) => input.datasetId)).toEqual([train.id]);
      await db().deleteTrainingRun(run.id);
      expect(await db().getRunInputs([run.id])).toEqual([]);
    });
  });
}
