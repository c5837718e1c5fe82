/**
 * Metric batches over HTTP to `aimdb serve` (keep-alive, a few concurrent clients), and the
 * server's peak RSS while points stream through it. The server runs in a child process so its
 * memory is its own; its peak is the kernel's high-water mark (VmHWM), not a sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { createRuns, type BenchContext } from '../context.js';
import { runBatches } from '../data.js';
import { log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const serveModule = path.resolve(here, '../../src/server/serve.ts');
const serverChild = path.resolve(here, '../server-child.ts');

async function startServerProcess(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverChild, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  return { child, url };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (match === null) throw new Error('no VmHWM in /proc status');
  return Number(match[1]) / 1024;
}

/** Sends `total` points from `clients` concurrent clients, each to runs of its own; returns points/s. */
async function stream(ctx: BenchContext, url: string, clients: number, total: number, batchSize: number): Promise<number> {
  const perClient = Math.ceil(total / clients / 10_000) * 10_000;
  const runIds = await createRuns(ctx.db, clients, 'http');
  const batches = [...runBatches(10, perClient / 10, batchSize)];
  const start = now();
  await Promise.all(
    runIds.map(async (runId) => {
      const client = createHttpAiDatabase({ url });
      try {
        for (const batch of batches) await client.logMetrics(runId, batch);
      } finally {
        await client.close();
      }
    }),
  );
  return (perClient * clients) / seconds(start);
}

export async function httpScenarios(ctx: BenchContext, skipped: string[]): Promise<ScenarioResult[]> {
  if (!existsSync(serveModule)) {
    const note = `${ctx.backend}: HTTP scenarios (src/server/serve.ts does not exist yet)`;
    log(`  skipped: ${note}`);
    skipped.push(note);
    return [];
  }
  const batchSize = ctx.sizes.batchSizes.at(-1)!;
  const { child, url } = await startServerProcess(ctx.database.url);
  try {
    const rate = await stream(ctx, url, ctx.sizes.httpClients, ctx.sizes.httpPoints, batchSize);
    log(`  HTTP, ${ctx.sizes.httpClients} clients, batches of ${batchSize}: ${Math.round(rate)} points/s`);
    await stream(ctx, url, ctx.sizes.httpClients, Math.max(0, ctx.sizes.memoryPoints - ctx.sizes.httpPoints), batchSize);
    const peak = peakRssMb(child.pid!);
    log(`  server peak RSS after ${ctx.sizes.memoryPoints.toLocaleString('en')} points: ${peak.toFixed(0)} MB`);
    const fastest = ctx.fastestBulk.get(batchSize);
    return [
      rateResult({
        backend: ctx.backend,
        id: 'http-batches',
        title: `metric batches of ${batchSize.toLocaleString('en')} over HTTP, ${ctx.sizes.httpClients} keep-alive clients`,
        aimdb: rate,
        baseline: fastest?.pointsPerSecond ?? null,
        baselineLabel: fastest?.label ?? 'raw bulk (run log-metrics too)',
        target: 0.3,
      }),
      {
        backend: ctx.backend,
        id: 'server-memory',
        title: `server peak RSS while ${ctx.sizes.memoryPoints.toLocaleString('en')} points stream through it`,
        unit: 'MB',
        aimdb: peak,
        baseline: null,
        baselineLabel: 'ceiling',
        ratio: null,
        target: 300,
        targetText: '< 300 MB',
        met: peak < 300,
      },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
