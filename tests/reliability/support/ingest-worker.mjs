// A training job to be killed (run by kill-ingestion.test.ts): appends metric batches with omitted
// steps to one run through the built library, as fast as it can, and prints `ack <tag>` once each
// batch is committed. Plain JavaScript on dist/ so that it starts in well under a second.
// argv: <database url> <run id> <first tag> <points per series per batch>
import { createAiDatabase } from '../../../dist/index.js';

const [url, runId, firstTag, perSeries] = process.argv.slice(2);
const db = await createAiDatabase({ url });
process.stdout.write('ready\n');
for (let tag = Number(firstTag); ; tag++) {
  const points = [];
  for (let index = 0; index < Number(perSeries); index++) {
    points.push({ name: 'loss', value: tag * 1000 + index }, { name: 'accuracy', value: -(tag * 1000 + index) });
  }
  await db.logMetrics(Number(runId), points);
  process.stdout.write(`ack ${tag}\n`);
}
