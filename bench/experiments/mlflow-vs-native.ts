// Run: npx tsx bench/experiments/mlflow-vs-native.ts <database url> (a migrated database; e.g. sqlite:////tmp/x.db)
// Server CPU per request of MLflow's write routes and their native counterparts (issue #17,
// decision 1307), in one process through Fastify's inject (no sockets, so the machine's load and
// loopback cost stay out), in interleaved rounds after warm-up. The client's JSON encoding of each
// body is included on both sides alike.
import { createAiDatabase } from '../../src/database/open.js';
import { buildApp } from '../../src/server/app.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: mlflow-vs-native.ts <database url>');
const db = await createAiDatabase({ url });
const app = await buildApp({ db, logger: false });
const headers = { 'content-type': 'application/json', host: 'localhost' };

async function post(path: string, body: unknown): Promise<any> {
  const answer = await app.inject({ method: 'POST', url: path, headers, payload: JSON.stringify(body) });
  if (answer.statusCode >= 300) throw new Error(`${path}: ${answer.statusCode} ${answer.body}`);
  return JSON.parse(answer.body);
}

/** The bench's peer batch: ten series, steps rising. */
const batch = (first: number, count: number, timestamp: number) =>
  Array.from({ length: count }, (_, offset) => ({ key: `metric_${(first + offset) % 10}`, value: Math.sin(first + offset), timestamp, step: Math.floor((first + offset) / 10) }));

const experimentId: string = (await post('/api/2.0/mlflow/experiments/create', { name: `mlflow-vs-native-${Date.now()}` })).experiment_id;
const mlflowRun: string = (await post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId })).run.info.run_id;
const nativeRun = (await db.createTrainingRun()).id;
let mlflowOffset = 0;
let nativeOffset = 0;
let mlflowStep = 0;
let nativeStep = 0;
const pairs: Array<[string, () => Promise<unknown>, () => Promise<unknown>, number]> = [
  [
    'log-batch of 1,000 points',
    () => post('/api/2.0/mlflow/runs/log-batch', { run_id: mlflowRun, metrics: batch((mlflowOffset += 1000), 1000, Date.now()) }),
    () => post(`/api/v1/runs/${nativeRun}/metrics`, { points: batch((nativeOffset += 1000), 1000, Date.now()).map(({ key, ...rest }) => ({ name: key, ...rest })) }),
    20,
  ],
  [
    'log-metric',
    () => post('/api/2.0/mlflow/runs/log-metric', { run_id: mlflowRun, key: 'single', value: mlflowStep, timestamp: Date.now(), step: mlflowStep++ }),
    () => post(`/api/v1/runs/${nativeRun}/metrics`, { points: [{ name: 'single', value: nativeStep, step: nativeStep++, timestamp: Date.now() }] }),
    300,
  ],
  [
    'create run in an experiment',
    () => post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId, start_time: Date.now() }),
    () => post('/api/v1/runs', { name: 'native', experimentId: Number(experimentId) }),
    200,
  ],
];
for (const [title, mlflow, native, calls] of pairs) {
  const cpuMs = [0, 0];
  for (let round = 0; round < 6; round++) {
    for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = process.cpuUsage();
      for (let call = 0; call < calls; call++) await (side === 0 ? mlflow : native)();
      const used = process.cpuUsage(start);
      // Rounds 0 and 1 warm up.
      if (round >= 2) cpuMs[side]! += (used.user + used.system) / 1000 / calls / 4;
    }
  }
  console.log(`${title}: MLflow ${cpuMs[0]!.toFixed(3)} ms, native ${cpuMs[1]!.toFixed(3)} ms CPU a request`);
}
await app.close();
await db.close();
