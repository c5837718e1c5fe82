/**
 * Metric batches over HTTP to `aimdb serve` (keep-alive, a few concurrent clients), and the
 * server's peak RSS while points stream through it. The server runs in a child process so its
 * memory is its own; its peak is the kernel's high-water mark (VmHWM), not a sample. The child runs
 * the server compiled to plain JavaScript, as `aimdb serve` runs from `dist`: under tsx it would
 * also carry tsx's loader thread and the source maps of every module (about 40-60 MB), which the
 * real server does not have. It runs with the node flags of bin/aimdb.js's `#!` line (SERVER_NODE_FLAGS;
 * decisions 0505 and 1305). The idle figure is taken from a server started through the CLI
 * (`aimdb serve --url …`), as users start it; the peak from one started by bench/server-child.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { createRuns, type BenchContext } from '../context.js';
import { runBatches, toRawRows } from '../data.js';
import type { RawMetricRow } from '../raw/raw-driver.js';
import { log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const serveModule = path.join(root, 'src/server/serve.ts');
/**
 * Where the compiled server goes: git-ignored, inside the package so its dependencies resolve, one
 * per benchmark process (two runs must not share it), rebuilt for every server so it is never stale.
 */
const buildDir = path.join(root, `bench/results/server-build-${process.pid}`);

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) return file === path.join(root, 'src/ui') ? [] : typeScriptFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/**
 * Compiles src (without the dashboard) and the two children (bench/server-child.ts, bench/cli-child.ts)
 * to JavaScript, file by file, as `tsc` would for `dist` (the project compiles with isolatedModules, so
 * a file needs no other to compile). Returns the folder they went to.
 */
function compileServer(): string {
  rmSync(buildDir, { recursive: true, force: true });
  const { options } = ts.convertCompilerOptionsFromJson(
    { target: 'ES2022', module: 'ES2022', verbatimModuleSyntax: true },
    root,
  );
  const children = ['bench/server-child.ts', 'bench/cli-child.ts'].map((file) => path.join(root, file));
  for (const file of [...typeScriptFiles(path.join(root, 'src')), ...children]) {
    const output = path.join(buildDir, path.relative(root, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, outputText);
  }
  // The package root as the server finds it (its version, `"type": "module"`).
  copyFileSync(path.join(root, 'package.json'), path.join(buildDir, 'package.json'));
  return buildDir;
}

/**
 * The node flags `aimdb serve` runs with: those of bin/aimdb.js's `#!/usr/bin/env -S node …` line, read
 * from it so the benchmark measures what users run (the heap settings of decisions 0505 and 1305).
 */
export const SERVER_NODE_FLAGS: readonly string[] = (() => {
  const shebang = readFileSync(path.join(root, 'bin/aimdb.js'), 'utf8').split('\n', 1)[0]!;
  const words = shebang.split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
})();

/**
 * Spawns a compiled server child (`args`: its script and arguments) with `aimdb serve`'s node flags;
 * resolves once a line of its stdout gives its base URL (`urlOf`).
 */
async function spawnServer(args: string[], urlOf: (line: string) => string | undefined, env = process.env): Promise<{ child: ChildProcess; url: string }> {
  // Extra node flags for the server alone (e.g. `--cpu-prof`, `--trace-gc`, or another heap size,
  // the last one winning), which NODE_OPTIONS cannot carry.
  const nodeFlags = (process.env.AIMDB_BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeFlags, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    // Other lines (`--trace-gc` output, say) may come first.
    lines.on('line', (line) => {
      const found = urlOf(line);
      if (found !== undefined) resolve(found);
      else process.stderr.write(`${line}\n`);
    });
  });
  return { child, url };
}

/**
 * Starts the compiled server on `databaseUrl` (and, when given, the artifact store `artifactsUrl`)
 * in a child process; resolves with its base URL.
 */
export async function startServerProcess(databaseUrl: string, artifactsUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const script = path.join(compileServer(), 'bench/server-child.js');
  return spawnServer([script, databaseUrl, ...(artifactsUrl === undefined ? [] : [artifactsUrl])], (line) =>
    line.startsWith('{"url"') ? (JSON.parse(line) as { url: string }).url : undefined,
  );
}

