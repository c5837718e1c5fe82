/**
 * aimdb side by side with MLflow's own tracking server (`npm run bench -- --peer-mlflow URL`): the
 * same REST requests of MLflow's protocol go to the MLflow server the user started and to `aimdb
 * serve` (compiled, in a child process, on the backend being benchmarked), phase by phase, in
 * interleaved rounds so load from elsewhere on the machine hits both alike. The benchmark never starts
 * MLflow itself (docs/benchmarks.md says how to start the vendored one); ratios are aimdb ÷ MLflow.
 */
import { readFileSync } from 'node:fs';
import type { BenchContext } from '../context.js';
import { durationResult, log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';
import { startServerProcess, stopServerProcess, peakRssMb } from './http.js';

/** The issue's target: every phase at least ten times MLflow's server. */
const TARGET = 10;
/** Rounds each phase is cut into, alternating the two servers. */
const ROUNDS = 4;

interface Peer {
  label: 'aimdb' | 'MLflow';
  base: string;
}

class MlflowCallError extends Error {}

async function call(peer: Peer, method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<{ json: any; bytes: number }> {
  const url = `${peer.base}/api/2.0/mlflow/${endpoint}`;
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new MlflowCallError(`${peer.label} ${method} ${endpoint}: ${response.status} ${text.slice(0, 200)}`);
  return { json: text === '' ? {} : JSON.parse(text), bytes: Buffer.byteLength(text) };
}

async function createExperiment(peer: Peer, name: string): Promise<string> {
  const { json } = await call(peer, 'POST', 'experiments/create', { name });
  return String(json.experiment_id);
}

async function createRun(peer: Peer, experimentId: string): Promise<string> {
  const { json } = await call(peer, 'POST', 'runs/create', { experiment_id: experimentId, start_time: Date.now() });
  return String(json.run.info.run_id);
}

function metricBatch(first: number, count: number, timestamp: number) {
  return Array.from({ length: count }, (_, offset) => ({
    key: `metric_${(first + offset) % 10}`,
    value: Math.sin(first + offset),
    timestamp,
    step: Math.floor((first + offset) / 10),
  }));
}

/** The whole history of one metric, following pages if the server cuts it into pages. */
async function readHistory(peer: Peer, runId: string, key: string): Promise<{ points: number; bytes: number }> {
  let points = 0;
  let bytes = 0;
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ run_id: runId, metric_key: key });
    if (pageToken !== undefined) query.set('page_token', pageToken);
    const page = await call(peer, 'GET', `metrics/get-history?${query}`);
    points += (page.json.metrics ?? []).length;
    bytes += page.bytes;
    pageToken = page.json.next_page_token || undefined;
  } while (pageToken !== undefined);
  return { points, bytes };
}

/** Runs `work(peer, count)` for both peers in interleaved rounds; returns seconds spent per peer. */
async function interleaved(peers: Peer[], total: number, work: (peer: Peer, count: number) => Promise<void>): Promise<Map<string, number>> {
  const spent = new Map(peers.map((peer) => [peer.label, 0]));
  const perRound = Math.ceil(total / ROUNDS);
  for (let done = 0; done < total; done += perRound) {
    const count = Math.min(perRound, total - done);
    for (const peer of peers) {
      const start = now();
      await work(peer, count);
      spent.set(peer.label, spent.get(peer.label)! + seconds(start));
    }
  }
  return spent;
}

