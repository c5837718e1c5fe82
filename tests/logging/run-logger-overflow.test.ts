/**
 * The run logger while its database is unavailable (issue #25), one overflow policy at a time, over
 * a real database whose metric calls fail with a BackendError while `down` is set (as an unreachable
 * server or a lost connection does). The real kill-and-restart tests are in outage.test.ts.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, ValidationError, createRunLogger, type AiDatabase } from '../../src/index.js';
import { spillFilePath } from '../../src/logging/spill-file.js';
import { sqlTarget, useDatabase } from '../support/fixtures.js';
import { testBackends } from '../support/backends.js';

/** The real database, except that metric writes and reads fail as unreachable while `down` is true. */
function switchable(db: AiDatabase) {
  const state = { down: true, calls: 0 };
  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'logMetrics' || property === 'getMetricSummaries') {
        return async (...args: unknown[]) => {
          state.calls += 1;
          if (state.down) throw new BackendError('aimdb server at http://127.0.0.1:1/api/v1 could not be reached (ECONNREFUSED)');
          return (target[property] as (...inner: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...inner: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: wrapped, state };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryFast = { retryDelayMs: 5, maxRetryDelayMs: 20, flushIntervalMs: 0 } as const;

describe.each(testBackends())('run logger during an outage on $name', (backend) => {
  const db = useDatabase(sqlTarget(backend));
  const spillDir = mkdtempSync(path.join(tmpdir(), 'aimdb-spill-'));
  afterAll(() => rmSync(spillDir, { recursive: true, force: true }));

  it('block (the SQL default): log() waits through the outage, never throws, and delivers in order', async () => {
    const run = await db().createTrainingRun({ name: 'block' });
    const { db: flaky, state } = switchable(db());
    const errors: unknown[] = [];
    const logger = createRunLogger(flaky, run.id, { ...retryFast, flushEvery: 10, maxPending: 30, spillDir, onError: (error) => errors.push(error) });
    // Bad input is still refused at once, outage or not.
    await expect(logger.log('loss', 'high' as unknown as number)).rejects.toBeInstanceOf(ValidationError);
    const upAgain = sleep(300).then(() => {
      const during = logger.stats();
      state.down = false;
      return during;
    });
    let exceptions = 0;
    for (let index = 0; index < 100; index++) await logger.log('loss', index).catch(() => (exceptions += 1));
    const during = await upAgain;
    expect(during).toMatchObject({ unavailable: true, written: 0 });
    expect(during.inMemory).toBeLessThanOrEqual(30);
    expect(await logger.close()).toEqual({ delivered: true, undelivered: 0 });
    expect(exceptions).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => error instanceof BackendError)).toBe(true);
    expect(logger.stats()).toMatchObject({ logged: 100, written: 100, pending: 0, unavailable: false });
    const points = await db().getMetrics(run.id);
    expect(points.map((point) => [point.step, point.value])).toEqual(Array.from({ length: 100 }, (_unused, index) => [index, index]));
    expect(existsSync(spillFilePath(spillDir, run.id))).toBe(false);
  });

  it('drop-oldest: keeps memory within maxPending, drops whole oldest batches and counts them', async () => {
    const run = await db().createTrainingRun({ name: 'drop-oldest' });
    const { db: flaky, state } = switchable(db());
    const logger = createRunLogger(flaky, run.id, { ...retryFast, flushEvery: 10, maxPending: 30, overflow: 'drop-oldest', spillDir });
    let peak = 0;
    for (let step = 0; step < 100; step++) {
      await logger.log('loss', step, { step });
      peak = Math.max(peak, logger.stats().inMemory);
    }
    expect(peak).toBeLessThanOrEqual(30);
    state.down = false;
    await logger.close();
    const { dropped, written, logged } = logger.stats();
    expect(dropped).toBeGreaterThanOrEqual(70 - 10);
    expect(written + dropped).toBe(logged);
    const steps = (await db().getMetrics(run.id)).map((point) => point.step);
    expect(steps).toHaveLength(written);
    // The newest points survive.
    expect(steps.slice(-20)).toEqual(Array.from({ length: 20 }, (_unused, index) => 80 + index));
  });

  it('spill: close() gives up after closeTimeoutMs, names the spill file, and the next logger of the run delivers it first', async () => {
    const run = await db().createTrainingRun({ name: 'spill-on-close' });
    const { db: flaky, state } = switchable(db());
    const errors: unknown[] = [];
    const logger = createRunLogger(flaky, run.id, {
      ...retryFast,
      flushEvery: 10,
      overflow: 'spill',
      spillDir,
      closeTimeoutMs: 200,
      onError: (error) => errors.push(error),
    });
    for (let index = 0; index < 45; index++) await logger.log('loss', index);
    const started = Date.now();
    const closed = await logger.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    const file = spillFilePath(spillDir, run.id);
    expect(closed).toEqual({ delivered: false, undelivered: 45, spillFile: file });
    expect(String((errors.at(-1) as Error).message)).toContain(file);
    expect(existsSync(file)).toBe(true);
    // A crash while appending leaves a torn last line: it is dropped, the batches before it are kept.
    appendFileSync(file, '{"id":"torn","receipt":false,"points":[["loss",1');

    state.down = false;
    const next = createRunLogger(flaky, run.id, { ...retryFast, flushEvery: 10, overflow: 'spill', spillDir });
    expect(next.stats()).toMatchObject({ pending: 45, spilled: 45 });
    for (let index = 45; index < 60; index++) await next.log('loss', index);
    expect(await next.close()).toEqual({ delivered: true, undelivered: 0 });
    const points = await db().getMetrics(run.id);
    expect(points.map((point) => [point.step, point.value])).toEqual(Array.from({ length: 60 }, (_unused, index) => [index, index]));
    expect(existsSync(file)).toBe(false);
  });
});
