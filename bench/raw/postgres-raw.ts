/** pg on the benchmark's database: COPY FROM STDIN (pg-copy-streams) and unnest multi-row inserts. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { bucketSpan, METRIC_COLUMNS, PREDICTION_COLUMNS, RawKeyCache, toPercentiles, type RawDriver, type RawKeyedRow } from './raw-driver.js';

/** COPY's text format: tab-separated, backslash escapes (integers and doubles need none). */
function copyText(rows: RawKeyedRow[]): string {
  let text = '';
  for (const row of rows) text += `${row.run_id}\t${row.key_id}\t${row.step}\t${row.value}\t0\t\\N\t${row.logged_at}\n`;
  return text;
}

export async function openPostgresRaw(url: string): Promise<RawDriver> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const keys = new RawKeyCache(
    async (runId, name) => {
      const found = await client.query('select id from metric_keys where run_id = $1 and name = $2', [runId, name]);
      return found.rows[0] === undefined ? undefined : Number(found.rows[0].id);
    },
    async (runId, name) => {
      await client.query('insert into metric_keys (run_id, name) values ($1, $2) on conflict do nothing', [runId, name]);
    },
  );
  const unnestMetrics = `insert into metrics (${METRIC_COLUMNS})
    select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::smallint[], $6::int[], $7::bigint[])`;
  return {
    bulkMethods: {
      'COPY FROM STDIN': async (rows) => {
        const keyed = await keys.keyed(rows);
        await pipeline(Readable.from([copyText(keyed)]), client.query(copyFrom(`copy metrics (${METRIC_COLUMNS}) from stdin`)));
      },
      'unnest multi-row insert': async (unkeyed) => {
        const rows = await keys.keyed(unkeyed);
        await client.query(unnestMetrics, [
          rows.map((row) => row.run_id),
          rows.map((row) => row.key_id),
          rows.map((row) => row.step),
          rows.map((row) => row.value),
          rows.map(() => 0),
          rows.map(() => null),
          rows.map((row) => row.logged_at),
        ]);
      },
    },
    insertOnePerTransaction: async (row) => {
      const keyId = await keys.id(row.run_id, row.name);
      await client.query('begin');
      await client.query(`insert into metrics (${METRIC_COLUMNS}) values ($1, $2, $3, $4, 0, null, $5)`, [
        row.run_id,
        keyId,
        row.step,
        row.value,
        row.logged_at,
      ]);
      await client.query('commit');
    },
    insertPredictions: async (rows) => {
      await client.query(
        `insert into predictions (${PREDICTION_COLUMNS})
         select * from unnest($1::bigint[], $2::jsonb[], $3::jsonb[], $4::jsonb[], $5::float8[], $6::float8[], $7::bigint[], $8::jsonb[])`,
        [
          rows.map((row) => row.model_version_id),
          rows.map((row) => row.input),
          rows.map((row) => row.output),
          rows.map((row) => row.ground_truth),
          rows.map((row) => row.confidence),
          rows.map((row) => row.latency_ms),
          rows.map((row) => row.predicted_at),
          rows.map((row) => row.metadata),
        ],
      );
    },
    readHistory: async (runId, name) =>
      (
        await client.query('select step, value, value_kind, epoch, logged_at from metrics where run_id = $1 and key_id = $2 order by step', [
          runId,
          await keys.id(runId, name),
        ])
      ).rowCount ?? 0,
    bucketQuery: async (runId, name, n) => {
      const key = await keys.id(runId, name);
      const range = await client.query('select min(step)::float8 as lo, max(step)::float8 as hi from metrics where run_id = $1 and key_id = $2', [runId, key]);
      const { lo, hi } = range.rows[0] as { lo: number; hi: number };
      const { span, count } = bucketSpan(lo, hi, n);
      const result = await client.query(
        `with b as (
           select ((step - $3::bigint) * $4::bigint) / $5::bigint as bucket, min(step) as s0, max(step) as s1, min(value) as mn, max(value) as mx, count(*) as c
           from metrics where run_id = $1 and key_id = $2 group by 1)
         select b.*, m.value as last from b join metrics m on m.run_id = $1 and m.key_id = $2 and m.step = b.s1 order by b.bucket`,
        [runId, key, lo, count, span],
      );
      return result.rowCount ?? 0;
    },
    select: async (statement) => (await client.query(statement)).rowCount ?? 0,
    latencyPercentiles: async (modelVersionId, since, until, widthMs) => {
      const result = await client.query(
        `select predicted_at / $4 as period, count(latency_ms) as count, max(latency_ms) as max,
           percentile_cont(array[0.5, 0.95, 0.99]) within group (order by latency_ms) as p
         from predictions
         where model_version_id = $1 and predicted_at >= $2 and predicted_at < $3 and latency_ms is not null
         group by 1 order by 1`,
        [modelVersionId, since, until, widthMs],
      );
      return toPercentiles(result.rows.map((row: Record<string, unknown>) => ({ ...row, p50: (row.p as number[])[0], p95: (row.p as number[])[1], p99: (row.p as number[])[2] })));
    },
    latestPerRun: async (lo, hi) =>
      (
        await client.query(
          `select distinct on (m.run_id, m.key_id) m.run_id, k.name, m.value from metrics m join metric_keys k on k.id = m.key_id
           where m.run_id between $1 and $2 order by m.run_id, m.key_id, m.step desc`,
          [lo, hi],
        )
      ).rowCount ?? 0,
    analyze: async () => {
      await client.query('analyze');
    },
    settle: async () => {
      await client.query('checkpoint');
    },
    close: () => client.end(),
  };
}
