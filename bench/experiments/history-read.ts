// Run: npx tsx bench/experiments/history-read.ts [--backends sqlite,postgresql,mysql] [--size httpHistoryPoints=N]
// Where does a columnar history read over HTTP spend its time (issue #17)? In-process, per backend,
// best of 7 (wall and CPU time): the store's reads, the server's whole answer (metricHistoryAnswer, stream consumed),
// encoding, JSON parse and client decode; next to the raw driver's ordered read as objects and as arrays.
import { Readable } from 'node:stream';
import pg from 'pg';
import mysql from 'mysql2/promise';
import Database from 'better-sqlite3';
import { createAiDatabase } from '../../src/index.js';
import { metricHistoryAnswer } from '../../src/server/metric-history-stream.js';
import { decodeMetricHistoryColumns } from '../../src/core/wire-decoding.js';
import { parseBenchOptions } from '../config.js';
import { provisionBenchDatabase } from '../provision.js';
import { runBatches } from '../data.js';
import { createRuns } from '../context.js';

const options = parseBenchOptions(process.argv.slice(2), process.env);
const points = options.sizes.httpHistoryPoints;
const SERIES = 'metric_00';

/** Best of 7: wall time, and this process's CPU time (user + system), which a loaded machine disturbs less. */
async function best(label: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 7; attempt++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await fn();
    wall = Math.min(wall, performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  console.log(`  ${label.padEnd(44)} ${wall.toFixed(1).padStart(7)} ms wall ${cpu.toFixed(1).padStart(7)} ms cpu`);
}

async function text(answer: unknown): Promise<string> {
  if (!(answer instanceof Readable)) return JSON.stringify(answer);
  let body = '';
  for await (const chunk of answer) body += String(chunk);
  return body;
}

for (const backend of options.backends) {
  const database = await provisionBenchDatabase(backend, options);
  const db = await createAiDatabase({ url: database.url });
  try {
    const [runId] = (await createRuns(db, 1, 'history-read')) as [number];
    for (const batch of runBatches(1, points, 10_000)) await db.logMetrics(runId, batch);
    console.log(`${backend}: ${points.toLocaleString('en')} points`);
    const body = await text(await metricHistoryAnswer(db as never, runId, { name: SERIES }, undefined, 'columns'));
    console.log(`  answer bytes ${body.length.toLocaleString('en')}`);
    await best('server answer (reads + encode + stringify)', async () => text(await metricHistoryAnswer(db as never, runId, { name: SERIES }, undefined, 'columns')));
    await best('store getMetrics, whole series', () => db.getMetrics(runId, { name: SERIES }));
    const columnar = db as { getMetricColumns?: (runId: number, query: object) => Promise<unknown> };
    if (columnar.getMetricColumns !== undefined) await best('store getMetricColumns, whole series', () => columnar.getMetricColumns!(runId, { name: SERIES }));
    await best('JSON.parse', () => JSON.parse(body));
    const parsed = JSON.parse(body);
    await best('client decode (after parse)', () => decodeMetricHistoryColumns(parsed));
    const sqlText = 'select step, value, value_kind, epoch, logged_at from metrics where run_id = $1 and key_id = (select id from metric_keys where run_id = $1 and name = $2) order by step';
    if (backend === 'postgresql') {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await best('raw pg, objects', () => client.query(sqlText, [runId, SERIES]));
      await best('raw pg, rowMode array', () => client.query({ text: sqlText, values: [runId, SERIES], rowMode: 'array' }));
      const aggregated = `select string_agg(int8send(step), ''::bytea order by step) as step, string_agg(float8send(coalesce(value, 0)), ''::bytea order by step) as value,
        string_agg(int8send(logged_at), ''::bytea order by step) as logged_at, count(epoch) as epochs, count(*) as n
        from metrics where run_id = $1 and key_id = (select id from metric_keys where run_id = $1 and name = $2)`;
      await best('raw pg, bytea columns (string_agg)', () => client.query({ text: aggregated, values: [runId, SERIES], rowMode: 'array' }));
      const paged = `select string_agg(int8send(step), ''::bytea order by step), string_agg(float8send(coalesce(value, 0)), ''::bytea order by step),
        string_agg(int8send(logged_at), ''::bytea order by step) from (select step, value, logged_at from metrics where run_id = $1 and key_id = (select id from metric_keys where run_id = $1 and name = $2) order by step limit 50000) p`;
      await best('raw pg, bytea columns, 50k page subquery', () => client.query({ text: paged, values: [runId, SERIES], rowMode: 'array' }));
      await client.end();
    } else if (backend === 'mysql') {
      const connection = await mysql.createConnection({ uri: database.url });
      const mysqlText = sqlText.replaceAll(/\$\d/g, '?');
      const values = [runId, runId, SERIES];
      await best('raw mysql2 execute, objects', () => connection.execute(mysqlText, values));
      await best('raw mysql2 execute, rowsAsArray', () => connection.execute({ sql: mysqlText, rowsAsArray: true }, values));
      await connection.end();
    } else {
      const raw = new Database(database.filename!, { readonly: true });
      const statement = raw.prepare(sqlText.replaceAll(/\$\d/g, '?'));
      await best('raw better-sqlite3, objects', () => statement.all(runId, runId, SERIES));
      await best('raw better-sqlite3, raw arrays', () => statement.raw(true).all(runId, runId, SERIES));
      raw.close();
    }
  } finally {
    await db.close();
    await database.drop();
  }
}
