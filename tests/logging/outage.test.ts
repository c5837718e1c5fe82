/**
 * Issue #25: a tracking outage never kills a training run. A real `aimdb serve` child process is
 * killed with SIGKILL and restarted, several times, while a training loop logs through the HTTP
 * client; then a training process is itself killed during an outage and restarted, and must deliver
 * what it had spilled. Every point must arrive exactly once, in order, with no exception in the loop.
 * Needs the built CLI (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { createRunLogger } from '../../src/logging/run-logger.js';
import { spillFilePath } from '../../src/logging/spill-file.js';
import { openSqlDatabase } from '../../src/database/open.js';
import type { SqlAiDatabase } from '../../src/store/sql/sql-ai-database.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { AIMDB_BIN } from '../cli/run-cli.js';
import { startOnClaimedPort } from '../support/ports.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outageChild = path.join(here, 'fixtures', 'outage-child.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Served {
  child: ChildProcess;
  exited: Promise<unknown>;
}

/** `aimdb serve` could not start because its port was in use. */
class PortTaken extends Error {}

/**
 * Starts `aimdb serve` on a fixed port and resolves once it listens. The clients under test keep one
 * URL through the outages, so every restart must come back on the port the first start claimed
 * (startOnClaimedPort: below the ephemeral range, so no bind of port 0 and no outgoing connection
 * takes it while the server is down, and reserved against the other test processes); a restart
 * that still finds it taken fails with PortTaken rather than trying elsewhere.
 */
