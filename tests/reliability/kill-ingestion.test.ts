/**
 * `kill -9` in the middle of ingestion, repeated on every backend: of a library process appending
 * metric batches, and of `aimdb serve` while clients post batches to it. After each kill: every
 * acknowledged batch is stored, no batch is stored in part, omitted steps stay gapless, and the
 * summaries and rollups agree with the points (tests/reliability/support/ingestion-check.ts).
 * Runs on the built code (dist/, bin/), as a user's processes would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { AIMDB_BIN, REPO_ROOT } from '../cli/run-cli.js';
import { checkIngestion, SERIES, type IngestionFigures } from './support/ingestion-check.js';
import { scaled, timeoutFor } from './support/scale.js';

const KILLS = scaled(10, 60);
const PER_SERIES = 50;
const worker = fileURLToPath(new URL('./support/ingest-worker.mjs', import.meta.url));
const random = (below: number) => Math.floor(Math.random() * below);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child whose stdout lines are delivered to `onLine`; `exited` settles when it is gone. */
function startChild(args: string[], onLine: (line: string) => void): { child: ChildProcess; exited: Promise<void>; output: () => string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AIMDB_')));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    output = (output + line + '\n').slice(-4000);
    onLine(line);
  });
  // Exited and every printed line read: an `ack` written just before the kill still counts.
  const exited = Promise.all([
    new Promise<void>((resolve) => child.once('exit', () => resolve())),
    new Promise<void>((resolve) => lines.once('close', () => resolve())),
  ]).then(() => undefined);
  return { child, exited, output: () => output };
}

/** Resolves when `predicate` holds, polling; fails with the child's output after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; output:\n${output()}`);
    await sleep(5);
  }
}

const totals: Record<string, { kills: number; acknowledged: number; stored: number; lost: number; partial: number }> = {};
afterAll(() => {
  for (const [label, figures] of Object.entries(totals)) {
    console.log(`[reliability] ${label}: ${figures.kills} kill -9, ${figures.acknowledged} acknowledged batches, ${figures.stored} stored, ${figures.lost} acknowledged lost, ${figures.partial} partial`);
  }
});

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does it in pretest)');
});

describe.each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))('$name: kill -9 during ingestion', (backend) => {
  let provisioned: ProvisionedDatabase;
  let db: AiDatabase;
  beforeAll(async () => {
    provisioned = await backend.provision();
    db = await createAiDatabase({ url: provisioned.url });
  });
  afterAll(async () => {
    await db?.close();
    await provisioned?.drop();
  });

  function record(label: string, acknowledged: number, figures: IngestionFigures): void {
    const entry = (totals[`${backend.name} ${label}`] ??= { kills: 0, acknowledged: 0, stored: 0, lost: 0, partial: 0 });
    entry.kills++;
    entry.acknowledged = acknowledged;
    entry.stored = figures.storedBatches;
    entry.lost += figures.lostAcknowledged;
    entry.partial += figures.partialBatches;
  }

  it(`a library process appending batches, killed ${KILLS} times`, async () => {
    const run = await db.createTrainingRun({ name: 'killed library' });
    const acknowledged = new Set<number>();
    for (let kill = 0; kill < KILLS; kill++) {
      let ready = false;
      let acksThisRound = 0;
      const started = startChild([worker, provisioned.url, String(run.id), String(kill * 100_000), String(PER_SERIES)], (line) => {
        if (line === 'ready') ready = true;
        else if (line.startsWith('ack ')) {
          acknowledged.add(Number(line.slice(4)));
          acksThisRound++;
        }
      });
      await until(() => ready, 60_000, 'worker start', started.output);
      const target = 1 + random(5);
      await until(() => acksThisRound >= target, 60_000, `${target} acknowledged batches`, started.output);
      await sleep(random(15));
      started.child.kill('SIGKILL');
      await started.exited;
      record('library', acknowledged.size, await checkIngestion(db, run.id, acknowledged, PER_SERIES));
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILLS);
  }, timeoutFor(KILLS, 5_000));

  it(`aimdb serve receiving batches from 3 clients, killed ${KILLS} times`, async () => {
    const run = await db.createTrainingRun({ name: 'killed server' });
    const acknowledged = new Set<number>();
    let nextTag = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      // Port 0: each server takes a free port and prints its URL (a port picked here could be taken
      // by another test file before the server binds it).
      let serverUrl: string | undefined;
      const started = startChild([AIMDB_BIN, 'serve', '--url', provisioned.url, '--host', '127.0.0.1', '--port', '0', '--log-level', 'info'], (line) => {
        serverUrl ??= /^aimdb serving (http:\/\/\S+)/.exec(line)?.[1];
      });
      await until(() => serverUrl !== undefined, 60_000, 'server start', started.output);
      let acksThisRound = 0;
      let stopped = false;
      const client = async () => {
        while (!stopped) {
          const tag = nextTag++;
          const points = Array.from({ length: PER_SERIES }, (_unused, index) => SERIES.map((name, series) => ({ name, value: (series === 0 ? 1 : -1) * (tag * 1000 + index) }))).flat();
          try {
            const response = await fetch(`${serverUrl}/api/v1/runs/${run.id}/metrics`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ points }),
            });
            await response.arrayBuffer();
            if (response.ok) {
              acknowledged.add(tag);
              acksThisRound++;
            } else if (!stopped) {
              throw new Error(`the server answered ${response.status} before it was killed`);
            }
          } catch (error) {
            if (!stopped) throw error;
          }
        }
      };
      const clients = [client(), client(), client()];
      const target = 1 + random(6);
      await until(() => acksThisRound >= target, 60_000, `${target} acknowledged batches`, started.output);
      await sleep(random(15));
      started.child.kill('SIGKILL');
      stopped = true;
      await started.exited;
      await Promise.all(clients);
      record('serve', acknowledged.size, await checkIngestion(db, run.id, acknowledged, PER_SERIES));
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILLS);
  }, timeoutFor(KILLS, 6_000));
});
