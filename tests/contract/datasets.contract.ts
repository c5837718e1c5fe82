/** Datasets: unique by (name, version), JSON splits and schema, lists, updates and set-null deletes. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectId, expectRejection, uniqueName } from './expectations.js';

export function defineDatasetsContract(target: ContractTarget): void {
  describe(`${target.label}: datasets`, () => {
    const db = useDatabase(target);

    it('creates versions of a dataset and finds them by id, by name and version, and newest by name', async () => {
      const name = uniqueName('imagenet');
      const v1 = await db().createDataset({
        name,
        version: 'v1',
        description: 'first cut',
        sourceUri: 's3://data/imagenet/v1',
        format: 'parquet',
        sampleCount: 1_281_167,
        splits: { train: 1_231_167, val: 50_000 },
        schema: { image: 'bytes', label: { type: 'int', classes: 1000 } },
        digest: 'sha256:abc',
        metadata: { license: 'research-only' },
      });
      const v2 = await db().createDataset({ name, version: 'v2', splits: { train: 10, test: 2 } });
      expectId(v1.id);
      expectDate(v1.createdAt);
      expect(v1).toMatchObject({
        name,
        version: 'v1',
        format: 'parquet',
        sampleCount: 1_281_167,
        splits: { train: 1_231_167, val: 50_000 },
        schema: { image: 'bytes', label: { type: 'int', classes: 1000 } },
        metadata: { license: 'research-only' },
      });
      expect(await db().getDataset(v1.id)).toEqual(v1);
      expect(await db().getDataset(name, 'v1')).toEqual(v1);
      expect(await db().getDataset(name)).toEqual(v2);
      await expectRejection(db().getDataset(name, 'v3'), NotFoundError, { message: /v3/ });
      await expectRejection(db().getDataset(987_654), NotFoundError);
    });

    it('refuses a second dataset with the same name and version', async () => {
      const name = uniqueName('dup');
      await db().createDataset({ name, version: '1.0' });
      await expectRejection(db().createDataset({ name, version: '1.0' }), ConflictError, { message: name });
      const other = await db().createDataset({ name, version: '1.1' });
      expect(other.version).toBe('1.1');
      expect((await db().listDatasets({ name })).items).toHaveLength(2);
    });

    it('validates sample counts, names and URIs before writing', async () => {
      await expectRejection(db().createDataset({ name: uniqueName('neg'), sampleCount: -1 }), ValidationError, {
        field: 'dataset.sampleCount',
      });
      await expectRejection(db().createDataset({ name: 'n'.repeat(251) }), ValidationError, { field: 'dataset.name', message: /250/ });
      await expectRejection(db().createDataset({ name: uniqueName('uri'), sourceUri: '' }), ValidationError, { field: 'dataset.sourceUri' });
      await expectRejection(db().createDataset({ name: uniqueName('splits'), splits: [1, 2] as never }), ValidationError, {
        field: 'dataset.splits',
      });
    });

    it('lists with name filters and keyset pages, and updates and deletes', async () => {
      const prefix = uniqueName('Corpus');
      const ids: number[] = [];
      for (let index = 0; index < 7; index++) ids.push((await db().createDataset({ name: `${prefix}-${index}` })).id);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await db().listDatasets({ nameContains: prefix.toLowerCase(), limit: 3, cursor });
        seen.push(...page.items.map((dataset) => dataset.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([...ids].reverse());
      expect((await db().listDatasets({ name: `${prefix}-3` })).items.map((dataset) => dataset.id)).toEqual([ids[3]]);

      const updated = await db().updateDataset(ids[0]!, { sampleCount: 42, splits: { train: 40, test: 2 }, description: 'trimmed' });
      expect(updated).toMatchObject({ sampleCount: 42, splits: { train: 40, test: 2 }, description: 'trimmed', name: `${prefix}-0` });
      await expectRejection(db().updateDataset(987_654, { sampleCount: 1 }), NotFoundError);

      await db().deleteDataset(ids[1]!);
      await expectRejection(db().getDataset(ids[1]!), NotFoundError);
      await expectRejection(db().deleteDataset(ids[1]!), NotFoundError);
    });

    it('deleting a dataset unlinks the runs and versions trained on it', async () => {
      const dataset = await db().createDataset({ name: uniqueName('gone') });
      const model = await db().createModel({ name: uniqueName('uses-data') });
      const version = await db().createModelVersion({ modelId: model.id, datasetId: dataset.id });
      const run = await db().createTrainingRun({ datasetId: dataset.id, modelId: model.id });
      await db().deleteDataset(dataset.id);
      expect((await db().getModelVersion(version.id)).datasetId).toBeNull();
      expect(await db().getTrainingRun(run.id)).toMatchObject({ datasetId: null, modelId: model.id });
    });
  });
}
