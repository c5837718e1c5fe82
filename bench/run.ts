/**
 * `npm run bench`: every scenario of issue #7 on every configured backend, each next to its raw-driver
 * baseline in the same process and run. See docs/benchmarks.md for what is measured and why.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAiDatabase } from '../src/index.js';
import { parseBenchOptions, type BenchBackendName, type BenchOptions } from './config.js';
import { openRaw, type BenchContext } from './context.js';
import { log, type ScenarioResult } from './measure.js';
import { provisionBenchDatabase } from './provision.js';
import { printTable, saveReport, writeDocs, type BenchReport } from './report.js';
import { artifactScenarios } from './scenarios/artifacts.js';
import { growth } from './scenarios/growth.js';
import { httpScenarios } from './scenarios/http.js';
import { httpHistory } from './scenarios/http-history.js';
import { logMetricsBatches, predictions, trainingLoop } from './scenarios/ingest.js';
import { histories, runsTable } from './scenarios/reads.js';
import { search } from './scenarios/search.js';
import { singleCalls } from './scenarios/single-calls.js';
import { mlflowPeer } from './scenarios/mlflow-peer.js';
import { predictionStats } from './scenarios/prediction-stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Scenario {
  id: string;
  run(ctx: BenchContext, skipped: string[]): Promise<ScenarioResult[]>;
  /** Runs only when asked for (by default every scenario runs). */
  wanted?(options: BenchOptions): boolean;
}

const SCENARIOS: Scenario[] = [
  { id: 'log-metrics', run: logMetricsBatches },
  { id: 'training-loop', run: trainingLoop },
  { id: 'single-calls', run: singleCalls },
  { id: 'http', run: httpScenarios },
  { id: 'predictions', run: predictions },
  { id: 'history', run: histories },
  { id: 'http-history', run: httpHistory },
  { id: 'runs-table', run: runsTable },
  { id: 'growth', run: growth },
  { id: 'search', run: search },
  { id: 'mlflow-peer', run: mlflowPeer, wanted: (options) => options.peerMlflow !== undefined },
  { id: 'prediction-stats', run: predictionStats },
  { id: 'artifacts', run: artifactScenarios },
];

async function runBackend(backend: BenchBackendName, options: ReturnType<typeof parseBenchOptions>, skipped: string[]) {
  const database = await provisionBenchDatabase(backend, options);
  const db = await createAiDatabase({ url: database.url });
  const raw = await openRaw(database);
  const health = await db.health();
  const ctx: BenchContext = { backend, options, sizes: options.sizes, database, db, raw, fastestBulk: new Map() };
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (options.only !== undefined && !options.only.includes(scenario.id)) continue;
      if (scenario.wanted !== undefined && !scenario.wanted(options)) continue;
      log(`${backend}: ${scenario.id}`);
      try {
        results.push(...(await scenario.run(ctx, skipped)));
      } catch (error) {
        // One broken scenario must not cost the figures of all the others; it is reported instead.
        const note = `${backend} ${scenario.id} failed: ${error instanceof Error ? error.message : String(error)}`;
        log(`  ${note}`);
        skipped.push(note);
        process.exitCode = 1;
      }
    }
  } finally {
    await raw.close();
    await db.close();
    await database.drop();
  }
  return { results, server: health.serverVersion };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  const servers: Record<string, string> = {};
  const skipped: string[] = [];
  for (const backend of options.backends) {
    log(`\n== ${backend} ==`);
    const outcome = await runBackend(backend, options, skipped);
    results.push(...outcome.results);
    servers[backend] = outcome.server;
  }
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    mode: options.quick ? 'quick' : process.argv.some((argument) => argument.startsWith('--size')) ? 'custom' : 'full',
    machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node, platform: process.platform },
    servers,
    sizes: options.sizes,
    results,
    skipped,
  };
  log(`\n${printTable(results)}`);
  for (const note of skipped) log(`skipped: ${note}`);
  const missed = results.filter((result) => !result.met);
  log(missed.length === 0 ? 'Every target met.' : `Targets not met: ${missed.map((result) => `${result.backend} ${result.id}`).join(', ')}`);
  const saved = saveReport(report, root);
  log(`Saved ${path.relative(root, saved.json)} and ${path.relative(root, saved.markdown)}`);
  if (options.writeDocs) log(`Updated ${path.relative(root, writeDocs(report, root))}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
