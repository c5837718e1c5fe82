import { openSqlDatabase } from './src/database/open.js';
import { createHttpAiDatabase } from './src/client/http-client.js';
const mode = process.argv[2];
const dbUrl = process.argv[3]!;
if (mode === 'load') {
  const db = await openSqlDatabase({ url: dbUrl });
  const run = await db.createTrainingRun({ name: 'h', status: 'queued' });
  for (let s = 0; s < 100_000; s += 10_000) await db.logMetrics(run.id, Array.from({ length: 10_000 }, (_, i) => ({ name: 'metric_00', step: s + i, value: Math.sin(s + i) * 1000 + Math.random() })));
  const t = performance.now();
  for (let i = 0; i < 5; i++) await db.getMetrics(run.id, { name: 'metric_00' });
  console.log('in-process getMetrics', ((performance.now() - t) / 5).toFixed(1), 'ms', run.id);
  await db.close();
} else {
  const http = createHttpAiDatabase({ url: dbUrl });
  for (let i = 0; i < 10; i++) { const t = performance.now(); const n = (await http.getMetrics(1, { name: 'metric_00' })).length; console.log('http', n, (performance.now() - t).toFixed(1), 'ms'); }
  await http.close();
}
