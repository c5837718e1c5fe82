/** mysql2 on the benchmark's database: multi-row prepared inserts and LOAD DATA LOCAL INFILE. */
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { bucketSpan, METRIC_COLUMNS, PREDICTION_COLUMNS, RawKeyCache, toPercentiles, windowPercentilesSql, type RawDriver } from './raw-driver.js';

/** Bound parameters one MySQL statement may carry. */
const MAX_PARAMETERS = 65_535;

function chunks<T>(rows: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}

function placeholders(rowCount: number, columns: number): string {
  const row = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rowCount).fill(row).join(', ');
}

export async function openMysqlRaw(url: string): Promise<RawDriver> {
  const connection = await mysql.createConnection({ uri: url, flags: ['+LOCAL_FILES'], charset: 'utf8mb4_bin' });
  const inTransaction = async (fn: () => Promise<unknown>) => {
    await connection.beginTransaction();
    try {
      await fn();
      await connection.commit();
    } catch (error) {
      await connection.rollback();
      throw error;
    }
  };
  const keys = new RawKeyCache(
    async (runId, name) => {
      const [rows] = await connection.query('select id from metric_keys where run_id = ? and name = ?', [runId, name]);
      const found = (rows as Array<{ id: number | string }>)[0];
      return found === undefined ? undefined : Number(found.id);
    },
    async (runId, name) => {
      await connection.query('insert into metric_keys (run_id, name) values (?, ?) on duplicate key update id = id', [runId, name]);
    },
  );
  return {
    bulkMethods: {
      'multi-row prepared insert': async (unkeyed) => {
        const rows = await keys.keyed(unkeyed);
        await inTransaction(async () => {
          for (const chunk of chunks(rows, Math.floor(MAX_PARAMETERS / 5))) {
            await connection.execute(
              `insert into metrics (${METRIC_COLUMNS}) values ${placeholders(chunk.length, 5).replaceAll('?, ?, ?, ?, ?', '?, ?, ?, ?, 0, null, ?')}`,
              chunk.flatMap((row) => [row.run_id, row.key_id, row.step, row.value, row.logged_at]),
            );
          }
        });
      },
      'LOAD DATA LOCAL INFILE': async (unkeyed) => {
        const rows = await keys.keyed(unkeyed);
        let text = '';
        for (const row of rows) text += `${row.run_id}\t${row.key_id}\t${row.step}\t${row.value}\t0\t\\N\t${row.logged_at}\n`;
        await connection.query({
          sql: `load data local infile 'metrics.tsv' into table metrics character set utf8mb4 (${METRIC_COLUMNS})`,
          infileStreamFactory: () => Readable.from([Buffer.from(text)]),
        });
      },
    },
    insertOnePerTransaction: async (row) => {
      const keyId = await keys.id(row.run_id, row.name);
      await inTransaction(() =>
        connection.execute(`insert into metrics (${METRIC_COLUMNS}) values (?, ?, ?, ?, 0, null, ?)`, [row.run_id, keyId, row.step, row.value, row.logged_at]),
      );
    },
    insertPredictions: (rows) =>
      inTransaction(async () => {
        for (const chunk of chunks(rows, Math.floor(MAX_PARAMETERS / 8))) {
          await connection.query(
            `insert into predictions (${PREDICTION_COLUMNS}) values ${placeholders(chunk.length, 8)}`,
            chunk.flatMap((row) => [
              row.model_version_id,
              row.input,
              row.output,
              row.ground_truth,
              row.confidence,
              row.latency_ms,
              row.predicted_at,
              row.metadata,
            ]),
          );
        }
      }),
    readHistory: async (runId, name) => {
      const [rows] = await connection.query('select step, value, value_kind, epoch, logged_at from metrics where run_id = ? and key_id = ? order by step', [
        runId,
        await keys.id(runId, name),
      ]);
      return (rows as unknown[]).length;
    },
    bucketQuery: async (runId, name, n) => {
      const key = await keys.id(runId, name);
      const [range] = await connection.query('select min(step) as lo, max(step) as hi from metrics where run_id = ? and key_id = ?', [runId, key]);
      const { lo, hi } = (range as Array<{ lo: number; hi: number }>)[0]!;
      const { span, count } = bucketSpan(Number(lo), Number(hi), n);
      const [rows] = await connection.query(
        `with b as (
           select ((step - ?) * ?) div ? as bucket, min(step) as s0, max(step) as s1, min(value) as mn, max(value) as mx, count(*) as c
           from metrics where run_id = ? and key_id = ? group by 1)
         select b.*, m.value as last from b join metrics m on m.run_id = ? and m.key_id = ? and m.step = b.s1 order by b.bucket`,
        [Number(lo), count, span, runId, key, runId, key],
      );
      return (rows as unknown[]).length;
    },
    select: async (statement) => ((await connection.query(statement))[0] as unknown[]).length,
    latencyPercentiles: async (modelVersionId, since, until, widthMs) =>
      toPercentiles(
        (await connection.query(windowPercentilesSql(modelVersionId, since, until, widthMs, (a, b) => `(${a} div ${b})`)))[0] as Array<Record<string, unknown>>,
      ),
    latestPerRun: async (lo, hi) => {
      const [rows] = await connection.query(
        `select m.run_id, k.name, m.value from metrics m
         join (select run_id, key_id, max(step) as step from metrics where run_id between ? and ? group by run_id, key_id) l
           on m.run_id = l.run_id and m.key_id = l.key_id and m.step = l.step
         join metric_keys k on k.id = m.key_id`,
        [lo, hi],
      );
      return (rows as unknown[]).length;
    },
    analyze: async () => {
      await connection.query('analyze table metrics, metric_summaries, metric_keys, training_runs');
    },
    settle: async () => {
      // InnoDB flushes in the background; wait (at most a minute) until few dirty pages are left.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const [rows] = await connection.query("show global status like 'Innodb_buffer_pool_pages_dirty'");
        if (Number((rows as Array<{ Value: string }>)[0]?.Value ?? 0) < 100) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    close: () => connection.end(),
  };
}
