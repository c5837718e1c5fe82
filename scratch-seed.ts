import { createAiDatabase } from './src/index.js';
const url = process.argv[2]!;
const count = Number(process.argv[3] ?? 10000);
const value = (run: number, index: number) => ((run * 7919 + index * 104_729) % 10_007) / 10_007;
const hp = (index: number) => `hp_${String(index).padStart(2, '0')}`;
const metric = (index: number) => `m_${String(index).padStart(2, '0')}`;
const db = await createAiDatabase({ url });
for (let start = 0; start < count; start += 250) {
  await db.transaction(async (tx) => {
    for (let run = start; run < Math.min(count, start + 250); run++) {
      const { id } = await tx.createTrainingRun({ name: `search-${run}`, notes: 'resnet vit', status: 'running', heartbeatTimeoutMs: null });
      await tx.logHyperparameters(id, Object.fromEntries(Array.from({ length: 20 }, (_, index) => [hp(index), value(run, index)])));
      await tx.logMetrics(id, Array.from({ length: 10 }, (_, index) => ({ name: metric(index), value: value(run, index + 50), step: 0 })));
    }
  });
}
const t = performance.now();
for (let i = 0; i < 5; i++) await db.searchRuns('params.hp_03 < 0.5 and metrics.m_02 > 0.5', { orderBy: 'metrics.m_00 DESC', limit: 100 });
console.log('avg ms', (performance.now() - t) / 5);
await db.close();
