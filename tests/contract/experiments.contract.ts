/** Experiments: unique names, idempotent membership in order of addition, cascades both ways. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectId, expectRejection, uniqueName } from './expectations.js';

export function defineExperimentsContract(target: ContractTarget): void {
  describe(`${target.label}: experiments`, () => {
    const db = useDatabase(target);

    it('creates, reads by id and name, updates and deletes an experiment', async () => {
      const name = uniqueName('ablation');
      const created = await db().createExperiment({ name, description: 'drop one block at a time', hypothesis: 'block 3 matters', tags: { owner: 'ana' } });
      expectId(created.id);
      expectDate(created.createdAt);
      expect(created).toMatchObject({ name, status: 'active', hypothesis: 'block 3 matters', tags: { owner: 'ana' } });
      expect(await db().getExperiment(name)).toEqual(created);
      expect(await db().getExperiment(created.id)).toEqual(created);
      const finished = await db().updateExperiment(name, { status: 'completed', description: null });
      expect(finished).toMatchObject({ id: created.id, status: 'completed', description: null });
      await expectRejection(db().updateExperiment(created.id, { status: 'paused' as never }), ValidationError, { field: 'experiment.status' });
      await expectRejection(db().createExperiment({ name }), ConflictError, { field: 'name' });
      await db().deleteExperiment(created.id);
      await expectRejection(db().getExperiment(name), NotFoundError);
      await expectRejection(db().deleteExperiment(name), NotFoundError);
    });

    it('adds runs idempotently, keeps the order they were added, and removes them', async () => {
      const experiment = await db().createExperiment({ name: uniqueName('members') });
      const runs = [await db().createTrainingRun({ name: 'c' }), await db().createTrainingRun({ name: 'a' }), await db().createTrainingRun({ name: 'b' })];
      await db().addExperimentRun(experiment.id, runs[2]!.id);
      await db().addExperimentRun(experiment.id, runs[0]!.id);
      await db().addExperimentRun(experiment.id, runs[1]!.id);
      const firstAdded = (await db().getExperimentRuns(experiment.id)).find((run) => run.id === runs[2]!.id)!.addedAt;
      await db().addExperimentRun(experiment.id, runs[2]!.id);
      const members = await db().getExperimentRuns(experiment.id);
      expect(members.map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
      // Oldest membership first; within one millisecond, by run id.
      const order = [...members].sort((a, b) => a.addedAt.getTime() - b.addedAt.getTime() || a.id - b.id);
      expect(members.map((run) => run.id)).toEqual(order.map((run) => run.id));
      const added = members.find((run) => run.id === runs[2]!.id)!;
      expect(added.addedAt).toEqual(firstAdded);
      expect(added).toMatchObject({ name: 'b', status: 'running' });
      expectDate(added.startedAt);

      await db().removeExperimentRun(experiment.id, runs[0]!.id);
      expect((await db().getExperimentRuns(experiment.id)).map((run) => run.id)).toEqual(
        members.map((run) => run.id).filter((id) => id !== runs[0]!.id),
      );
      await expectRejection(db().removeExperimentRun(experiment.id, runs[0]!.id), NotFoundError);
      // The run itself is untouched.
      expect((await db().getTrainingRun(runs[0]!.id)).id).toBe(runs[0]!.id);
    });

    it('refuses memberships of missing experiments or runs', async () => {
      const experiment = await db().createExperiment({ name: uniqueName('strict') });
      const run = await db().createTrainingRun();
      await expectRejection(db().addExperimentRun(experiment.id, 987_654), NotFoundError, { field: 'runId' });
      await expectRejection(db().addExperimentRun(987_654, run.id), NotFoundError, { field: 'experimentId' });
      await expectRejection(db().getExperimentRuns(987_654), NotFoundError);
      expect(await db().getExperimentRuns(experiment.id)).toEqual([]);
    });

    it('deleting an experiment keeps its runs; lists filter by status and name in pages', async () => {
      const prefix = uniqueName('Study');
      const kept = await db().createTrainingRun();
      const doomed = await db().createExperiment({ name: `${prefix}-doomed` });
      await db().addExperimentRun(doomed.id, kept.id);
      await db().deleteExperiment(doomed.id);
      expect((await db().getTrainingRun(kept.id)).id).toBe(kept.id);
      expect((await db().listTrainingRuns({ experimentId: doomed.id })).items).toEqual([]);

      const ids: number[] = [];
      for (let index = 0; index < 5; index++) {
        ids.push((await db().createExperiment({ name: `${prefix}-${index}`, status: index % 2 === 0 ? 'active' : 'archived' })).id);
      }
      const page1 = await db().listExperiments({ nameContains: prefix.toUpperCase(), limit: 3 });
      expect(page1.items.map((experiment) => experiment.id)).toEqual([ids[4], ids[3], ids[2]]);
      const page2 = await db().listExperiments({ nameContains: prefix, limit: 3, cursor: page1.nextCursor });
      expect(page2.items.map((experiment) => experiment.id)).toEqual([ids[1], ids[0]]);
      expect(page2.nextCursor).toBeNull();
      expect((await db().listExperiments({ nameContains: prefix, status: 'archived' })).items.map((experiment) => experiment.id)).toEqual([ids[3], ids[1]]);
    });
  });
}
