import { createAiDatabase } from './src/index.js';
const db = await createAiDatabase({ url: process.argv[2]! });
const q = process.argv[3] ?? 'params.hp_03 < 0.5 and metrics.m_02 > 0.5';
const o = process.argv[4] ?? 'metrics.m_00 DESC';
let best = Infinity; let n = 0;
for (let i = 0; i < 7; i++) { const t = performance.now(); n = (await db.searchRuns(q, { orderBy: o, limit: 100 })).items.length; best = Math.min(best, performance.now() - t); }
console.log(process.argv[2]!.split(':')[0], 'best ms', best.toFixed(1), 'rows', n);
await db.close();
