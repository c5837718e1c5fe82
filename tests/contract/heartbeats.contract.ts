/**
 * Runs that tell the truth (docs/decisions/1200-heartbeats-and-lost-runs.md): a running run lives by
 * its heartbeat; silent past its window it is lost, and the first read after that ends it `failed`
 * once, whoever reads it. The store's clock is moved by hand, so nothing here sleeps.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection } from './expectations.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0, 0);
const MINUTE = 60_000;

export function defineHeartbeatsContract(target: ContractTarget): void {
  describe(`${target.label}: heartbeats and lost runs`, () => {
    let clock = T0;
    const db = useDatabase(target, { now: () => clock });

    it('starts a heartbeat with the run and keeps it alive on heartbeats, metrics and parameters', async () => {
      clock = T0;
      const run = await db().createTrainingRun({ name: 'alive', heartbeatTimeoutMs: 5 * MINUTE });
      expect(run.heartbeatAt).toEqual(new Date(T0));
      expect(run.heartbeatTimeoutMs).toBe(5 * MINUTE);
      clock = T0 + 4 * MINUTE;
      expect((await db().heartbeat(run.id)).heartbeatAt).toEqual(new Date(clock));
      clock = T0 + 8 * MINUTE;
      await db().logMetrics(run.id, [{ name: 'loss', value: 1, step: 1 }]);
      expect((await db().getTrainingRun(run.id)).heartbeatAt).toEqual(new Date(clock));
      clock = T0 + 12 * MINUTE;
      await db().logHyperparameters(run.id, { lr: 0.1 });
      clock = T0 + 16 * MINUTE;
      const read = await db().getTrainingRun(run.id);
      expect(read).toMatchObject({ status: 'running', error: null });
      expect(read.heartbeatAt).toEqual(new Date(T0 + 12 * MINUTE));
    });

    it('ends a silent run failed, once, with the time of its last sign of life', async () => {
      clock = T0;
      const run = await db().createTrainingRun({ name: 'crashed', heartbeatTimeoutMs: MINUTE });
      clock = T0 + 30_000;
      await db().heartbeat(run.id);
      clock = T0 + 30_000 + MINUTE; // exactly at the deadline: not yet lost
      expect((await db().getTrainingRun(run.id)).status).toBe('running');
      clock = T0 + 30_000 + MINUTE + 1;
      // Many readers at once agree on one outcome.
      const reads = await Promise.all(Array.from({ length: 6 }, () => db().getTrainingRun(run.id)));
      for (const read of reads) {
        expect(read).toMatchObject({
          status: 'failed',
          error: `heartbeat lost at ${new Date(T0 + 30_000).toISOString()} (no sign of life for 1 min)`,
          durationMs: 30_000,
        });
        expect(read.endedAt).toEqual(new Date(T0 + 30_000));
        expect(read.updatedAt).toEqual(reads[0]!.updatedAt);
      }
      // A heartbeat after the verdict changes nothing and tells the logger what happened.
      clock += MINUTE;
      const late = await db().heartbeat(run.id);
      expect(late).toMatchObject({ status: 'failed', durationMs: 30_000 });
      expect(late.updatedAt).toEqual(reads[0]!.updatedAt);
    });

    it('shows lost runs as failed in lists, searches and statistics', async () => {
      clock = T0;
      const lost = await db().createTrainingRun({ name: 'listed-lost', heartbeatTimeoutMs: MINUTE });
      const kept = await db().createTrainingRun({ name: 'listed-kept', heartbeatTimeoutMs: 10 * MINUTE });
      const never = await db().createTrainingRun({ name: 'listed-never', heartbeatTimeoutMs: null });
      expect(never.heartbeatTimeoutMs).toBeNull();
      clock = T0 + 2 * MINUTE;
      const listed = (await db().listTrainingRuns({ limit: 1000 })).items;
      const status = (id: number) => listed.find((item) => item.id === id)?.status;
      expect([status(lost.id), status(kept.id), status(never.id)]).toEqual(['failed', 'running', 'running']);
      clock = T0 + 20 * MINUTE;
      const found = await db().searchRuns(`status = 'running'`, { limit: 1000 });
      expect(found.items.map((item) => item.id)).toContain(never.id);
      expect(found.items.map((item) => item.id)).not.toContain(kept.id);
    });

    it('ends many lost runs in one read, each with its own last sign of life, and leaves live ones running', async () => {
      clock = T0;
      const runs = [];
      for (let index = 0; index < 24; index++) {
        clock = T0 + index * 1_000;
        runs.push(await db().createTrainingRun({ name: `batch-lost-${index}`, heartbeatTimeoutMs: (1 + (index % 3)) * MINUTE }));
      }
      // Every other run showed a sign of life later, at a time of its own.
      for (let index = 0; index < runs.length; index += 2) {
        clock = T0 + 30_000 + index * 1_000;
        await db().heartbeat(runs[index]!.id);
      }
      clock = T0 + 40_000;
      const alive = await db().createTrainingRun({ name: 'batch-alive', heartbeatTimeoutMs: 60 * MINUTE });
      clock = T0 + 10 * MINUTE;
      const listed = (await db().listTrainingRuns({ limit: 1000 })).items;
      for (const [index, run] of runs.entries()) {
        const lastSign = index % 2 === 0 ? T0 + 30_000 + index * 1_000 : T0 + index * 1_000;
        const read = listed.find((item) => item.id === run.id);
        expect(read, `run ${index}`).toMatchObject({
          status: 'failed',
          error: `heartbeat lost at ${new Date(lastSign).toISOString()} (no sign of life for ${1 + (index % 3)} min)`,
          durationMs: lastSign - (T0 + index * 1_000),
        });
        expect(read!.endedAt).toEqual(new Date(lastSign));
      }
      expect(listed.find((item) => item.id === alive.id)?.status).toBe('running');
    });

    it('ends a run normally when it reports before anyone reads it as lost', async () => {
      clock = T0;
      const run = await db().createTrainingRun({ heartbeatTimeoutMs: MINUTE });
      clock = T0 + 5 * MINUTE; // past the deadline, but nobody has looked
      const done = await db().updateTrainingRun(run.id, { status: 'completed' });
      expect(done).toMatchObject({ status: 'completed', error: null, durationMs: 5 * MINUTE });
      clock = T0 + 10 * MINUTE;
      expect((await db().getTrainingRun(run.id)).status).toBe('completed');
    });

    it('starts the heartbeat of a queued run when it starts running', async () => {
      clock = T0;
      const queued = await db().createTrainingRun({ status: 'queued', heartbeatTimeoutMs: MINUTE });
      expect(queued.heartbeatAt).toBeNull();
      clock = T0 + 10 * MINUTE; // a queue may wait as long as it likes
      expect((await db().getTrainingRun(queued.id)).status).toBe('queued');
      const started = await db().updateTrainingRun(queued.id, { status: 'running' });
      expect(started.heartbeatAt).toEqual(new Date(clock));
      clock += 2 * MINUTE;
      expect((await db().getTrainingRun(queued.id)).status).toBe('failed');
    });

    it('validates the window and the times a caller gives', async () => {
      await expectRejection(db().createTrainingRun({ heartbeatTimeoutMs: 0 }), ValidationError, {
        field: 'trainingRun.heartbeatTimeoutMs',
      });
      clock = T0;
      const run = await db().createTrainingRun({ startedAt: T0 - MINUTE });
      await expectRejection(db().updateTrainingRun(run.id, { status: 'completed', endedAt: T0 - 2 * MINUTE }), ValidationError, {
        field: 'trainingRun.endedAt',
      });
      expect((await db().getTrainingRun(run.id)).status).toBe('running');
    });
  });
}
