/**
 * `aimdb metrics RUN NAME` on a real volume: a 1,000,000-point series (on SQLite; 200,000 on the
 * server backends, a million there too with AIMDB_RELIABILITY_LONG=1) prints completely from a
 * process whose heap is capped far below what holding the series would take, so the history must
 * stream (linear time and constant memory by design; no timing is asserted). Before, it crashed
 * with `Maximum call stack size exceeded` (a spread into Math.min) and printed in quadratic time.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { AIMDB_BIN, isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

const LONG = process.env.AIMDB_RELIABILITY_LONG === '1';
const pointsOn = (family: string) => (family === 'sqlite' || LONG ? 1_000_000 : 200_000);
const BATCH = 100_000;
/** Holding a million points takes several hundred MB of heap; streaming them takes a few. */
const HEAP_MB = 128;

interface StreamedRun {
  code: number | null;
  lines: number;
  /** The first few lines and the last few, the rest only counted. */
  head: string[];
  tail: string[];
  stderr: string;
}

/** Runs the CLI with a capped heap, counting its output lines without keeping them. */
function runStreaming(args: string[], cwd: string): Promise<StreamedRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, AIMDB_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let partial = '';
    const head: string[] = [];
    let tail: string[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines += parts.length;
      for (const line of parts) if (head.length < 5) head.push(line);
      tail = [...tail, ...parts.slice(-5)].slice(-5);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, lines, head, tail, stderr }));
  });
}

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb metrics on a million points on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  let runId: number;
  const POINTS = pointsOn(backend.family);
  /** The first points, as the library reads them, to compare the JSON output with. */
  let firstPoints: unknown[];

  beforeAll(async () => {
    database = await backend.provision();
    const db = await createAiDatabase({ url: database.url });
    try {
      runId = (await db.createTrainingRun({ name: 'long-run' })).id;
      for (let start = 0; start < POINTS; start += BATCH) {
        await db.logMetrics(
          runId,
          Array.from({ length: BATCH }, (_, index) => ({ name: 'loss', value: 1 / (start + index + 1), step: start + index, epoch: Math.floor((start + index) / 1000) })),
        );
      }
      firstPoints = JSON.parse(JSON.stringify(await db.getMetrics(runId, { name: 'loss', limit: 30_001 })));
    } finally {
      await db.close();
    }
  }, 600_000);
  afterAll(async () => {
    await database?.drop();
    workdir.remove();
  });

  it('prints the whole history as an aligned table with its sparkline and range', async () => {
    const result = await runStreaming(['metrics', String(runId), 'loss', '--url', database.url], workdir.dir);
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines).toBe(POINTS + 3);
    const last = String(Number((1 / POINTS).toPrecision(6)));
    expect(result.head[0]).toBe(`loss  ${result.head[0]!.slice(6, 66)}  first 1, last ${last}, min ${last}, max 1`);
    expect(result.head[0]!.slice(6, 66)).toMatch(/^█[▁▂▃▄▅▆▇█]{58}▁$/);
    expect(result.head[1]).toMatch(/^ *STEP  EPOCH +VALUE  TIME$/);
    expect(result.head[2]).toMatch(/^─+$/);
    expect(result.head[2]!.length).toBe(result.head[3]!.length);
    expect(result.head[3]).toMatch(/^ +0 +0 +1  \d{4}-\d\d-\d\dT/);
    expect(result.tail.at(-1)).toMatch(new RegExp(`^${POINTS - 1} +${Math.floor((POINTS - 1) / 1000)} +${last.replace('.', '\\.')}  \\d{4}-`));
    // Every row as wide as the header: one width for the whole table.
    expect(result.tail.at(-1)!.length).toBe(result.head[3]!.length);
  }, 300_000);

  it('prints it as JSON too, page after page, and stops at --limit', async () => {
    const json = await runCli(['metrics', String(runId), 'loss', '--json', '--limit', '30001', '--url', database.url], { cwd: workdir.dir });
    expect(json.code, json.stderr).toBe(0);
    expect(jsonOf(json)).toEqual({ runId, name: 'loss', points: firstPoints });

    const limited = await runStreaming(['metrics', String(runId), 'loss', '--limit', '25001', '--url', database.url], workdir.dir);
    expect(limited.code, limited.stderr).toBe(0);
    expect(limited.lines).toBe(25_001 + 3);
    expect(limited.tail.at(-1)).toMatch(/^25000 +25 /);
  }, 300_000);
});
