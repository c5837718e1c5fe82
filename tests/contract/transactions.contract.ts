/**
 * Atomicity: `transaction(fn)` commits everything or nothing, and a failed call leaves the database
 * as it was. Interactive transactions are skipped for targets without them (HTTP).
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

export function defineTransactionsContract(target: ContractTarget): void {
  describe.runIf(target.capabilities.transactions)(`${target.label}: transactions`, () => {
    const db = useDatabase(target);

    it('commits every write of a transaction together and returns its result', async () => {
      const name = uniqueName('tx-commit');
      const result = await db().transaction(async (tx) => {
        const model = await tx.createModel({ name });
        const version = await tx.createModelVersion({ modelId: model.id });
        const run = await tx.createTrainingRun({ modelId: model.id, modelVersionId: version.id });
        await tx.logHyperparameters(run.id, { lr: 0.1 });
        await tx.logMetrics(run.id, [{ name: 'loss', value: 1 }, { name: 'loss', value: 0.5 }]);
        await tx.updateTrainingRun(run.id, { status: 'completed' });
        return { modelId: model.id, runId: run.id };
      });
      expect((await db().getModel(name)).id).toBe(result.modelId);
      expect((await db().getTrainingRun(result.runId)).status).toBe('completed');
      expect(await db().getMetrics(result.runId)).toHaveLength(2);
    });

    it('stores nothing when the function throws, and rethrows its error', async () => {
      const name = uniqueName('tx-rollback');
      const before = await db().getStatistics();
      const thrown = new Error('training crashed');
      await expect(
        db().transaction(async (tx) => {
          const model = await tx.createModel({ name });
          await tx.createModelVersion({ modelId: model.id });
          const run = await tx.createTrainingRun({ modelId: model.id });
          await tx.logMetrics(run.id, [{ name: 'loss', value: 1 }]);
          await tx.createExperiment({ name: `${name}-exp` });
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      await expectRejection(db().getModel(name), NotFoundError);
      expect((await db().getStatistics()).counts).toEqual(before.counts);
    });

    it('rolls back when a call inside fails with a typed error, keeping the error type', async () => {
      const name = uniqueName('tx-typed');
      await db().createExperiment({ name: `${name}-exp` });
      const before = await db().getStatistics();
      await expectRejection(
        db().transaction(async (tx) => {
          await tx.createModel({ name });
          await tx.createExperiment({ name: `${name}-exp` });
        }),
        ConflictError,
      );
      await expectRejection(db().getModel(name), NotFoundError);
      expect((await db().getStatistics()).counts).toEqual(before.counts);
    });

    it('sees its own writes before committing', async () => {
      const name = uniqueName('tx-read');
      await db().transaction(async (tx) => {
        const model = await tx.createModel({ name });
        expect((await tx.getModel(name)).id).toBe(model.id);
        expect((await tx.listModels({ nameContains: name })).items).toHaveLength(1);
      });
    });
  });

  describe(`${target.label}: failed calls leave nothing behind`, () => {
    const db = useDatabase(target);

    it('a validation failure in the middle of a batch writes none of it', async () => {
      const model = await db().createModel({ name: uniqueName('atomic') });
      const version = await db().createModelVersion({ modelId: model.id });
      const run = await db().createTrainingRun();
      const before = await db().getStatistics();
      await expectRejection(
        db().logMetrics(run.id, [...Array.from({ length: 50 }, (_u, step) => ({ name: 'loss', value: step, step })), { name: 'loss', value: 1, step: 0.5 }]),
        ValidationError,
      );
      await expectRejection(
        db().logPredictions([{ modelVersionId: version.id, input: 1, output: 1 }, { modelVersionId: version.id, input: 1, output: 1, latencyMs: -1 }]),
        ValidationError,
      );
      await expectRejection(db().logHyperparameters(run.id, { ok: 1, bad: Number.NaN }), ValidationError);
      expect((await db().getStatistics()).counts).toEqual(before.counts);
    });
  });
}
