/**
 * Training runs: the lifecycle `queued → running → completed | failed | killed` with store-set times,
 * illegal transitions, lists, deletes with their cascades, and immutable hyperparameters.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError, type RunStatus } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectId, expectRejection, uniqueName } from './expectations.js';

export function defineTrainingRunsContract(target: ContractTarget): void {
  describe(`${target.label}: training run lifecycle`, () => {
    const db = useDatabase(target);

    it('starts running by default, with a start time and no end', async () => {
      const run = await db().createTrainingRun({ name: uniqueName('default'), config: { seed: 1 }, tags: { kind: 'smoke' } });
      expectId(run.id);
      expect(run).toMatchObject({ status: 'running', endedAt: null, durationMs: null, error: null, config: { seed: 1 }, tags: { kind: 'smoke' } });
      expectDate(run.startedAt);
      expectDate(run.createdAt);
      const anonymous = await db().createTrainingRun();
      expect(anonymous.name).toBeNull();
      expect(anonymous.config).toEqual({});
    });

    it('moves queued → running → completed, setting start, end and duration', async () => {
      const queued = await db().createTrainingRun({ status: 'queued' });
      expect(queued.startedAt).toBeNull();
      const running = await db().updateTrainingRun(queued.id, { status: 'running' });
      expectDate(running.startedAt);
      expect(running.endedAt).toBeNull();
      const completed = await db().updateTrainingRun(queued.id, { status: 'completed' });
      expectDate(completed.endedAt);
      expect(completed.startedAt).toEqual(running.startedAt);
      expect(completed.endedAt.getTime()).toBeGreaterThanOrEqual(completed.startedAt!.getTime());
      expect(completed.durationMs).toBe(completed.endedAt.getTime() - completed.startedAt!.getTime());
      expect(await db().getTrainingRun(queued.id)).toEqual(completed);
    });

    it.each<[RunStatus, RunStatus]>([
      ['running', 'failed'],
      ['running', 'killed'],
      ['queued', 'failed'],
      ['queued', 'killed'],
    ])('allows %s → %s and stamps the end', async (from, to) => {
      const run = await db().createTrainingRun({ status: from as 'queued' | 'running' });
      const ended = await db().updateTrainingRun(run.id, { status: to, error: to === 'failed' ? 'diverged' : null });
      expect(ended.status).toBe(to);
      expectDate(ended.endedAt);
      if (from === 'queued') {
        expect(ended.startedAt).toBeNull();
        expect(ended.durationMs).toBeNull();
      } else {
        expect(ended.durationMs).toBe(ended.endedAt.getTime() - ended.startedAt!.getTime());
      }
    });

    it.each<[RunStatus, RunStatus]>([
      ['completed', 'running'],
      ['completed', 'failed'],
      ['failed', 'completed'],
      ['killed', 'running'],
      ['running', 'queued'],
      ['queued', 'completed'],
    ])('refuses %s → %s with an IllegalTransitionError and changes nothing', async (from, to) => {
      const run = await db().createTrainingRun({ status: from === 'queued' ? 'queued' : 'running' });
      if (from !== 'queued' && from !== 'running') await db().updateTrainingRun(run.id, { status: from });
      const before = await db().getTrainingRun(run.id);
      const error = await expectRejection(db().updateTrainingRun(run.id, { status: to, notes: 'should not stick' }), IllegalTransitionError, {
        field: 'status',
      });
      expect(error.message).toContain(from);
      expect(error.message).toContain(to);
      expect(await db().getTrainingRun(run.id)).toEqual(before);
    });

    it('accepts the current status again without touching the times', async () => {
      const run = await db().createTrainingRun();
      const done = await db().updateTrainingRun(run.id, { status: 'completed' });
      const again = await db().updateTrainingRun(run.id, { status: 'completed', notes: 'annotated later' });
      expect(again.endedAt).toEqual(done.endedAt);
      expect(again.durationMs).toBe(done.durationMs);
      expect(again.notes).toBe('annotated later');
    });

    it('updates name, config, tags, notes and links without touching the lifecycle', async () => {
      const model = await db().createModel({ name: uniqueName('relink') });
      const version = await db().createModelVersion({ modelId: model.id });
      const dataset = await db().createDataset({ name: uniqueName('relink-data') });
      const run = await db().createTrainingRun({ name: 'before', config: { a: 1 }, tags: { t: '1' } });
      const updated = await db().updateTrainingRun(run.id, {
        name: 'after',
        config: { b: { nested: [1, 2] } },
        tags: { t: '2', u: 'new' },
        notes: 'ملاحظات 📝',
        modelId: model.id,
        modelVersionId: version.id,
        datasetId: dataset.id,
      });
      expect(updated).toMatchObject({
        name: 'after',
        config: { b: { nested: [1, 2] } },
        tags: { t: '2', u: 'new' },
        notes: 'ملاحظات 📝',
        modelId: model.id,
        modelVersionId: version.id,
        datasetId: dataset.id,
        status: 'running',
        startedAt: run.startedAt,
      });
      const unlinked = await db().updateTrainingRun(run.id, { modelVersionId: null, datasetId: null });
      expect(unlinked).toMatchObject({ modelId: model.id, modelVersionId: null, datasetId: null });
      await expectRejection(db().updateTrainingRun(run.id, { modelVersionId: 987_654 }), NotFoundError, { field: 'modelVersionId' });
      expect((await db().getTrainingRun(run.id)).modelVersionId).toBeNull();
    });

    it('rejects unknown statuses, terminal creation and links to missing rows', async () => {
      await expectRejection(db().createTrainingRun({ status: 'completed' as never }), ValidationError, { field: 'trainingRun.status' });
      const run = await db().createTrainingRun();
      await expectRejection(db().updateTrainingRun(run.id, { status: 'paused' as never }), ValidationError, { field: 'trainingRun.status' });
      await expectRejection(db().createTrainingRun({ modelId: 987_654 }), NotFoundError, { field: 'modelId' });
      await expectRejection(db().createTrainingRun({ datasetId: 987_654 }), NotFoundError, { field: 'datasetId' });
      await expectRejection(db().updateTrainingRun(987_654, { status: 'killed' }), NotFoundError);
      await expectRejection(db().getTrainingRun(987_654), NotFoundError);
    });

    it('lists runs newest first, filtered by model, status, experiment and name, in keyset pages', async () => {
      const model = await db().createModel({ name: uniqueName('run-owner') });
      const prefix = uniqueName('Sweep');
      const runs = [];
      for (let index = 0; index < 9; index++) {
        runs.push(await db().createTrainingRun({ name: `${prefix}-${index}`, modelId: model.id, status: index % 3 === 0 ? 'queued' : 'running' }));
      }
      await db().updateTrainingRun(runs[1]!.id, { status: 'completed' });
      const experiment = await db().createExperiment({ name: uniqueName('sweep-exp') });
      await db().addExperimentRun(experiment.id, runs[2]!.id);
      await db().addExperimentRun(experiment.id, runs[5]!.id);

      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await db().listTrainingRuns({ modelId: model.id, limit: 4, cursor });
        seen.push(...page.items.map((run) => run.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual(runs.map((run) => run.id).reverse());
      const ids = async (query: Parameters<ReturnType<typeof db>['listTrainingRuns']>[0]) =>
        (await db().listTrainingRuns(query)).items.map((run) => run.id);
      expect(await ids({ modelId: model.id, status: 'queued' })).toEqual([runs[6]!.id, runs[3]!.id, runs[0]!.id]);
      expect(await ids({ modelId: model.id, status: ['completed', 'queued'] })).toEqual([runs[6]!.id, runs[3]!.id, runs[1]!.id, runs[0]!.id]);
      expect(await ids({ experimentId: experiment.id })).toEqual([runs[5]!.id, runs[2]!.id]);
      expect(await ids({ nameContains: `${prefix.toLowerCase()}-8` })).toEqual([runs[8]!.id]);
    });

    it('deleting a run removes its parameters, metrics, summaries and memberships and unlinks versions', async () => {
      const model = await db().createModel({ name: uniqueName('run-delete') });
      const run = await db().createTrainingRun({ modelId: model.id });
      const version = await db().createModelVersion({ modelId: model.id, trainingRunId: run.id });
      const experiment = await db().createExperiment({ name: uniqueName('run-delete-exp') });
      await db().addExperimentRun(experiment.id, run.id);
      await db().logHyperparameters(run.id, { lr: 0.1 });
      await db().logMetrics(run.id, [{ name: 'loss', value: 1 }, { name: 'loss', value: 0.5 }]);
      const before = await db().getStatistics();

      await db().deleteTrainingRun(run.id);
      await expectRejection(db().getTrainingRun(run.id), NotFoundError);
      await expectRejection(db().getHyperparameters(run.id), NotFoundError);
      await expectRejection(db().getMetrics(run.id), NotFoundError);
      expect(await db().getMetricSummaries(run.id)).toEqual([]);
      expect(await db().getExperimentRuns(experiment.id)).toEqual([]);
      expect((await db().getModelVersion(version.id)).trainingRunId).toBeNull();
      const after = await db().getStatistics();
      expect(after.counts.trainingRuns).toBe(before.counts.trainingRuns - 1);
      expect(after.counts.hyperparameters).toBe(before.counts.hyperparameters - 1);
      expect(after.counts.metricPoints).toBe(before.counts.metricPoints - 2);
      expect(after.counts.metricSeries).toBe(before.counts.metricSeries - 1);
      await expectRejection(db().deleteTrainingRun(run.id), NotFoundError);
    });
  });

  describe(`${target.label}: hyperparameters`, () => {
    const db = useDatabase(target);

    it('keeps each value its JSON type, numbers as numbers, nested configs as objects', async () => {
      const run = await db().createTrainingRun();
      const values = {
        learning_rate: 0.001,
        batch_size: 32,
        batch_size_text: '32',
        tiny: 1e-8,
        huge: 1e21,
        negative: -3,
        use_amp: true,
        scheduler: null,
        layers: [64, 128, 256],
        optimizer: { name: 'adamw', betas: [0.9, 0.999], weight_decay: 0.01, extra: { nesterov: false } },
        'نرخ یادگیری': 'زیاد 🔥',
      };
      await db().logHyperparameters(run.id, values);
      const stored = await db().getHyperparameters(run.id);
      expect(stored).toEqual(values);
      expect(typeof stored.batch_size).toBe('number');
      expect(typeof stored.batch_size_text).toBe('string');
      expect(typeof stored.learning_rate).toBe('number');
    });

    it('accepts the same value again and refuses a different one, atomically', async () => {
      const run = await db().createTrainingRun();
      await db().logHyperparameters(run.id, { lr: 0.01, optimizer: { name: 'sgd', momentum: 0.9 } });
      // Same values, keys in another order: fine.
      await db().logHyperparameters(run.id, { optimizer: { momentum: 0.9, name: 'sgd' }, lr: 0.01 });
      const conflict = await expectRejection(db().logHyperparameters(run.id, { epochs: 10, lr: 0.02 }), ConflictError, {
        field: 'hyperparameters.lr',
      });
      expect(conflict.message).toMatch(/lr/);
      await expectRejection(db().logHyperparameters(run.id, { optimizer: { name: 'sgd', momentum: 0.95 } }), ConflictError);
      await expectRejection(db().logHyperparameters(run.id, { lr: '0.01' }), ConflictError);
      // The conflicting call stored nothing, not even its new 'epochs'.
      expect(await db().getHyperparameters(run.id)).toEqual({ lr: 0.01, optimizer: { name: 'sgd', momentum: 0.9 } });
    });

    it('rejects unknown runs, non-finite numbers and over-long names', async () => {
      await expectRejection(db().logHyperparameters(987_654, { lr: 1 }), NotFoundError, { field: 'runId' });
      await expectRejection(db().getHyperparameters(987_654), NotFoundError);
      const run = await db().createTrainingRun();
      await expectRejection(db().logHyperparameters(run.id, { lr: Number.POSITIVE_INFINITY }), ValidationError);
      await expectRejection(db().logHyperparameters(run.id, { ['p'.repeat(251)]: 1 }), ValidationError, { message: /250/ });
      expect(await db().getHyperparameters(run.id)).toEqual({});
    });
  });
}
