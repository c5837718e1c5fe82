import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createAiDatabase, createRunLogger, ValidationError, type AiDatabase } from '../../src/index.js';
import { sqlTarget, useDatabase } from '../support/fixtures.js';
import { testBackends } from '../support/backends.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const exitChild = path.join(here, 'fixtures', 'exit-child.ts');

/** Runs the exit fixture against `url` and resolves with how the child ended. */
function runExitChild(url: string, runId: number, points: number, mode: 'beforeExit' | 'signal') {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', exitChild, url, String(runId), String(points), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('acknowledged')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** A real database whose `logMetrics` commits and then reports a failure once, like a lost reply. */
function losingFirstReply(db: AiDatabase): AiDatabase {
  let failed = false;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'logMetrics') {
        return async (...args: Parameters<AiDatabase['logMetrics']>) => {
          const result = await target.logMetrics(...args);
          if (!failed) {
            failed = true;
            throw new Error('connection reset after commit');
          }
          return result;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe.each(testBackends())('run logger on $name', (backend) => {
  const db = useDatabase(sqlTarget(backend));

  it('writes every logged point, with the summary, once closed', async () => {
    const run = await db().createTrainingRun({ name: 'loop' });
    const logger = createRunLogger(db(), run.id, { flushEvery: 64, flushIntervalMs: 0 });
    for (let step = 0; step < 500; step++) {
      await logger.log('loss', 10 - step / 100, { step, epoch: Math.floor(step / 100) });
      await logger.log('accuracy', step / 500, { step });
    }
    await logger.close();
    const points = await db().getMetrics(run.id, { name: 'loss' });
    expect(points).toHaveLength(500);
    expect(points[499]).toMatchObject({ name: 'loss', step: 499, value: 5.01, epoch: 4 });
    const summaries = await db().getMetricSummaries(run.id);
    expect(summaries.map((summary) => [summary.name, summary.count, summary.lastStep])).toEqual([
      ['accuracy', 500, 499],
      ['loss', 500, 499],
    ]);
    expect(logger.stats()).toMatchObject({ logged: 1000, written: 1000, pending: 0 });
  });

  it('continues a series past its stored steps when steps are omitted', async () => {
    const run = await db().createTrainingRun({ name: 'resumed' });
    await db().logMetrics(run.id, [0, 1, 2].map((step) => ({ name: 'loss', value: step, step })));
    const logger = createRunLogger(db(), run.id, { flushIntervalMs: 0 });
    await logger.log('loss', 30);
    await logger.log('loss', 40);
    await logger.log('lr', 0.1);
    await logger.close();
    const points = await db().getMetrics(run.id);
    expect(points.map((point) => [point.name, point.step, point.value])).toEqual([
      ['loss', 0, 0],
      ['loss', 1, 1],
      ['loss', 2, 2],
      ['loss', 3, 30],
      ['loss', 4, 40],
      ['lr', 0, 0.1],
    ]);
  });

  it('flushes by itself once flushEvery points are buffered', async () => {
    const run = await db().createTrainingRun({ name: 'by-count' });
    const logger = createRunLogger(db(), run.id, { flushEvery: 10, flushIntervalMs: 0 });
    for (let step = 0; step < 10; step++) await logger.log('loss', step, { step });
    await vi.waitFor(async () => expect(await db().getMetrics(run.id)).toHaveLength(10), { timeout: 10_000 });
    await logger.close();
  });

  it('flushes by itself after flushIntervalMs', async () => {
    const run = await db().createTrainingRun({ name: 'by-time' });
    const logger = createRunLogger(db(), run.id, { flushEvery: 1000, flushIntervalMs: 20 });
    await logger.log('loss', 1, { step: 0 });
    await vi.waitFor(async () => expect(await db().getMetrics(run.id)).toHaveLength(1), { timeout: 10_000 });
    await logger.close();
  });

  it('retries a batch whose reply was lost without duplicating or shifting points', async () => {
    const run = await db().createTrainingRun({ name: 'retry' });
    const logger = createRunLogger(losingFirstReply(db()), run.id, { flushEvery: 1000, flushIntervalMs: 0 });
    for (let index = 0; index < 5; index++) await logger.log('loss', index);
    await expect(logger.flush()).rejects.toThrow('connection reset after commit');
    expect(logger.stats()).toMatchObject({ pending: 5, failedFlushes: 1 });
    await logger.log('loss', 5);
    await logger.close();
    const points = await db().getMetrics(run.id);
    expect(points.map((point) => [point.step, point.value])).toEqual([0, 1, 2, 3, 4, 5].map((step) => [step, step]));
    const [summary] = await db().getMetricSummaries(run.id);
    expect(summary).toMatchObject({ count: 6, lastStep: 5, lastValue: 5, min: 0, max: 5 });
  });

  it('stores what log() was given: trimmed names, steps, epochs and times as Date or epoch ms', async () => {
    const run = await db().createTrainingRun({ name: 'options' });
    const logger = createRunLogger(db(), run.id, { flushIntervalMs: 0 });
    await logger.log(' loss ', 0.5, { step: 3, epoch: 1, timestamp: new Date(1_700_000_000_000) });
    await logger.log('loss', 0.25, { step: 4, timestamp: 1_700_000_000_500 });
    await logger.log('lr', 0.1);
    await logger.close();
    const points = await db().getMetrics(run.id);
    expect(points.map(({ name, step, value, epoch, timestamp }) => [name, step, value, epoch, timestamp.getTime()])).toEqual([
      ['loss', 3, 0.5, 1, 1_700_000_000_000],
      ['loss', 4, 0.25, null, 1_700_000_000_500],
      ['lr', 0, 0.1, null, points[2]!.timestamp.getTime()],
    ]);
  });

  it('rejects a bad point at log time, naming the field, and refuses points once closed', async () => {
    const run = await db().createTrainingRun({ name: 'invalid' });
    const logger = createRunLogger(db(), run.id, { flushIntervalMs: 0 });
    const bad = logger.log('loss', 'high' as unknown as number);
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    await expect(bad).rejects.toMatchObject({ field: 'point.value' });
    await expect(logger.log('loss', 1, { step: 0.5 })).rejects.toMatchObject({ field: 'point.step' });
    await expect(logger.log('loss', 1, { stepp: 3 } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(logger.log(' ', 1)).rejects.toMatchObject({ field: 'point.name' });
    await logger.close();
    await expect(logger.log('loss', 1)).rejects.toBeInstanceOf(ValidationError);
    expect(await db().getMetrics(run.id)).toEqual([]);
  });

  it('surfaces a database failure from flush and from log once maxPending is reached', async () => {
    const logger = createRunLogger(db(), 987_654_321, { flushEvery: 2, maxPending: 4, flushIntervalMs: 0, onError: () => undefined });
    await expect(
      (async () => {
        for (let step = 0; step < 10; step++) await logger.log('loss', step, { step });
      })(),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(logger.flush()).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('writes acknowledged points when the process is stopped by SIGTERM without close()', async () => {
    const provisioned = await backend.provision();
    try {
      const setup = await createAiDatabase({ url: provisioned.url });
      const run = await setup.createTrainingRun({ name: 'signal' });
      await setup.close();
      // In-memory SQLite is private to one process; the child needs a database both can see.
      if (provisioned.url === 'sqlite::memory:') return;
      const ended = await runExitChild(provisioned.url, run.id, 2000, 'signal');
      expect(ended.stderr).toBe('');
      expect(ended.signal).toBe('SIGTERM');
      const check = await createAiDatabase({ url: provisioned.url });
      expect(await check.getMetrics(run.id)).toHaveLength(2000);
      await check.close();
    } finally {
      await provisioned.drop();
    }
  });
});

describe.each(testBackends().filter((backend) => backend.name === 'sqlite-file'))('run logger exit on $name', (backend) => {
  it('writes acknowledged points when a script ends without close()', async () => {
    const provisioned = await backend.provision();
    try {
      const setup = await createAiDatabase({ url: provisioned.url });
      const run = await setup.createTrainingRun({ name: 'forgot-close' });
      await setup.close();
      const ended = await runExitChild(provisioned.url, run.id, 3000, 'beforeExit');
      expect(ended).toMatchObject({ code: 0, stderr: '' });
      const check = await createAiDatabase({ url: provisioned.url });
      expect(await check.getMetrics(run.id)).toHaveLength(3000);
      await check.close();
    } finally {
      await provisioned.drop();
    }
  });
});
