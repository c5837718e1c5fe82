/** Reads by id and across parents: one prediction, and model versions of every model with filters. */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

export function defineLookupsContract(target: ContractTarget): void {
  describe(`${target.label}: lookups`, () => {
    const db = useDatabase(target);

    it('gets one prediction by id, exactly as listed, and names a missing one', async () => {
      const model = await db().createModel({ name: uniqueName('lookup') });
      const version = await db().createModelVersion({ modelId: model.id });
      const first = await db().logPrediction({ modelVersionId: version.id, input: { text: 'a' }, output: [1, 2], groundTruth: null, confidence: 0.5 });
      const second = await db().logPrediction({ modelVersionId: version.id, input: 'b', output: { label: 'b' }, metadata: { k: 1 } });
      expect(await db().getPrediction(first.id)).toEqual(first);
      expect(await db().getPrediction(second.id)).toEqual(second);
      const listed = await db().getPredictions({ modelVersionId: version.id });
      expect(listed.items).toEqual([second, first]);
      await expectRejection(db().getPrediction(second.id + 1_000_000), NotFoundError);
      await expectRejection(db().getPrediction(1.5), ValidationError, { field: 'id' });
      await expectRejection(db().getPrediction(0), ValidationError, { field: 'id' });
    });

    it('lists model versions across models, newest first, filtered and paged', async () => {
      const vision = await db().createModel({ name: uniqueName('vision') });
      const text = await db().createModel({ name: uniqueName('text') });
      const run = await db().createTrainingRun({ name: uniqueName('producer') });
      const dataset = await db().createDataset({ name: uniqueName('images'), version: '1' });
      const v1 = await db().createModelVersion({ modelId: vision.id, status: 'production', trainingRunId: run.id });
      const v2 = await db().createModelVersion({ modelId: vision.id, status: 'staging', datasetId: dataset.id });
      const v3 = await db().createModelVersion({ modelId: vision.id });
      const t1 = await db().createModelVersion({ modelId: text.id, status: 'production', trainingRunId: run.id, datasetId: dataset.id });

      const ids = async (query: Parameters<ReturnType<typeof db>['listModelVersions']>[0]) =>
        (await db().listModelVersions(query)).items.map((version) => version.id);
      expect(await ids({ modelId: vision.id })).toEqual([v3.id, v2.id, v1.id]);
      expect(await ids({ modelId: vision.id, status: 'staging' })).toEqual([v2.id]);
      expect(await ids({ trainingRunId: run.id })).toEqual([t1.id, v1.id]);
      expect(await ids({ datasetId: dataset.id })).toEqual([t1.id, v2.id]);
      expect(await ids({ trainingRunId: run.id, status: ['production', 'staging'] })).toEqual([t1.id, v1.id]);
      expect(await ids({ datasetId: dataset.id, modelId: text.id })).toEqual([t1.id]);

      const firstPage = await db().listModelVersions({ modelId: vision.id, limit: 2 });
      expect(firstPage.items).toEqual([v3, v2]);
      expect(firstPage.nextCursor).not.toBeNull();
      const secondPage = await db().listModelVersions({ modelId: vision.id, limit: 2, cursor: firstPage.nextCursor });
      expect(secondPage.items).toEqual([v1]);
      expect(secondPage.nextCursor).toBeNull();

      await expectRejection(db().listModelVersions({ status: 'retired' as never }), ValidationError, { field: 'query.status' });
      await expectRejection(db().listModelVersions({ modelId: -1 }), ValidationError, { field: 'query.modelId' });
    });
  });
}
