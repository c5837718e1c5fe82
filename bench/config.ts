/**
 * Benchmark sizes and which backends to run, from the command line. Defaults are the full run of
 * issue #7; `--quick` shrinks everything so CI finishes well under a minute per backend.
 */
import { parseArgs } from 'node:util';

export type BenchBackendName = 'sqlite' | 'postgresql' | 'mysql';

export interface BenchSizes {
  /** logMetrics scenario: runs × metrics × steps points, sent in batches of each `batchSizes` entry. */
  runs: number;
  metricsPerRun: number;
  stepsPerMetric: number;
  batchSizes: number[];
  /** Points a training loop logs one awaited call at a time (through the run logger). */
  loopPoints: number;
  /** Points of the one-transaction-per-call baseline (slow by design, so fewer; a rate is compared). */
  perCallPoints: number;
  /** One series read whole and downsampled. */
  historyPoints: number;
  buckets: number;
  /** Runs table: runs × 10 metrics, `listSteps` points per series. */
  listRuns: number;
  listSteps: number;
  /** Predictions, in batches of `predictionBatch`. */
  predictions: number;
  predictionBatch: number;
  /** Growth: ingestion rate measured with `growthSmall` and then `growthLarge` points stored. */
  growthSmall: number;
  growthLarge: number;
  growthWindow: number;
  /** HTTP: concurrent clients sending batches of `batchSizes[last]` points. */
  httpClients: number;
  httpPoints: number;
  /** Points streamed through the server while its RSS is sampled. */
  memoryPoints: number;
  /** Search: runs, each with 20 hyperparameters, 10 metrics and notes of a few words. */
  searchRuns: number;
  /** Side by side with MLflow's server (--peer-mlflow): points sent as log-batch requests of 1,000. */
  peerBatchPoints: number;
  /** … one log-metric request at a time, runs created one at a time, and one history read whole. */
  peerSingleCalls: number;
  peerRunCreates: number;
  peerHistoryPoints: number;
  /** One series read whole through the HTTP client (columnar histories). */
  httpHistoryPoints: number;
  /** Prediction statistics: predictions of one version spread over `statsDays` days, read as hourly percentiles. */
  statsPredictions: number;
  statsDays: number;
  /** Artifacts: bytes of the file uploaded and downloaded (local folder, S3, HTTP). */
  artifactBytes: number;
}

export const FULL_SIZES: BenchSizes = {
  runs: 100,
  metricsPerRun: 10,
  stepsPerMetric: 1_000,
  batchSizes: [1_000, 10_000],
  loopPoints: 200_000,
  perCallPoints: 5_000,
  historyPoints: 1_000_000,
  buckets: 1_000,
  listRuns: 10_000,
  listSteps: 10,
  predictions: 200_000,
  predictionBatch: 5_000,
  growthSmall: 1_000_000,
  growthLarge: 10_000_000,
  growthWindow: 200_000,
  httpClients: 4,
  httpPoints: 1_000_000,
  memoryPoints: 10_000_000,
  searchRuns: 10_000,
  peerBatchPoints: 200_000,
  peerSingleCalls: 2_000,
  peerRunCreates: 1_000,
  peerHistoryPoints: 100_000,
  httpHistoryPoints: 100_000,
  statsPredictions: 10_000_000,
  statsDays: 30,
  artifactBytes: 512 * 1024 * 1024,
};

export const QUICK_SIZES: BenchSizes = {
  runs: 4,
  metricsPerRun: 5,
  stepsPerMetric: 1_000,
  batchSizes: [1_000, 10_000],
  loopPoints: 10_000,
  perCallPoints: 200,
  historyPoints: 20_000,
  buckets: 200,
  listRuns: 200,
  listSteps: 5,
  predictions: 5_000,
  predictionBatch: 1_000,
  growthSmall: 20_000,
  growthLarge: 60_000,
  growthWindow: 10_000,
  httpClients: 2,
  httpPoints: 20_000,
  memoryPoints: 40_000,
  searchRuns: 1_000,
  peerBatchPoints: 20_000,
  peerSingleCalls: 200,
  peerRunCreates: 100,
  peerHistoryPoints: 10_000,
  httpHistoryPoints: 10_000,
  statsPredictions: 100_000,
  statsDays: 30,
  artifactBytes: 64 * 1024 * 1024,
};

export interface BenchOptions {
  quick: boolean;
  sizes: BenchSizes;
  backends: BenchBackendName[];
  postgresAdminUrl: string;
  mysqlAdminUrl: string;
  /** Rewrite the results section of docs/benchmarks.md. */
  writeDocs: boolean;
  /** Only these scenarios (ids), or all. */
  only: string[] | undefined;
  /** An MLflow tracking server the user started, to run the REST phases against side by side. */
  peerMlflow: string | undefined;
  /** Its process id, to read its peak memory (optional). */
  peerMlflowPid: number | undefined;
}

const USAGE = `npm run bench -- [--quick] [--backends sqlite,postgresql,mysql] [--only id,id] [--write-docs]
  [--size name=value ...]   e.g. --size historyPoints=200000 --size batchSizes=1000,10000
  [--peer-mlflow URL [--peer-mlflow-pid PID]]   also run MLflow's REST phases against that MLflow server
Server URLs (admin rights: the benchmark creates and drops its own databases):
  AIMDB_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test)
  AIMDB_BENCH_MYSQL_URL    (default mysql://root@127.0.0.1:3306/test); set either to "off" to skip it.`;

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      backends: { type: 'string' },
      only: { type: 'string' },
      size: { type: 'string', multiple: true },
      'write-docs': { type: 'boolean', default: false },
      'peer-mlflow': { type: 'string' },
      'peer-mlflow-pid': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sizes: BenchSizes = { ...(values.quick ? QUICK_SIZES : FULL_SIZES) };
  for (const assignment of values.size ?? []) {
    const [key, raw] = assignment.split('=');
    if (key === undefined || raw === undefined || !(key in sizes)) {
      throw new Error(`--size ${assignment}: expected name=value with name one of ${Object.keys(sizes).join(', ')}`);
    }
    const parsed = raw.split(',').map((part) => Number(part.replace(/_/g, '')));
    if (parsed.some((value) => !Number.isSafeInteger(value) || value <= 0)) throw new Error(`--size ${assignment}: positive integers only`);
    (sizes as unknown as Record<string, number | number[]>)[key] = key === 'batchSizes' ? parsed : parsed[0]!;
  }
  const postgresAdminUrl = env.AIMDB_BENCH_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/test';
  const mysqlAdminUrl = env.AIMDB_BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
  const requested = (values.backends ?? 'sqlite,postgresql,mysql').split(',').map((name) => name.trim());
  for (const name of requested) {
    if (name !== 'sqlite' && name !== 'postgresql' && name !== 'mysql') throw new Error(`--backends: unknown backend ${name}`);
  }
  const backends = (requested as BenchBackendName[]).filter(
    (name) => !(name === 'postgresql' && postgresAdminUrl === 'off') && !(name === 'mysql' && mysqlAdminUrl === 'off'),
  );
  return {
    quick: values.quick,
    sizes,
    backends,
    postgresAdminUrl,
    mysqlAdminUrl,
    writeDocs: values['write-docs'],
    only: values.only?.split(',').map((id) => id.trim()),
    peerMlflow: values['peer-mlflow'],
    peerMlflowPid: values['peer-mlflow-pid'] === undefined ? undefined : Number(values['peer-mlflow-pid']),
  };
}