/** A port nothing listens on now (`aimdb serve --port` takes 1-65535, not 0 for "any"). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts `aimdb serve --url <databaseUrl>` (compiled, through the CLI) on a free port, with no
 * AIMDB_* variables: the server as a user starts it with nothing but a database URL.
 */
async function startCliServerProcess(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const script = path.join(compileServer(), 'bench/cli-child.js');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AIMDB_')));
  const port = String(await freePort());
  const args = [script, 'serve', '--url', databaseUrl, '--host', '127.0.0.1', '--port', port, '--log-level', 'warn'];
  return spawnServer(args, (line) => /^aimdb serving (\S+) /.exec(line)?.[1], env);
}

/** A figure of a process's /proc status (`VmHWM`, `VmRSS`), in MB. */
function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (match === null) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]) / 1024;
}

/**
 * The CPU time a process has used (user and system, from /proc/<pid>/stat), in seconds: on a shared
 * machine the server's cost per point, which wall time is not (heap settings trade CPU for memory).
 */
function cpuSeconds(pid: number): number {
  // The fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's peak resident memory (the kernel's high-water mark), in MB. */
export function peakRssMb(pid: number): number {
  return procStatusMb(pid, 'VmHWM');
}

/** The dashboard's first requests, and a client's: what a server has done by the time a user looks at its memory. */
const IDLE_REQUESTS = ['/healthz', '/readyz', '/api/v1/runs', '/api/v1/runs', '/api/v1/models', '/api/v1/experiments'];

/**
 * The resident memory of `aimdb serve` at rest: started through the CLI, a few requests answered, a
 * second of quiet, then VmRSS (what `ps` and `top` show).
 */
async function idleRssMb(databaseUrl: string): Promise<number> {
  const { child, url } = await startCliServerProcess(databaseUrl);
  try {
    for (const request of IDLE_REQUESTS) {
      const response = await fetch(`${url}${request}`);
      if (!response.ok) throw new Error(`GET ${request} answered ${response.status}`);
      await response.arrayBuffer();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return procStatusMb(child.pid!, 'VmRSS');
  } finally {
    await stopServerProcess(child);
  }
}

/** Rounds the HTTP stream is cut into, each followed by the raw baseline on as many points. */
const ROUNDS = 10;

interface StreamRates {
  /** Points/s over HTTP. */
  http: number;
  /** Points/s of each raw bulk method, measured between the HTTP rounds. */
  raw: Record<string, number>;
}

/**
 * Sends `total` points from `clients` concurrent clients, each to runs of its own. With `rawMethods`,
 * the stream is cut into rounds and after each round the same number of points is written with each
 * raw method, so that load from elsewhere on the machine (other processes come and go within minutes)
 * hits HTTP and baseline alike, as the logMetrics scenario does run by run.
 */
async function stream(
  ctx: BenchContext,
  url: string,
  clients: number,
  total: number,
  batchSize: number,
  rawMethods: Array<[string, (rows: RawMetricRow[]) => Promise<void>]> = [],
): Promise<StreamRates> {
  const perClient = Math.ceil(total / clients / 10_000) * 10_000;
  const runIds = await createRuns(ctx.db, clients, 'http');
  const batches = [...runBatches(10, perClient / 10, batchSize)];
  const http = runIds.map(() => createHttpAiDatabase({ url }));
  try {
    // One untimed batch per client first, to runs of their own: a serving process is warm (its code
    // optimised, its pool connected); a cold first batch would otherwise dominate short runs (--quick).
    const warmUpRuns = await createRuns(ctx.db, clients, 'http-warm-up');
    await Promise.all(warmUpRuns.map((runId, client) => http[client]!.logMetrics(runId, batches[0]!)));

    const rounds = rawMethods.length === 0 ? 1 : Math.min(ROUNDS, batches.length);
    const perRound = Math.ceil(batches.length / rounds);
    const rawRuns = await Promise.all(rawMethods.map(([label]) => createRuns(ctx.db, clients, `http-raw-${label}`)));
    const loggedAt = Date.now();
    let httpSeconds = 0;
    const rawSeconds = rawMethods.map(() => 0);
    for (let first = 0; first < batches.length; first += perRound) {
      const round = batches.slice(first, first + perRound);
      const start = now();
      await Promise.all(
        runIds.map(async (runId, client) => {
          for (const batch of round) await http[client]!.logMetrics(runId, batch);
        }),
      );
      httpSeconds += seconds(start);
      for (let method = 0; method < rawMethods.length; method++) {
        const insert = rawMethods[method]![1];
        const rows = rawRuns[method]!.flatMap((runId) => round.map((batch) => toRawRows(runId, batch, loggedAt)));
        const rawStart = now();
        for (const batch of rows) await insert(batch);
        rawSeconds[method]! += seconds(rawStart);
      }
    }
    const points = perClient * clients;
    return {
      http: points / httpSeconds,
      raw: Object.fromEntries(rawMethods.map(([label], method) => [label, points / rawSeconds[method]!])),
    };
  } finally {
    await Promise.all(http.map((client) => client.close()));
  }
}

export async function httpScenarios(ctx: BenchContext, skipped: string[]): Promise<ScenarioResult[]> {
  if (!existsSync(serveModule)) {
    const note = `${ctx.backend}: HTTP scenarios (src/server/serve.ts does not exist yet)`;
    log(`  skipped: ${note}`);
    skipped.push(note);
    return [];
  }
  const batchSize = ctx.sizes.batchSizes.at(-1)!;
  const idle = await idleRssMb(ctx.database.url);
  log(`  aimdb serve idle RSS after start and ${IDLE_REQUESTS.length} requests: ${idle.toFixed(0)} MB`);
  const { child, url } = await startServerProcess(ctx.database.url);
  try {
    // The fastest bulk method of the logMetrics scenario when it ran, else every method.
    const known = ctx.fastestBulk.get(batchSize)?.label;
    const rawMethods = Object.entries(ctx.raw.bulkMethods).filter(([label]) => known === undefined || label === known);
    const rates = await stream(ctx, url, ctx.sizes.httpClients, ctx.sizes.httpPoints, batchSize, rawMethods);
    const [fastestLabel, fastestRate] = Object.entries(rates.raw).sort((a, b) => b[1] - a[1])[0]!;
    log(`  HTTP, ${ctx.sizes.httpClients} clients, batches of ${batchSize}: ${Math.round(rates.http)} points/s`);
    log(`  raw ${fastestLabel} on the same points, between the HTTP rounds: ${Math.round(fastestRate)} points/s`);
    await stream(ctx, url, ctx.sizes.httpClients, Math.max(0, ctx.sizes.memoryPoints - ctx.sizes.httpPoints), batchSize);
    const peak = peakRssMb(child.pid!);
    const cpu = cpuSeconds(child.pid!);
    log(`  server peak RSS after ${ctx.sizes.memoryPoints.toLocaleString('en')} points: ${peak.toFixed(0)} MB (server CPU ${cpu.toFixed(1)} s)`);
    return [
      rateResult({
        backend: ctx.backend,
        id: 'http-batches',
        title: `metric batches of ${batchSize.toLocaleString('en')} over HTTP, ${ctx.sizes.httpClients} keep-alive clients`,
        aimdb: rates.http,
        baseline: fastestRate,
        baselineLabel: `${fastestLabel}, interleaved`,
        target: 0.3,
      }),
      {
        backend: ctx.backend,
        id: 'server-idle-memory',
        title: `aimdb serve RSS at rest, after start and ${IDLE_REQUESTS.length} requests`,
        unit: 'MB',
        aimdb: idle,
        baseline: null,
        baselineLabel: 'ceiling',
        ratio: null,
        target: 80,
        targetText: '≤ 80 MB',
        met: idle <= 80,
      },
      {
        backend: ctx.backend,
        id: 'server-memory',
        title: `server peak RSS while ${ctx.sizes.memoryPoints.toLocaleString('en')} points stream through it`,
        unit: 'MB',
        aimdb: peak,
        baseline: null,
        baselineLabel: 'ceiling',
        ratio: null,
        target: 150,
        targetText: '≤ 150 MB',
        met: peak <= 150,
        details: { serverCpuSeconds: Number(cpu.toFixed(1)) },
      },
    ];
  } finally {
    await stopServerProcess(child);
  }
}

/** Stops a server started by startServerProcess and removes its compiled copy. */
export async function stopServerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  rmSync(buildDir, { recursive: true, force: true });
}
