/**
 * Models and their versions: create, get by id or name, list with filters and keyset pages, update,
 * delete with cascades, version numbering (also under concurrent creation) and input limits.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type Model } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectId, expectRejection, uniqueName } from './expectations.js';

export function defineModelsContract(target: ContractTarget): void {
  describe(`${target.label}: models`, () => {
    const db = useDatabase(target);

    it('creates a model and reads it back by id and by name with the right types', async () => {
      const name = uniqueName('resnet');
      const created = await db().createModel({
        name,
        description: 'a residual network',
        framework: 'pytorch',
        task: 'classification',
        architecture: 'ResNet-50',
        tags: { owner: 'vision', stage: 'research' },
        metadata: { layers: 50, nested: { widths: [64, 128, 256], pretrained: true, note: null } },
      });
      expectId(created.id);
      expectDate(created.createdAt);
      expectDate(created.updatedAt);
      expect(created).toMatchObject({
        name,
        description: 'a residual network',
        framework: 'pytorch',
        task: 'classification',
        architecture: 'ResNet-50',
        tags: { owner: 'vision', stage: 'research' },
        metadata: { layers: 50, nested: { widths: [64, 128, 256], pretrained: true, note: null } },
        latestVersion: 0,
      });
      expect(await db().getModel(created.id)).toEqual(created);
      expect(await db().getModel(name)).toEqual(created);
    });

    it('fills optional fields with null and empty objects', async () => {
      const created = await db().createModel({ name: uniqueName('bare') });
      expect(created).toMatchObject({ description: null, framework: null, task: null, architecture: null, tags: {}, metadata: {} });
    });

    it('keeps Persian text and emoji intact in names, text and JSON', async () => {
      const name = `مدل تشخیص نقشه ${uniqueName('🏗️')}`;
      const created = await db().createModel({
        name,
        description: 'توضیحات فارسی با ایموجی 🚀✨',
        tags: { 'برچسب': 'مقدار 😀' },
        metadata: { 'کلید': ['یک', 'دو', '👩‍💻'], emoji: '🧠' },
      });
      const read = await db().getModel(name);
      expect(read.name).toBe(name);
      expect(read.description).toBe('توضیحات فارسی با ایموجی 🚀✨');
      expect(read.tags).toEqual({ 'برچسب': 'مقدار 😀' });
      expect(read.metadata).toEqual({ 'کلید': ['یک', 'دو', '👩‍💻'], emoji: '🧠' });
      const found = await db().listModels({ nameContains: 'تشخیص نقشه' });
      expect(found.items.map((model) => model.id)).toContain(created.id);
    });

    it('rejects a duplicate name with a ConflictError on the name field and keeps the first model', async () => {
      const name = uniqueName('unique');
      const first = await db().createModel({ name, framework: 'jax' });
      await expectRejection(db().createModel({ name, framework: 'tf' }), ConflictError, { field: 'name', message: name });
      expect((await db().getModel(name)).framework).toBe('jax');
      expect((await db().getModel(name)).id).toBe(first.id);
    });

    it('rejects a 251-character name naming the field and the 250 limit, and writes nothing', async () => {
      const name = 'x'.repeat(251);
      const error = await expectRejection(db().createModel({ name }), ValidationError, { field: 'model.name' });
      expect(error.message).toMatch(/250/);
      await expectRejection(db().getModel(name), NotFoundError);
      const ok = await db().createModel({ name: 'y'.repeat(250) });
      expect(ok.name).toHaveLength(250);
    });

    it('rejects empty names, unknown fields and non-JSON metadata', async () => {
      await expectRejection(db().createModel({ name: '   ' }), ValidationError, { field: 'model.name' });
      await expectRejection(db().createModel({ name: uniqueName('m'), colour: 'red' } as never), ValidationError, { message: /colour/ });
      await expectRejection(
        db().createModel({ name: uniqueName('m'), metadata: { bad: Number.NaN } as never }),
        ValidationError,
        { message: /metadata/ },
      );
    });

    it('throws NotFoundError for unknown ids and names', async () => {
      const byId = await expectRejection(db().getModel(987_654), NotFoundError, { message: /987654/ });
      expect(byId.entity).toBe('model');
      await expectRejection(db().getModel('no-such-model'), NotFoundError, { message: /no-such-model/ });
      await expectRejection(db().updateModel('no-such-model', { task: 't' }), NotFoundError);
      await expectRejection(db().deleteModel(987_654), NotFoundError);
    });

    it('updates fields, renames, and refuses a rename onto a taken name', async () => {
      const original = await db().createModel({ name: uniqueName('before'), framework: 'pytorch', tags: { a: '1' } });
      const taken = await db().createModel({ name: uniqueName('taken') });
      const renamed = uniqueName('after');
      const updated = await db().updateModel(original.id, { name: renamed, description: 'now described', tags: { b: '2' } });
      expect(updated).toMatchObject({ id: original.id, name: renamed, description: 'now described', framework: 'pytorch', tags: { b: '2' } });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(original.updatedAt.getTime());
      expect(updated.createdAt).toEqual(original.createdAt);
      await expectRejection(db().getModel(original.name), NotFoundError);
      await expectRejection(db().updateModel(renamed, { name: taken.name }), ConflictError, { field: 'name' });
      expect((await db().getModel(original.id)).name).toBe(renamed);
      const cleared = await db().updateModel(renamed, { description: null });
      expect(cleared.description).toBeNull();
    });

    it('lists newest first with framework, task and case-insensitive name filters', async () => {
      const prefix = uniqueName('Filter');
      const a = await db().createModel({ name: `${prefix}-Alpha`, framework: 'onnx', task: 'detection' });
      const b = await db().createModel({ name: `${prefix}-beta`, framework: 'onnx', task: 'segmentation' });
      const c = await db().createModel({ name: `${prefix}-GAMMA`, framework: 'tflite', task: 'detection' });
      const ids = (models: Model[]) => models.map((model) => model.id);
      expect(ids((await db().listModels({ nameContains: prefix.toUpperCase() })).items)).toEqual([c.id, b.id, a.id]);
      expect(ids((await db().listModels({ nameContains: `${prefix}-gamma` })).items)).toEqual([c.id]);
      expect(ids((await db().listModels({ nameContains: prefix, framework: 'onnx' })).items)).toEqual([b.id, a.id]);
      expect(ids((await db().listModels({ nameContains: prefix, task: 'detection' })).items)).toEqual([c.id, a.id]);
      expect(ids((await db().listModels({ nameContains: prefix, framework: 'onnx', task: 'detection' })).items)).toEqual([a.id]);
    });

    it('treats % and _ in a name filter literally', async () => {
      const prefix = uniqueName('wild');
      const literal = await db().createModel({ name: `${prefix}-100%_done` });
      await db().createModel({ name: `${prefix}-100xxdone` });
      const found = await db().listModels({ nameContains: '100%_d' });
      expect(found.items.map((model) => model.id)).toEqual([literal.id]);
    });

    it('pages through a long list with keyset cursors, no gaps or repeats', async () => {
      const prefix = uniqueName('paged');
      const created: number[] = [];
      for (let index = 0; index < 23; index++) created.push((await db().createModel({ name: `${prefix}-${index}` })).id);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await db().listModels({ nameContains: prefix, limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((model) => model.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(5);
      expect(seen).toEqual([...created].reverse());
      const exact = await db().listModels({ nameContains: `${prefix}-1`, limit: 11 });
      // 1 and 10..19: exactly one page, so no cursor.
      expect(exact.items).toHaveLength(11);
      expect(exact.nextCursor).toBeNull();
      await expectRejection(db().listModels({ cursor: 'not-a-cursor' }), ValidationError, { field: 'cursor' });
      await expectRejection(db().listModels({ limit: 0 }), ValidationError, { field: 'query.limit' });
    });
  });

  describe(`${target.label}: model versions`, () => {
    const db = useDatabase(target);

    it('numbers versions 1, 2, 3 per model and reads them by id and by number', async () => {
      const model = await db().createModel({ name: uniqueName('versioned') });
      const other = await db().createModel({ name: uniqueName('other') });
      const v1 = await db().createModelVersion({
        modelId: model.id,
        checkpointUri: 'file:///ckpt/v1.pt',
        sizeBytes: 5_000_000_000,
        sha256: 'AB'.repeat(32),
        config: { lr: 0.01, layers: [1, 2, 3], optimizer: { name: 'sgd', momentum: 0.9 } },
        status: 'staging',
      });
      const v2 = await db().createModelVersion({ modelId: model.id, description: 'second' });
      const otherV1 = await db().createModelVersion({ modelId: other.id });
      expect([v1.version, v2.version, otherV1.version]).toEqual([1, 2, 1]);
      expectId(v1.id);
      expect(v1.modelId).toBe(model.id);
      expect(v1.sizeBytes).toBe(5_000_000_000);
      expect(v1.sha256).toBe('ab'.repeat(32));
      expect(v1.config).toEqual({ lr: 0.01, layers: [1, 2, 3], optimizer: { name: 'sgd', momentum: 0.9 } });
      expectDate(v1.createdAt);
      expect(await db().getModelVersion(v2.id)).toEqual(v2);
      expect(await db().getModelVersionByNumber(model.name, 1)).toEqual(v1);
      expect(await db().getModelVersionByNumber(model.id, 2)).toEqual(v2);
      expect((await db().getModelVersions(model.name)).map((version) => version.version)).toEqual([1, 2]);
      expect((await db().getModelVersions(model.id, { status: 'staging' })).map((version) => version.id)).toEqual([v1.id]);
      expect((await db().getModel(model.id)).latestVersion).toBe(2);
      await expectRejection(db().getModelVersionByNumber(model.id, 3), NotFoundError);
      await expectRejection(db().getModelVersion(987_654), NotFoundError);
      await expectRejection(db().getModelVersions('no-such-model'), NotFoundError);
    });

    it('never reuses the number of a deleted version', async () => {
      const model = await db().createModel({ name: uniqueName('reuse') });
      await db().createModelVersion({ modelId: model.id });
      const v2 = await db().createModelVersion({ modelId: model.id });
      await db().deleteModelVersion(v2.id);
      await expectRejection(db().getModelVersion(v2.id), NotFoundError);
      await expectRejection(db().deleteModelVersion(v2.id), NotFoundError);
      const v3 = await db().createModelVersion({ modelId: model.id });
      expect(v3.version).toBe(3);
      expect((await db().getModelVersions(model.id)).map((version) => version.version)).toEqual([1, 3]);
    });

    it('gives 20 concurrent creations the numbers 1..20 with no gap or duplicate', async () => {
      const model = await db().createModel({ name: uniqueName('concurrent') });
      const created = await Promise.all(
        Array.from({ length: 20 }, (_unused, index) => db().createModelVersion({ modelId: model.id, description: `parallel ${index}` })),
      );
      expect(created.map((version) => version.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_u, i) => i + 1));
      expect(new Set(created.map((version) => version.id)).size).toBe(20);
      expect((await db().getModelVersions(model.id)).map((version) => version.version)).toEqual(Array.from({ length: 20 }, (_u, i) => i + 1));
      expect((await db().getModel(model.id)).latestVersion).toBe(20);
    });

    it('updates status and links, and rejects unknown statuses and links', async () => {
      const model = await db().createModel({ name: uniqueName('promote') });
      const dataset = await db().createDataset({ name: uniqueName('promote-data') });
      const run = await db().createTrainingRun({ modelId: model.id });
      const version = await db().createModelVersion({ modelId: model.id });
      const promoted = await db().updateModelVersion(version.id, { status: 'production', datasetId: dataset.id, trainingRunId: run.id, config: { a: 1 } });
      expect(promoted).toMatchObject({ status: 'production', datasetId: dataset.id, trainingRunId: run.id, config: { a: 1 }, version: 1 });
      await expectRejection(db().updateModelVersion(version.id, { status: 'retired' as never }), ValidationError, { field: 'modelVersion.status' });
      await expectRejection(db().updateModelVersion(version.id, { datasetId: 987_654 }), NotFoundError, { field: 'datasetId' });
      await expectRejection(db().createModelVersion({ modelId: 987_654 }), NotFoundError, { field: 'modelId' });
      await expectRejection(db().createModelVersion({ modelId: model.id, sha256: 'xyz' }), ValidationError, { field: 'modelVersion.sha256' });
      await expectRejection(db().updateModelVersion(987_654, { status: 'archived' }), NotFoundError);
      expect((await db().getModelVersion(version.id)).status).toBe('production');
      // A failed create must not burn a version number.
      expect((await db().createModelVersion({ modelId: model.id })).version).toBe(2);
    });

    it('deleting a model removes its versions and their predictions and unlinks its runs', async () => {
      const model = await db().createModel({ name: uniqueName('doomed') });
      const survivor = await db().createModel({ name: uniqueName('survivor') });
      const version = await db().createModelVersion({ modelId: model.id });
      const survivorVersion = await db().createModelVersion({ modelId: survivor.id });
      const run = await db().createTrainingRun({ modelId: model.id, modelVersionId: version.id });
      await db().logPrediction({ modelVersionId: version.id, input: 1, output: 2 });
      await db().logPrediction({ modelVersionId: survivorVersion.id, input: 3, output: 4 });
      await db().deleteModel(model.name);
      await expectRejection(db().getModel(model.id), NotFoundError);
      await expectRejection(db().getModelVersion(version.id), NotFoundError);
      expect((await db().getPredictions({ modelVersionId: version.id })).items).toEqual([]);
      expect((await db().getPredictions({ modelVersionId: survivorVersion.id })).items).toHaveLength(1);
      const unlinked = await db().getTrainingRun(run.id);
      expect(unlinked.modelId).toBeNull();
      expect(unlinked.modelVersionId).toBeNull();
      expect((await db().getModelVersions(survivor.id))).toHaveLength(1);
    });

    it('deleting a version keeps the runs that used it, unlinked', async () => {
      const model = await db().createModel({ name: uniqueName('keep-runs') });
      const version = await db().createModelVersion({ modelId: model.id });
      const run = await db().createTrainingRun({ modelId: model.id, modelVersionId: version.id });
      await db().deleteModelVersion(version.id);
      expect(await db().getTrainingRun(run.id)).toMatchObject({ modelId: model.id, modelVersionId: null });
    });
  });
}
