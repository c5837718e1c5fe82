/** better-sqlite3 on the benchmark's file: prepared statements, one transaction per batch. */
import Database from 'better-sqlite3';
import {
  bucketSpan,
  METRIC_COLUMNS,
  PREDICTION_COLUMNS,
  RawKeyCache,
  toPercentiles,
  windowPercentilesSql,
  type RawDriver,
  type RawKeyedRow,
  type RawPredictionRow,
} from './raw-driver.js';

export function openSqliteRaw(filename: string): RawDriver {
  const db = new Database(filename);
  // The same connection settings aimdb's SQLite backend uses, so both pay the same durability.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const findKey = db.prepare('select id from metric_keys where run_id = ? and name = ?').pluck();
  const makeKey = db.prepare('insert into metric_keys (run_id, name) values (?, ?) on conflict do nothing');
  const keys = new RawKeyCache(
    async (runId, name) => findKey.get(runId, name) as number | undefined,
    async (runId, name) => {
      makeKey.run(runId, name);
    },
  );
  const insertMetric = db.prepare(`insert into metrics (${METRIC_COLUMNS}) values (?, ?, ?, ?, 0, null, ?)`);
  const insertMetrics = db.transaction((rows: RawKeyedRow[]) => {
    for (const row of rows) insertMetric.run(row.run_id, row.key_id, row.step, row.value, row.logged_at);
  });
  const insertOne = db.transaction((row: RawKeyedRow) => insertMetric.run(row.run_id, row.key_id, row.step, row.value, row.logged_at));
  const insertPrediction = db.prepare(`insert into predictions (${PREDICTION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertPredictions = db.transaction((rows: RawPredictionRow[]) => {
    for (const row of rows) {
      insertPrediction.run(row.model_version_id, row.input, row.output, row.ground_truth, row.confidence, row.latency_ms, row.predicted_at, row.metadata);
    }
  });
  const history = db.prepare('select step, value, value_kind, epoch, logged_at from metrics where run_id = ? and key_id = ? order by step');
  const range = db.prepare('select min(step) as lo, max(step) as hi from metrics where run_id = ? and key_id = ?');
  const buckets = db.prepare(`
    with b as (
      select ((step - cast(@lo as integer)) * cast(@n as integer)) / cast(@span as integer) as bucket, min(step) as s0, max(step) as s1, min(value) as mn, max(value) as mx, count(*) as c
      from metrics where run_id = @run and key_id = @key group by 1)
    select b.*, m.value as last from b join metrics m on m.run_id = @run and m.key_id = @key and m.step = b.s1 order by b.bucket`);
  // SQLite's documented bare-column rule: with max(), the other columns come from the max row.
  const latest = db.prepare(
    'select m.run_id, k.name, max(m.step) as step, m.value from metrics m join metric_keys k on k.id = m.key_id where m.run_id between ? and ? group by m.run_id, m.key_id',
  );
  return {
    bulkMethods: { 'prepared inserts, one transaction': async (rows) => insertMetrics(await keys.keyed(rows)) },
    insertOnePerTransaction: async (row) => {
      insertOne({ ...row, key_id: await keys.id(row.run_id, row.name) });
    },
    insertPredictions: async (rows) => insertPredictions(rows),
    readHistory: async (runId, name) => history.all(runId, await keys.id(runId, name)).length,
    bucketQuery: async (runId, name, n) => {
      const key = await keys.id(runId, name);
      const { lo, hi } = range.get(runId, key) as { lo: number; hi: number };
      const { span, count } = bucketSpan(lo, hi, n);
      return buckets.all({ lo, n: count, span, run: runId, key }).length;
    },
    latestPerRun: async (lo, hi) => latest.all(lo, hi).length,
    select: async (statement) => db.prepare(statement).all().length,
    latencyPercentiles: async (modelVersionId, since, until, widthMs) =>
      toPercentiles(
        db.prepare(windowPercentilesSql(modelVersionId, since, until, widthMs, (a, b) => `(${a} / ${b})`)).all() as Array<Record<string, unknown>>,
      ),
    analyze: async () => {
      db.exec('analyze');
    },
    settle: async () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    close: async () => {
      db.close();
    },
  };
}