export async function mlflowPeer(ctx: BenchContext): Promise<ScenarioResult[]> {
  const peerUrl = ctx.options.peerMlflow!;
  const server = await startServerProcess(ctx.database.url);
  try {
    const aimdb: Peer = { label: 'aimdb', base: server.url.replace(/\/$/, '') };
    const mlflow: Peer = { label: 'MLflow', base: peerUrl.replace(/\/$/, '') };
    const peers = [aimdb, mlflow];
    const sizes = ctx.sizes;
    const tag = `${ctx.backend}-${process.pid}-${Date.now()}`;
    const experiments = new Map<string, string>();
    for (const peer of peers) experiments.set(peer.label, await createExperiment(peer, `bench-peer-${tag}`));
    const runsOf = new Map<string, string>();
    for (const peer of peers) runsOf.set(peer.label, await createRun(peer, experiments.get(peer.label)!));
    // Warm both (code paths compiled, pools connected) before anything is timed.
    for (const peer of peers) {
      await call(peer, 'POST', 'runs/log-batch', { run_id: runsOf.get(peer.label), metrics: metricBatch(0, 100, Date.now()) });
      await call(peer, 'POST', 'runs/log-metric', { run_id: runsOf.get(peer.label), key: 'warm', value: 1, timestamp: Date.now(), step: 0 });
    }

    const results: ScenarioResult[] = [];
    const compare = (id: string, title: string, unit: 'points/s' | 'calls/s', work: number, spent: Map<string, number>) => {
      const rate = (label: string) => work / spent.get(label)!;
      log(`  ${title}: aimdb ${Math.round(rate('aimdb'))} ${unit}, MLflow ${Math.round(rate('MLflow'))} ${unit} (${(rate('aimdb') / rate('MLflow')).toFixed(1)}×)`);
      results.push(rateResult({ backend: ctx.backend, id, title, unit, aimdb: rate('aimdb'), baseline: rate('MLflow'), baselineLabel: 'MLflow server', target: TARGET }));
    };

    const batchPoints = 1_000;
    const batchRequests = Math.max(ROUNDS, Math.round(sizes.peerBatchPoints / batchPoints));
    let offset = 0;
    const batchSpent = await interleaved(peers, batchRequests, async (peer, count) => {
      for (let request = 0; request < count; request++) {
        await call(peer, 'POST', 'runs/log-batch', { run_id: runsOf.get(peer.label), metrics: metricBatch(offset + request * batchPoints, batchPoints, Date.now()) });
      }
      if (peer.label === 'MLflow') offset += count * batchPoints;
    });
    compare('peer-log-batch', `log-batch, ${batchPoints.toLocaleString('en')} points a request`, 'points/s', batchRequests * batchPoints, batchSpent);

    let step = 0;
    const singleSpent = await interleaved(peers, sizes.peerSingleCalls, async (peer, count) => {
      for (let index = 0; index < count; index++) {
        await call(peer, 'POST', 'runs/log-metric', { run_id: runsOf.get(peer.label), key: 'single', value: index, timestamp: Date.now(), step: step + index });
      }
      if (peer.label === 'MLflow') step += count;
    });
    compare('peer-log-metric', 'one log-metric call at a time', 'calls/s', sizes.peerSingleCalls, singleSpent);

    const createSpent = await interleaved(peers, sizes.peerRunCreates, async (peer, count) => {
      for (let index = 0; index < count; index++) await createRun(peer, experiments.get(peer.label)!);
    });
    compare('peer-create-run', 'create run', 'calls/s', sizes.peerRunCreates, createSpent);

    // One series of `peerHistoryPoints` points in a run of its own, then its history read whole.
    const historyRuns = new Map<string, string>();
    for (const peer of peers) {
      const runId = await createRun(peer, experiments.get(peer.label)!);
      historyRuns.set(peer.label, runId);
      for (let first = 0; first < sizes.peerHistoryPoints; first += batchPoints) {
        const count = Math.min(batchPoints, sizes.peerHistoryPoints - first);
        const metrics = Array.from({ length: count }, (_, index) => ({ key: 'history', value: Math.cos(first + index), timestamp: Date.now(), step: first + index }));
        await call(peer, 'POST', 'runs/log-batch', { run_id: runId, metrics });
      }
    }
    const historyMs = new Map<string, number>();
    const historyBytes = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (const peer of peers) {
        const start = now();
        const { points, bytes } = await readHistory(peer, historyRuns.get(peer.label)!, 'history');
        const ms = seconds(start) * 1000;
        if (points !== sizes.peerHistoryPoints) throw new Error(`${peer.label} answered ${points} of ${sizes.peerHistoryPoints} history points`);
        historyMs.set(peer.label, Math.min(historyMs.get(peer.label) ?? Infinity, ms));
        historyBytes.set(peer.label, bytes);
      }
    }
    log(
      `  ${sizes.peerHistoryPoints.toLocaleString('en')}-point history: aimdb ${historyMs.get('aimdb')!.toFixed(0)} ms (${(historyBytes.get('aimdb')! / 2 ** 20).toFixed(1)} MB), ` +
        `MLflow ${historyMs.get('MLflow')!.toFixed(0)} ms (${(historyBytes.get('MLflow')! / 2 ** 20).toFixed(1)} MB)`,
    );
    results.push(
      durationResult({
        backend: ctx.backend,
        id: 'peer-history',
        title: `${sizes.peerHistoryPoints.toLocaleString('en')}-point metric history (get-history)`,
        aimdb: historyMs.get('aimdb')!,
        baseline: historyMs.get('MLflow')!,
        baselineLabel: 'MLflow server',
        target: TARGET,
        details: { aimdbBytes: historyBytes.get('aimdb')!, mlflowBytes: historyBytes.get('MLflow')! },
      }),
    );

    const aimdbPeak = peakRssMb(server.child.pid!);
    const mlflowPid = ctx.options.peerMlflowPid;
    const mlflowPeak = mlflowPid === undefined ? null : peakRssOf(mlflowPid);
    log(`  server peak RSS: aimdb ${aimdbPeak.toFixed(0)} MB${mlflowPeak === null ? '' : `, MLflow ${mlflowPeak.toFixed(0)} MB`}`);
    results.push({
      backend: ctx.backend,
      id: 'peer-memory',
      title: 'server peak RSS over the peer phases',
      unit: 'MB',
      aimdb: aimdbPeak,
      baseline: mlflowPeak,
      baselineLabel: mlflowPeak === null ? 'MLflow (pass --peer-mlflow-pid to read it)' : 'MLflow server',
      ratio: mlflowPeak === null ? null : mlflowPeak / aimdbPeak,
      target: 1,
      targetText: '≤ MLflow',
      met: mlflowPeak === null || aimdbPeak <= mlflowPeak,
    });
    return results;
  } finally {
    await stopServerProcess(server.child);
  }
}

/** Peak RSS of a process and its children that the user named (MLflow's gunicorn forks workers). */
function peakRssOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children].reduce((sum, one) => sum + peakRssMb(one), 0);
}
