/**
 * What tracking clients such as MLflow's rely on, for every caller: soft delete and restore of runs
 * and experiments, run times given by the caller, a run created inside an experiment, experiment
 * memberships by run, model aliases, stage changes that archive the previous
 * holder, and several values logged at one metric step (decision 0901).
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectRejection, uniqueName } from './expectations.js';

export function defineLifecycleAndRegistryContract(target: ContractTarget): void {
  describe(`${target.label}: lifecycle and registry`, () => {
    const db = useDatabase(target);

    it('soft-deletes a run, hides it from lists unless asked, and restores it with its data', async () => {
      const run = await db().createTrainingRun({ name: uniqueName('soft') });
      await db().logMetrics(run.id, [{ name: 'loss', value: 0.5, step: 1 }]);
      expect(run.deletedAt).toBeNull();
      const deleted = await db().updateTrainingRun(run.id, { deleted: true });
      expectDate(deleted.deletedAt);
      const ids = async (view?: 'active' | 'deleted' | 'all') =>
        (await db().listTrainingRuns({ limit: 10_000, ...(view === undefined ? {} : { view }) })).items.map((item) => item.id);
      expect(await ids()).not.toContain(run.id);
      expect(await ids('deleted')).toContain(run.id);
      expect(await ids('all')).toContain(run.id);
      // Deleting again keeps the first deletion time; the run still reads by id.
      expect((await db().updateTrainingRun(run.id, { deleted: true })).deletedAt).toEqual(deleted.deletedAt);
      expect((await db().getTrainingRun(run.id)).deletedAt).toEqual(deleted.deletedAt);
      const restored = await db().updateTrainingRun(run.id, { deleted: false });
      expect(restored.deletedAt).toBeNull();
      expect(await ids()).toContain(run.id);
      expect(await ids('deleted')).not.toContain(run.id);
      expect((await db().getMetrics(run.id)).map((point) => point.value)).toEqual([0.5]);
    });

    it('soft-deletes and restores an experiment, and keeps its artifact location', async () => {
      const name = uniqueName('soft-exp');
      const experiment = await db().createExperiment({ name, artifactLocation: 's3://bucket/exp' });
      expect(experiment).toMatchObject({ artifactLocation: 's3://bucket/exp', deletedAt: null });
      const deleted = await db().updateExperiment(name, { deleted: true });
      expectDate(deleted.deletedAt);
      const names = async (view?: 'active' | 'deleted' | 'all') =>
        (await db().listExperiments({ limit: 10_000, ...(view === undefined ? {} : { view }) })).items.map((item) => item.name);
      expect(await names()).not.toContain(name);
      expect(await names('deleted')).toContain(name);
      expect(await names('all')).toContain(name);
      expect((await db().updateExperiment(experiment.id, { deleted: false })).deletedAt).toBeNull();
      expect(await names()).toContain(name);
      expect((await db().updateExperiment(experiment.id, { artifactLocation: null })).artifactLocation).toBeNull();
    });

    it('soft-deletes and restores models and versions, hidden from lists and search meanwhile', async () => {
      const name = uniqueName('softmodel');
      const model = await db().createModel({ name, description: 'zebrafish segmenter' });
      const v1 = await db().createModelVersion({ modelId: model.id });
      const v2 = await db().createModelVersion({ modelId: model.id });
      expect(model.deletedAt).toBeNull();
      const hits = async () => (await db().searchText('zebrafish')).filter((hit) => hit.entity === 'model').map((hit) => hit.id);
      expect(await hits()).toContain(model.id);
      const deleted = await db().updateModel(name, { deleted: true });
      expectDate(deleted.deletedAt);
      const names = async (view?: 'active' | 'deleted' | 'all') =>
        (await db().listModels({ limit: 10_000, ...(view === undefined ? {} : { view }) })).items.map((item) => item.name);
      expect(await names()).not.toContain(name);
      expect(await names('deleted')).toContain(name);
      expect(await names('all')).toContain(name);
      expect(await hits()).not.toContain(model.id);
      expect((await db().updateModel(model.id, { deleted: true })).deletedAt).toEqual(deleted.deletedAt);
      expect((await db().getModel(name)).deletedAt).toEqual(deleted.deletedAt);
      expect((await db().updateModel(model.id, { deleted: false })).deletedAt).toBeNull();
      expect(await names()).toContain(name);
      expect(await hits()).toContain(model.id);

      const gone = await db().updateModelVersion(v1.id, { deleted: true });
      expectDate(gone.deletedAt);
      const versions = async (view?: 'active' | 'deleted' | 'all') =>
        (await db().getModelVersions(model.id, view === undefined ? {} : { view })).map((version) => version.version);
      expect(await versions()).toEqual([2]);
      expect(await versions('deleted')).toEqual([1]);
      expect(await versions('all')).toEqual([1, 2]);
      expect((await db().getModelVersion(v1.id)).deletedAt).toEqual(gone.deletedAt);
      expect((await db().updateModelVersion(v1.id, { deleted: false })).deletedAt).toBeNull();
      expect(await versions()).toEqual([1, 2]);
      expect(v2.deletedAt).toBeNull();
    });

    it('hides soft-deleted runs and experiments from text search until restored', async () => {
      const run = await db().createTrainingRun({ name: 'quokka-run' });
      const experiment = await db().createExperiment({ name: uniqueName('quokka') });
      const hits = async () => (await db().searchText('quokka')).map((hit) => `${hit.entity}:${hit.id}`);
      expect(await hits()).toEqual(expect.arrayContaining([`run:${run.id}`, `experiment:${experiment.id}`]));
      await db().updateTrainingRun(run.id, { deleted: true });
      await db().updateExperiment(experiment.id, { deleted: true });
      expect(await hits()).not.toContain(`run:${run.id}`);
      expect(await hits()).not.toContain(`experiment:${experiment.id}`);
      await db().updateTrainingRun(run.id, { deleted: false });
      await db().updateExperiment(experiment.id, { deleted: false });
      expect(await hits()).toEqual(expect.arrayContaining([`run:${run.id}`, `experiment:${experiment.id}`]));
    });

    it('takes start and end times from the caller and keeps the duration consistent', async () => {
      const run = await db().createTrainingRun({ startedAt: 456 });
      expect(run.startedAt).toEqual(new Date(456));
      await expectRejection(db().updateTrainingRun(run.id, { endedAt: 1_000 }), ValidationError, { field: 'trainingRun.endedAt' });
      const ended = await db().updateTrainingRun(run.id, { status: 'completed', endedAt: 1_456 });
      expect(ended).toMatchObject({ status: 'completed', durationMs: 1_000 });
      expect(ended.endedAt).toEqual(new Date(1_456));
      const moved = await db().updateTrainingRun(run.id, { startedAt: 1_000 });
      expect(moved).toMatchObject({ durationMs: 456 });
      await expectRejection(db().updateTrainingRun(run.id, { status: 'running' }), IllegalTransitionError);
      // Without times, the store's clock: a running run has started, a finished one has ended.
      const timed = await db().createTrainingRun();
      expectDate(timed.startedAt);
      expectDate((await db().updateTrainingRun(timed.id, { status: 'failed' })).endedAt);
    });

    it('creates a run inside an experiment and answers memberships by run', async () => {
      const first = await db().createExperiment({ name: uniqueName('home') });
      const second = await db().createExperiment({ name: uniqueName('other') });
      const run = await db().createTrainingRun({ experimentId: first.id });
      const loose = await db().createTrainingRun();
      expect((await db().getExperimentRuns(first.id)).map((member) => member.id)).toEqual([run.id]);
      await db().addExperimentRun(second.id, run.id);
      const memberships = await db().getExperimentMemberships([loose.id, run.id]);
      expect(memberships.map(({ runId, experimentId }) => ({ runId, experimentId }))).toEqual([
        { runId: run.id, experimentId: first.id },
        { runId: run.id, experimentId: second.id },
      ]);
      expectDate(memberships[0]!.addedAt);
      expect(await db().getExperimentMemberships([])).toEqual([]);
      expect(await db().getTrainingRun(run.id)).toEqual(run);
      const orphan = uniqueName('orphan');
      await expectRejection(db().createTrainingRun({ name: orphan, experimentId: 987_654 }), NotFoundError, { field: 'experimentId' });
      // The run row is written before the membership that fails: it must roll back with it.
      expect((await db().listTrainingRuns({ nameContains: orphan })).items).toEqual([]);
    });

    it('points aliases at versions, moves them, and drops them with their version', async () => {
      const model = await db().createModel({ name: uniqueName('aliased') });
      expect(model.aliases).toEqual({});
      const v1 = await db().createModelVersion({ modelId: model.id });
      const v2 = await db().createModelVersion({ modelId: model.id });
      expect((await db().setModelAlias(model.name, 'champion', 1)).aliases).toEqual({ champion: 1 });
      expect((await db().setModelAlias(model.id, 'champion', 2)).aliases).toEqual({ champion: 2 });
      await db().setModelAlias(model.id, 'challenger', 1);
      expect((await db().getModel(model.name)).aliases).toEqual({ champion: 2, challenger: 1 });
      const listed = (await db().listModels({ limit: 10_000 })).items.find((item) => item.id === model.id)!;
      expect(listed.aliases).toEqual({ champion: 2, challenger: 1 });
      await expectRejection(db().setModelAlias(model.id, 'ghost', 9), NotFoundError, { field: 'version' });
      await expectRejection(db().setModelAlias(model.id, 'latest', 1), ValidationError, { field: 'alias' });
      await expectRejection(db().setModelAlias(model.id, 'v3', 1), ValidationError, { field: 'alias' });
      expect((await db().deleteModelAlias(model.id, 'champion')).aliases).toEqual({ challenger: 1 });
      await expectRejection(db().deleteModelAlias(model.id, 'champion'), NotFoundError, { field: 'alias' });
      await db().deleteModelVersion(v1.id);
      expect((await db().getModel(model.id)).aliases).toEqual({});
      expect(v2.version).toBe(2);
    });

    it('archives the previous holder of a stage when asked, keeps it when asked, and refuses otherwise', async () => {
      const model = await db().createModel({ name: uniqueName('staged') });
      const versions = [];
      for (let index = 0; index < 3; index++) versions.push(await db().createModelVersion({ modelId: model.id }));
      const [v1, v2, v3] = versions as [(typeof versions)[0], (typeof versions)[0], (typeof versions)[0]];
      await db().updateModelVersion(v1.id, { status: 'production' });
      // A second production version only when the caller says so.
      await expectRejection(db().updateModelVersion(v2.id, { status: 'production' }), ConflictError, { field: 'status' });
      expect((await db().getModelVersion(v2.id)).status).toBe('none');
      await db().updateModelVersion(v2.id, { status: 'production', keepOthers: true });
      expect((await db().getModelVersion(v1.id)).status).toBe('production');
      await db().updateModelVersion(v3.id, { status: 'production', archiveOthers: true });
      const statuses = (await db().getModelVersions(model.id)).map((version) => version.status);
      expect(statuses).toEqual(['archived', 'archived', 'production']);
      // Staying put, and stages nobody holds alone, need nothing.
      await db().updateModelVersion(v3.id, { status: 'production' });
      await db().updateModelVersion(v1.id, { status: 'none' });
      // A stage change is news about the model.
      expect((await db().getModel(model.id)).updatedAt.getTime()).toBeGreaterThanOrEqual(v3.updatedAt.getTime());
    });

    it('refuses an edit made to an outdated copy with a ConflictError that says why (optimistic concurrency)', async () => {
      const run = await db().createTrainingRun({ name: 'edited' });
      const model = await db().createModel({ name: uniqueName('edited') });
      const version = await db().createModelVersion({ modelId: model.id });
      const dataset = await db().createDataset({ name: uniqueName('edited'), version: '1' });
      const experiment = await db().createExperiment({ name: uniqueName('edited') });
      // A first editor, with the copy it read: accepted.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const renamed = await db().updateTrainingRun(run.id, { name: 'first', expectedUpdatedAt: run.updatedAt });
      expect(renamed.name).toBe('first');
      // A second editor still holding the first copy: refused, and nothing changes.
      const stale = await expectRejection(db().updateTrainingRun(run.id, { notes: 'second', expectedUpdatedAt: run.updatedAt }), ConflictError, {
        field: 'expectedUpdatedAt',
      });
      expect(stale.message).toMatch(/was changed at .*reload/);
      expect((await db().getTrainingRun(run.id)).notes).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await db().updateModel(model.id, { description: 'new' });
      await expectRejection(db().updateModel(model.id, { description: 'old', expectedUpdatedAt: model.updatedAt }), ConflictError);
      await db().updateModelVersion(version.id, { description: 'new' });
      await expectRejection(db().updateModelVersion(version.id, { description: 'x', expectedUpdatedAt: version.updatedAt }), ConflictError);
      await db().updateDataset(dataset.id, { description: 'new' });
      await expectRejection(db().updateDataset(dataset.id, { description: 'x', expectedUpdatedAt: dataset.updatedAt }), ConflictError);
      await db().updateExperiment(experiment.id, { description: 'new' });
      await expectRejection(db().updateExperiment(experiment.id, { description: 'x', expectedUpdatedAt: experiment.updatedAt }), ConflictError);
      const current = await db().getModel(model.id);
      expect((await db().updateModel(model.id, { description: 'latest', expectedUpdatedAt: current.updatedAt })).description).toBe('latest');
    });

    it('answers the version an alias points at', async () => {
      const model = await db().createModel({ name: uniqueName('by-alias') });
      await db().createModelVersion({ modelId: model.id });
      const v2 = await db().createModelVersion({ modelId: model.id });
      await db().setModelAlias(model.name, 'champion', 2);
      expect(await db().getModelVersionByAlias(model.name, 'champion')).toEqual(v2);
      expect((await db().getModelVersionByAlias(model.id, 'champion')).id).toBe(v2.id);
      await expectRejection(db().getModelVersionByAlias(model.id, 'nobody'), NotFoundError, { field: 'alias' });
      await expectRejection(db().getModelVersionByAlias(model.id, 'latest'), ValidationError, { field: 'alias' });
    });

    it('logs every stage change and alias move of a model, newest first, with who did it', async () => {
      const model = await db().createModel({ name: uniqueName('logged') });
      const v1 = await db().createModelVersion({ modelId: model.id });
      const v2 = await db().createModelVersion({ modelId: model.id });
      await db().updateModelVersion(v1.id, { status: 'production', actor: 'ci' });
      await db().setModelAlias(model.id, 'champion', 1);
      await db().setModelAlias(model.id, 'champion', 1); // not a move
      await db().updateModelVersion(v2.id, { status: 'production', archiveOthers: true });
      await db().setModelAlias(model.id, 'champion', 2);
      await db().deleteModelAlias(model.id, 'champion');
      await db().updateModelVersion(v2.id, { description: 'not a registry event' });
      const page = await db().getRegistryEvents(model.name);
      const summary = page.items.map(({ kind, version, alias, from, to }) => ({ kind, version, alias, from, to }));
      expect(summary).toEqual([
        { kind: 'alias', version: 2, alias: 'champion', from: '2', to: null },
        { kind: 'alias', version: 2, alias: 'champion', from: '1', to: '2' },
        { kind: 'stage', version: 1, alias: null, from: 'production', to: 'archived' },
        { kind: 'stage', version: 2, alias: null, from: 'none', to: 'production' },
        { kind: 'alias', version: 1, alias: 'champion', from: null, to: '1' },
        { kind: 'stage', version: 1, alias: null, from: 'none', to: 'production' },
      ]);
      expect(page.items.every((event) => event.modelId === model.id && event.at instanceof Date)).toBe(true);
      // Over HTTP without tokens the server records what the client says; the library records it as given.
      expect(page.items.at(-1)!.actor).toBe('ci');
      const first = await db().getRegistryEvents(model.id, { limit: 4 });
      expect(first.items).toHaveLength(4);
      const rest = await db().getRegistryEvents(model.id, { limit: 4, cursor: first.nextCursor });
      expect([...first.items, ...rest.items].map((event) => event.id)).toEqual(page.items.map((event) => event.id));
    });

    it('never leaves two versions in production under 20 concurrent promoters', async () => {
      const model = await db().createModel({ name: uniqueName('raced') });
      const versions = [];
      for (let index = 0; index < 20; index++) versions.push(await db().createModelVersion({ modelId: model.id }));
      // Without archiveOthers: exactly one wins, the others are told why.
      const outcomes = await Promise.allSettled(versions.map((version) => db().updateModelVersion(version.id, { status: 'production' })));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConflictError);
      }
      const production = async () => (await db().getModelVersions(model.id, { status: 'production' })).map((version) => version.version);
      expect(await production()).toHaveLength(1);
      // With archiveOthers: every promotion succeeds, and one version holds production at the end.
      const archiving = await Promise.allSettled(
        versions.map((version) => db().updateModelVersion(version.id, { status: 'production', archiveOthers: true })),
      );
      expect(archiving.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      expect(await production()).toHaveLength(1);
      const events = await db().getRegistryEvents(model.id, { limit: 1000 });
      // Every change but the winner's own last one archived the previous holder: the log adds up.
      const toProduction = events.items.filter((event) => event.to === 'production').length;
      const toArchived = events.items.filter((event) => event.to === 'archived').length;
      expect(toProduction - toArchived).toBe(1);
    });

    it("keeps every distinct value of a step with sameStep 'keep', the latest timestamp winning", async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [{ name: 'acc', value: 10, step: 2, timestamp: 1 }], { sameStep: 'keep' });
      await db().logMetrics(
        run.id,
        [
          { name: 'acc', value: 11, step: 3, timestamp: 1 },
          { name: 'acc', value: 12, step: 3, timestamp: 1 },
          { name: 'acc', value: 12, step: 3, timestamp: 2 },
        ],
        { sameStep: 'keep' },
      );
      // A value logged earlier than the step's current one is kept without taking its place; an exact
      // repeat (a retried batch) is stored once.
      await db().logMetrics(run.id, [{ name: 'acc', value: 99, step: 3, timestamp: 0 }], { sameStep: 'keep' });
      await db().logMetrics(run.id, [{ name: 'acc', value: 11, step: 3, timestamp: 1 }], { sameStep: 'keep' });
      const current = await db().getMetrics(run.id, { name: 'acc' });
      expect(current.map(({ step, value }) => ({ step, value }))).toEqual([
        { step: 2, value: 10 },
        { step: 3, value: 12 },
      ]);
      expect(current[1]!.timestamp).toEqual(new Date(2));
      const all = await db().getMetrics(run.id, { name: 'acc', allValues: true });
      expect(all.map(({ step, value, timestamp }) => [step, timestamp.getTime(), value])).toEqual([
        [2, 1, 10],
        [3, 0, 99],
        [3, 1, 11],
        [3, 1, 12],
        [3, 2, 12],
      ]);
      expect(all.every((point) => point.name === 'acc' && point.runId === run.id)).toBe(true);
      expect((await db().getMetrics(run.id, { allValues: true, limit: 2 })).map((point) => point.value)).toEqual([10, 99]);
      // Summaries count steps, not values: one value per step is the series.
      const [summary] = await db().getMetricSummaries(run.id);
      expect(summary).toMatchObject({ name: 'acc', count: 2, lastValue: 12, lastStep: 3, min: 10, max: 12 });
      // The default still replaces.
      await db().logMetrics(run.id, [{ name: 'acc', value: 1, step: 3, timestamp: 5 }]);
      expect((await db().getMetrics(run.id, { name: 'acc' })).map((point) => point.value)).toEqual([10, 1]);
      await expectRejection(db().logMetrics(run.id, [], { sameStep: 'merge' as never }), ValidationError, { field: 'options.sameStep' });
    });

    it("keeps a rising batch with sameStep 'keep' as the series' values, and later values of its steps beside them", async () => {
      const run = await db().createTrainingRun();
      const batch = (value: number) => [0, 1, 2].flatMap((step) => [{ name: 'a', value: value + step, step, timestamp: value }, { name: 'b', value, step, timestamp: value }]);
      expect(await db().logMetrics(run.id, batch(10), { sameStep: 'keep' })).toEqual({ written: 6 });
      await db().logMetrics(run.id, batch(20), { sameStep: 'keep' });
      expect((await db().getMetrics(run.id, { name: 'a' })).map((point) => point.value)).toEqual([20, 21, 22]);
      const all = await db().getMetrics(run.id, { name: 'a', allValues: true });
      expect(all.map(({ step, value }) => [step, value])).toEqual([[0, 10], [0, 20], [1, 11], [1, 21], [2, 12], [2, 22]]);
      expect((await db().getMetricSummaries(run.id)).map(({ name, count, lastValue }) => ({ name, count, lastValue }))).toEqual([
        { name: 'a', count: 3, lastValue: 22 },
        { name: 'b', count: 3, lastValue: 20 },
      ]);
    });

    it('refuses metrics for a deleted run with activeRunOnly, storing nothing; by default a deleted run still takes them', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
      await db().updateTrainingRun(run.id, { deleted: true });
      const refused = { activeRunOnly: true, sameStep: 'keep' } as const;
      // One appended point (the short path) and a batch (the general path) alike.
      await expectRejection(db().logMetrics(run.id, [{ name: 'loss', value: 2, step: 1 }], refused), ConflictError, { field: 'runId' });
      await expectRejection(db().logMetrics(run.id, [{ name: 'new', value: 2, step: 0 }], { activeRunOnly: true }), ConflictError, { field: 'runId' });
      await expectRejection(
        db().logMetrics(run.id, [{ name: 'loss', value: 2, step: 1 }, { name: 'loss', value: 3, step: 2 }], refused),
        ConflictError,
        { field: 'runId' },
      );
      expect((await db().getMetrics(run.id, { allValues: true })).map((point) => point.value)).toEqual([1]);
      await expectRejection(db().logMetrics(run.id + 1_000_000, [{ name: 'loss', value: 2, step: 1 }], refused), NotFoundError);
      await db().logMetrics(run.id, [{ name: 'loss', value: 2, step: 1 }]);
      await db().updateTrainingRun(run.id, { deleted: false });
      await db().logMetrics(run.id, [{ name: 'loss', value: 3, step: 2 }], refused);
      expect((await db().getMetrics(run.id)).map((point) => point.value)).toEqual([1, 2, 3]);
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 3, lastValue: 3 });
    });
  });
}
