// One of many processes writing one database at once (run by sqlite-writers.test.ts). Prints
// `ready`, waits for a line on stdin so that all start together, then for `count` rounds at once:
// creates a model version, appends two metric points with omitted steps and logs a prediction.
// Prints { versions, failures } as JSON. Plain JavaScript on dist/ so that it starts quickly.
// argv: <database url> <model name> <run id> <count>
import { createInterface } from 'node:readline';
import { createAiDatabase } from '../../../dist/index.js';

const [url, modelName, runId, count] = process.argv.slice(2);
const db = await createAiDatabase({ url });
const model = await db.getModel(modelName);
const anyVersion = (await db.getModelVersions(model.id))[0];
process.stdout.write('ready\n');
const input = createInterface({ input: process.stdin });
await new Promise((resolve) => input.once('line', resolve));
input.close();
const versions = [];
const failures = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_unused, index) => {
    try {
      versions.push((await db.createModelVersion({ modelId: model.id })).version);
      await db.logMetrics(Number(runId), [{ name: 'loss', value: index }, { name: 'loss', value: -index }]);
      await db.logPrediction({ modelVersionId: anyVersion.id, input: { index, pid: process.pid }, output: index });
    } catch (error) {
      failures.push(`${error.name}: ${error.message}`);
    }
  }),
);
await db.close();
process.stdout.write(`${JSON.stringify({ versions, failures })}\n`);
