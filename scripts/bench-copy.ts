/**
 * Measures `copyDatabase` throughput: one million metric points (one run, ten series) from a SQLite
 * file into a fresh PostgreSQL database. Prints rows/s of the copy alone and with verification.
 *
 *   npx tsx scripts/bench-copy.ts [points] [postgres admin url] [batch rows]
 *   (defaults: 1000000, $AIMDB_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/postgres, 5000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openSqlDatabase } from '../src/index.js';
import { copyDatabase } from '../src/transfer/index.js';

const points = Number(process.argv[2] ?? 1_000_000);
const adminUrl = process.argv[3] ?? process.env.AIMDB_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const batchRows = Number(process.argv[4] ?? 5_000);
const SERIES = 10;
const BATCH = 50_000;

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-bench-copy-'));
  const sourceUrl = `sqlite:///${path.join(folder, 'source.sqlite')}`;
  const database = `aimdb_bench_copy_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  const targetUrl = new URL(adminUrl);
  targetUrl.pathname = `/${database}`;
  try {
    const source = await openSqlDatabase({ url: sourceUrl });
    const run = await source.createTrainingRun({ name: 'bench' });
    const fillStarted = Date.now();
    const perSeries = Math.ceil(points / SERIES);
    let written = 0;
    for (let series = 0; series < SERIES && written < points; series += 1) {
      for (let first = 0; first < perSeries && written < points; first += BATCH) {
        const count = Math.min(BATCH, perSeries - first, points - written);
        await source.logMetrics(
          run.id,
          Array.from({ length: count }, (_, index) => ({
            name: `series/${series}`,
            step: first + index,
            value: Math.sin(first + index) * 1e3 + series,
            epoch: Math.floor((first + index) / 10_000),
            timestamp: 1_767_225_600_000 + first + index,
          })),
        );
        written += count;
      }
    }
    await source.close();
    process.stdout.write(`source: ${written.toLocaleString('en-US')} metric points in SQLite (filled in ${((Date.now() - fillStarted) / 1000).toFixed(1)} s)\n`);

    const started = Date.now();
    const report = await copyDatabase(sourceUrl, targetUrl.toString(), { verify: true, batchRows });
    const total = Date.now() - started;
    const metrics = report.tables.find((table) => table.table === 'metrics')!;
    const copyMs = report.tables.reduce((sum, table) => sum + table.elapsedMs, 0);
    const rows = report.tables.reduce((sum, table) => sum + table.rowsWritten, 0);
    const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms).toLocaleString('en-US');
    process.stdout.write(
      [
        `copy SQLite → PostgreSQL, ${rows.toLocaleString('en-US')} rows (${metrics.rowsWritten.toLocaleString('en-US')} metric points), batches of ${batchRows} rows`,
        `  metrics table:        ${(metrics.elapsedMs / 1000).toFixed(1)} s, ${perSecond(metrics.rowsWritten, metrics.elapsedMs)} rows/s`,
        `  all tables (copy):    ${(copyMs / 1000).toFixed(1)} s, ${perSecond(rows, copyMs)} rows/s`,
        `  with verification:    ${(total / 1000).toFixed(1)} s, ${perSecond(rows, total)} rows/s (verified: ${String(report.verification?.ok)})`,
        `  peak RSS:             ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
      ].join('\n') + '\n',
    );
  } finally {
    await admin.query(`drop database if exists "${database}" with (force)`);
    await admin.end();
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
