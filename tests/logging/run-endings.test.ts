/**
 * How a run logger's run ends (docs/decisions/1200-heartbeats-and-lost-runs.md): `killed` when the
 * process is stopped by a signal, `failed` with the error when it crashes, lost (and so `failed`)
 * when it dies without a word, `completed` on a clean close when asked. The processes are real
 * child processes on a SQLite file and on PostgreSQL, as training jobs would be.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAiDatabase, createRunLogger } from '../../src/index.js';
import { testBackends } from '../support/backends.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'fixtures', 'ending-child.ts');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the fixture; `onReady` is called once its points are acknowledged (mode `wait`). */
function runChild(url: string, runId: number, mode: 'throw' | 'wait', onReady?: (kill: (signal: NodeJS.Signals) => void) => void) {
  return new Promise<Ended>((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', child, url, String(runId), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process_.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('acknowledged')) onReady?.((signal) => process_.kill(signal));
    });
    process_.on('error', reject);
    process_.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const shared = testBackends().filter((backend) => backend.name === 'sqlite-file' || backend.name === 'postgresql');

describe.each(shared)('run endings on $name', (backend) => {
  it('ends the run killed when the process gets SIGTERM, after delivering its points', async () => {
    const provisioned = await backend.provision();
    try {
      const db = await createAiDatabase({ url: provisioned.url });
      const run = await db.createTrainingRun({ name: 'stopped' });
      const ended = await runChild(provisioned.url, run.id, 'wait', (kill) => kill('SIGTERM'));
      expect(ended.signal).toBe('SIGTERM');
      expect(await db.getTrainingRun(run.id)).toMatchObject({ status: 'killed' });
      expect(await db.getMetrics(run.id)).toHaveLength(100);
      await db.close();
    } finally {
      await provisioned.drop();
    }
  });

  it('ends the run failed with the error when the process crashes', async () => {
    const provisioned = await backend.provision();
    try {
      const db = await createAiDatabase({ url: provisioned.url });
      const run = await db.createTrainingRun({ name: 'crashed' });
      const ended = await runChild(provisioned.url, run.id, 'throw');
      // As Node itself would: the error on stderr, exit code 1.
      expect(ended.code).toBe(1);
      expect(ended.stderr).toContain('CUDA out of memory (a test)');
      const read = await db.getTrainingRun(run.id);
      expect(read.status).toBe('failed');
      expect(read.error).toContain('Error: CUDA out of memory (a test)');
      expect(await db.getMetrics(run.id)).toHaveLength(100);
      await db.close();
    } finally {
      await provisioned.drop();
    }
  });

  it('keeps a silent run alive by heartbeats, and reports it lost once the process is killed -9', async () => {
    const provisioned = await backend.provision();
    try {
      const db = await createAiDatabase({ url: provisioned.url });
      const run = await db.createTrainingRun({ name: 'vanished', heartbeatTimeoutMs: 1_500 });
      let killedAt = 0;
      const ended = await runChild(provisioned.url, run.id, 'wait', (kill) => {
        void (async () => {
          // Longer than the window: only the logger's heartbeats keep the run running.
          await sleep(2_500);
          expect((await db.getTrainingRun(run.id)).status).toBe('running');
          killedAt = Date.now();
          kill('SIGKILL');
        })();
      });
      expect(ended.signal).toBe('SIGKILL');
      await sleep(Math.max(0, killedAt + 1_700 - Date.now()));
      const read = await db.getTrainingRun(run.id);
      expect(read.status).toBe('failed');
      expect(read.error).toMatch(/^heartbeat lost at \d{4}-\d\d-\d\dT[\d:.]+Z \(no sign of life for 1500 ms\)$/);
      expect(read.endedAt!.getTime()).toBeLessThanOrEqual(killedAt);
      expect(read.endedAt!.getTime()).toBeGreaterThan(killedAt - 1_000);
      await db.close();
    } finally {
      await provisioned.drop();
    }
  });
});

describe('run endings in the process', () => {
  it('completes the run on close when asked, and leaves it running otherwise', async () => {
    const db = await createAiDatabase({ url: 'sqlite::memory:' });
    const asked = await db.createTrainingRun();
    const logger = createRunLogger(db, asked.id, { completeOnClose: true, exitHooks: false });
    await logger.log('loss', 1, { step: 0 });
    await logger.close();
    expect((await db.getTrainingRun(asked.id)).status).toBe('completed');
    const plain = await db.createTrainingRun();
    await createRunLogger(db, plain.id, { exitHooks: false }).close();
    expect((await db.getTrainingRun(plain.id)).status).toBe('running');
    const failing = await db.createTrainingRun();
    await createRunLogger(db, failing.id, { exitHooks: false }).close({ status: 'failed', error: new Error('diverged') });
    expect((await db.getTrainingRun(failing.id)).error).toMatch(/^Error: diverged/);
    // A run that already ended is reported to onError, not thrown at the closing script.
    const errors: unknown[] = [];
    await createRunLogger(db, failing.id, { exitHooks: false, onError: (error) => errors.push(error) }).close({ status: 'killed' });
    expect(errors).toMatchObject([{ name: 'IllegalTransitionError' }]);
    await db.close();
  });
});
