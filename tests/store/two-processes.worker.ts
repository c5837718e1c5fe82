/**
 * One of two processes writing the same database at once (run by two-processes.test.ts):
 * creates model versions and appends metric points with omitted steps, then prints what it got.
 */
import { createAiDatabase } from '../../src/index.js';

const [url, modelName, runId, count] = process.argv.slice(2) as [string, string, string, string];
const db = await createAiDatabase({ url });
try {
  const model = await db.getModel(modelName);
  const versions: number[] = [];
  await Promise.all(
    Array.from({ length: Number(count) }, async (_unused, index) => {
      versions.push((await db.createModelVersion({ modelId: model.id })).version);
      await db.logMetrics(Number(runId), [{ name: 'loss', value: index }, { name: 'loss', value: -index }]);
    }),
  );
  process.stdout.write(JSON.stringify({ versions }));
} finally {
  await db.close();
}