function serve(port: number, databaseUrl: string): Promise<Served> {
  const child = spawn(process.execPath, [AIMDB_BIN, 'serve', '--port', String(port), '--url', databaseUrl, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`aimdb serve did not start: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('aimdb serving')) {
        clearTimeout(timer);
        resolve({ child, exited });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(output.includes('(EADDRINUSE)') ? new PortTaken(`port ${port} is taken: ${output}`) : new Error(`aimdb serve exited: ${output}`));
    });
  });
}

async function kill(served: Served): Promise<void> {
  served.child.kill('SIGKILL');
  await served.exited;
}

/** Runs the training child; `onLine` sees each JSON line it prints. */
function trainingChild(args: string[], onLine: (line: Record<string, unknown>, child: ChildProcess) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', outageChild, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let buffered = '';
  const lines: Array<Record<string, unknown>> = [];
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      onLine(line, child);
    }
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, ended, stderr: () => stderr };
}

/** Each step of the series once, in order, with the value logged for it. */
async function expectExactlyOnce(db: SqlAiDatabase, runId: number, name: string, count: number, value: (step: number) => number) {
  const points = await db.getMetrics(runId, { name });
  expect(points.length).toBe(count);
  const wrong = points.filter((point, index) => point.step !== index || point.value !== value(index));
  expect(wrong.slice(0, 3)).toEqual([]);
  expect((await db.getMetricSummaries(runId)).find((summary) => summary.name === name)?.count).toBe(count);
}

const backends = testBackends().filter((backend) => backend.name !== 'sqlite-memory');

describe.each(backends)('run logger through server outages on $name', (backend) => {
  let provisioned: ProvisionedDatabase;
  let store: SqlAiDatabase;
  let spillDir: string;
  let port: number;
  let releasePort: (() => void) | undefined;
  let server: Served | undefined;

  beforeAll(async () => {
    provisioned = await backend.provision();
    store = await openSqlDatabase({ url: provisioned.url });
    spillDir = mkdtempSync(path.join(tmpdir(), 'aimdb-spill-'));
    ({ port, started: server, release: releasePort } = await startOnClaimedPort(
      (candidate) => serve(candidate, provisioned.url),
      (error) => error instanceof PortTaken,
    ));
  });
  afterAll(async () => {
    if (server !== undefined) await kill(server);
    releasePort?.();
    await store?.close();
    await provisioned?.drop();
    rmSync(spillDir, { recursive: true, force: true });
  });

  it('keeps a training loop running through three SIGKILLs of the server and stores every point once', async () => {
    const url = `http://127.0.0.1:${port}`;
    const run = await store.createTrainingRun({ name: 'through-outages' });
    const db = createHttpAiDatabase({ url, retries: 1 });
    // The outages last longer than maxPending points: memory alone cannot ride them out.
    const flushEvery = 50;
    const maxPending = 300;
    let onErrorCalls = 0;
    const logger = createRunLogger(db, run.id, {
      flushEvery,
      flushIntervalMs: 50,
      maxPending,
      spillDir,
      retryDelayMs: 20,
      maxRetryDelayMs: 250,
      // Generous for a loaded CI machine; on an idle one the backlog is delivered within a second or two.
      closeTimeoutMs: 120_000,
      onError: () => (onErrorCalls += 1),
    });
    let unhandled = 0;
    const countUnhandled = () => (unhandled += 1);
    process.on('unhandledRejection', countUnhandled);

    const STEPS = 3000;
    const outages = [
      { killAt: 400, restartAt: 800 },
      { killAt: 1300, restartAt: 1600 },
      { killAt: 2200, restartAt: 2600 },
    ];
    const outageMs: number[] = [];
    let restarting: Promise<Served> | undefined;
    let exceptions = 0;
    let maxLatencyMs = 0;
    let peakInMemory = 0;
    let peakSpilled = 0;
    let peakRss = process.memoryUsage.rss();
    for (let step = 0; step < STEPS; step++) {
      const outage = outages.find((candidate) => candidate.killAt === step);
      if (outage !== undefined) {
        if (restarting !== undefined) server = await restarting;
        await kill(server!);
        const killedAt = performance.now();
        outage.restartAt = Math.max(outage.restartAt, step + 1);
        (outage as { killedAt?: number }).killedAt = killedAt;
      }
      const restart = outages.find((candidate) => candidate.restartAt === step);
      if (restart !== undefined) {
        const killedAt = (restart as { killedAt?: number }).killedAt!;
        // Not awaited: the loop goes on while the server starts.
        restarting = serve(port, provisioned.url).then((started) => {
          outageMs.push(Math.round(performance.now() - killedAt));
          return started;
        });
      }
      const started = performance.now();
      try {
        await logger.log('loss', step);
        await logger.log('acc', step / STEPS, { step });
      } catch {
        exceptions += 1;
      }
      maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
      const stats = logger.stats();
      peakInMemory = Math.max(peakInMemory, stats.inMemory);
      peakSpilled = Math.max(peakSpilled, stats.spilled);
      if (step % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
      await sleep(1);
    }
    server = await restarting!;
    const closed = await logger.close();
    process.off('unhandledRejection', countUnhandled);
    await db.close();

    console.log(
      `[outage figures ${backend.name}] points=${2 * STEPS} outagesMs=${outageMs.join(',')} maxLogLatencyMs=${maxLatencyMs.toFixed(1)} ` +
        `peakInMemoryPoints=${peakInMemory} peakSpilledPoints=${peakSpilled} peakRssMB=${Math.round(peakRss / 2 ** 20)} ` +
        `failedFlushes=${logger.stats().failedFlushes}`,
    );
    expect(exceptions).toBe(0);
    expect(unhandled).toBe(0);
    expect(closed).toEqual({ delivered: true, undelivered: 0 });
    expect(outageMs).toHaveLength(3);
    expect(logger.stats()).toMatchObject({ logged: 2 * STEPS, written: 2 * STEPS, pending: 0, spilled: 0, dropped: 0 });
    expect(logger.stats().failedFlushes).toBeGreaterThan(0);
    expect(onErrorCalls).toBeGreaterThan(0);
    // Memory stayed bounded: during the outages the batches went to the spill file.
    expect(peakSpilled).toBeGreaterThan(0);
    expect(peakInMemory).toBeLessThanOrEqual(maxPending + flushEvery);
    expect(existsSync(spillFilePath(spillDir, run.id))).toBe(false);
    await expectExactlyOnce(store, run.id, 'loss', STEPS, (step) => step);
    await expectExactlyOnce(store, run.id, 'acc', STEPS, (step) => step / STEPS);
  }, 300_000);

  it('a training process killed during an outage delivers its spill file when it starts again, and a second replay adds nothing', async () => {
    if (server === undefined) server = await serve(port, provisioned.url);
    const url = `http://127.0.0.1:${port}`;
    const run = await store.createTrainingRun({ name: 'killed-trainer' });
    const spillFile = spillFilePath(spillDir, run.id);

    // 1. Logs 0..599 with omitted steps; the server dies at 200 (the trainer waits for it there); the
    //    trainer is killed once all is sealed.
    let serverKilled: Promise<void> | undefined;
    const first = trainingChild([url, String(run.id), '0', '600', spillDir, 'keep', '200'], (line, child) => {
      if (line.logged === 200 && serverKilled === undefined) serverKilled = kill(server!).then(() => void child.stdin!.write('go\n'));
      if (line.sealed === true) child.kill('SIGKILL');
    });
    expect(await first.ended).toMatchObject({ signal: 'SIGKILL' });
    await serverKilled;
    const sealed = first.lines.find((line) => line.sealed === true) as { stats: { spilled: number }; exceptions: number };
    expect(first.stderr()).toBe('');
    expect(sealed.exceptions).toBe(0);
    expect(sealed.stats.spilled).toBeGreaterThan(0);
    expect(existsSync(spillFile)).toBe(true);

    // 2. Starts again while the server is still down, logs 600..899 (steps not yet known: receipt batches),
    //    and the server comes back meanwhile. Everything, old and new, arrives once and in order.
    const copy = `${spillFile}.copy`;
    let restarted: Promise<Served> | undefined;
    const second = trainingChild([url, String(run.id), '600', '300', spillDir, 'close'], (line) => {
      if (line.logged === 100 && restarted === undefined) {
        copyFileSync(spillFile, copy);
        restarted = serve(port, provisioned.url);
      }
    });
    expect(await second.ended).toMatchObject({ code: 0 });
    server = await restarted!;
    const closedLine = second.lines.find((line) => line.closed !== undefined) as { closed: unknown; exceptions: number };
    expect(second.stderr()).toBe('');
    expect(closedLine.exceptions).toBe(0);
    expect(closedLine.closed).toEqual({ delivered: true, undelivered: 0 });
    expect(existsSync(spillFile)).toBe(false);
    await expectExactlyOnce(store, run.id, 'loss', 900, (step) => step);

    // 3. The same spill file replayed a second time (a crash right after delivering it) changes nothing.
    copyFileSync(copy, spillFile);
    rmSync(copy);
    const third = trainingChild([url, String(run.id), '0', '0', spillDir, 'close'], () => undefined);
    expect(await third.ended).toMatchObject({ code: 0 });
    expect(third.stderr()).toBe('');
    expect(existsSync(spillFile)).toBe(false);
    await expectExactlyOnce(store, run.id, 'loss', 900, (step) => step);
  }, 300_000);
});
