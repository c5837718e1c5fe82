/**
 * Hyperparameters of many runs in one read: what a runs table needs to sort or fill a hyperparameter
 * column without one request per run.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection } from './expectations.js';

export function defineHyperparametersBulkContract(target: ContractTarget): void {
  describe(`${target.label}: bulk hyperparameters`, () => {
    const db = useDatabase(target);

    it('returns every run’s values with their JSON types, ordered by run then name, equal to the per-run read', async () => {
      const [first, second, empty] = [await db().createTrainingRun(), await db().createTrainingRun(), await db().createTrainingRun()];
      await db().logHyperparameters(first.id, { lr: 0.000567350112749, optimizer: 'adam', layers: [64, 32], warmup: null, 'batch size': 32 });
      await db().logHyperparameters(second.id, { lr: '0.01', nested: { a: true } });

      const rows = await db().getHyperparametersBulk([second.id, empty.id, first.id, 999_999_999]);
      expect(rows).toEqual([
        { runId: first.id, name: 'batch size', value: 32 },
        { runId: first.id, name: 'layers', value: [64, 32] },
        { runId: first.id, name: 'lr', value: 0.000567350112749 },
        { runId: first.id, name: 'optimizer', value: 'adam' },
        { runId: first.id, name: 'warmup', value: null },
        { runId: second.id, name: 'lr', value: '0.01' },
        { runId: second.id, name: 'nested', value: { a: true } },
      ]);
      for (const run of [first, second]) {
        const single = await db().getHyperparameters(run.id);
        expect(Object.fromEntries(rows.filter((row) => row.runId === run.id).map((row) => [row.name, row.value]))).toEqual(single);
      }
    });

    it('reads only the named hyperparameters, and nothing for no runs or no names', async () => {
      const run = await db().createTrainingRun();
      await db().logHyperparameters(run.id, { lr: 0.1, 'lr, warmup': 5, optimizer: 'sgd' });
      expect(await db().getHyperparametersBulk([run.id], { names: ['lr, warmup', 'missing', 'lr'] })).toEqual([
        { runId: run.id, name: 'lr', value: 0.1 },
        { runId: run.id, name: 'lr, warmup', value: 5 },
      ]);
      expect(await db().getHyperparametersBulk([])).toEqual([]);
      expect(await db().getHyperparametersBulk([run.id], { names: [] })).toEqual([]);
    });

    it('answers for thousands of runs given in any order, in run order', async () => {
      const ids: number[] = [];
      for (let index = 0; index < 60; index++) {
        const run = await db().createTrainingRun();
        ids.push(run.id);
        await db().logHyperparameters(run.id, { index, seed: index % 7 });
      }
      // Every third run, newest first, padded with ids that do not exist: more ids than one statement or URL holds.
      const asked = [...ids.filter((_, index) => index % 3 === 0).reverse(), ...Array.from({ length: 3_000 }, (_, i) => 2_000_000_000 - i)];
      const rows = await db().getHyperparametersBulk(asked, { names: ['index'] });
      const expected = ids.filter((_, index) => index % 3 === 0);
      expect(rows.map((row) => row.runId)).toEqual(expected);
      expect(rows.map((row) => row.value)).toEqual(expected.map((id) => ids.indexOf(id)));
    });

    it('rejects a bad run id naming its position', async () => {
      await expectRejection(db().getHyperparametersBulk([1, 0]), ValidationError, { field: 'runIds.1' });
    });
  });
}
