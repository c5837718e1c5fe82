/**
 * The raw-driver baselines: the same rows written and read with the database driver alone, in the
 * same process and run as aimdb, so the ratio compares like with like.
 */
export interface RawMetricRow {
  run_id: number;
  name: string;
  step: number;
  value: number;
  logged_at: number;
}

export interface RawPredictionRow {
  model_version_id: number;
  input: string;
  output: string;
  ground_truth: string | null;
  confidence: number;
  latency_ms: number;
  predicted_at: number;
  metadata: string;
}

/** One period of the raw percentile baseline. */
export interface RawLatencyPercentiles {
  period: number;
  count: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * The window-function form of exact percentiles (SQLite, MySQL): every latency of the window ranked
 * within its period, the values at rank ⌊q·(n−1)⌋ picked per period. `div` is the dialect's integer division.
 */
export function windowPercentilesSql(modelVersionId: number, since: number, until: number, widthMs: number, div: (a: string, b: string) => string): string {
  const pick = (q: number) => `max(case when rn = floor(${q} * (n - 1)) + 1 then latency_ms end)`;
  return `with ranked as (
      select ${div('predicted_at', String(widthMs))} as period, latency_ms,
        row_number() over (partition by ${div('predicted_at', String(widthMs))} order by latency_ms) as rn,
        count(*) over (partition by ${div('predicted_at', String(widthMs))}) as n
      from predictions
      where model_version_id = ${modelVersionId} and predicted_at >= ${since} and predicted_at < ${until} and latency_ms is not null
    )
    select period, max(n) as count, max(latency_ms) as max, ${pick(0.5)} as p50, ${pick(0.95)} as p95, ${pick(0.99)} as p99
    from ranked group by period order by period`;
}

/** Driver rows of the percentile baseline as numbers. */
export function toPercentiles(rows: Array<Record<string, unknown>>): RawLatencyPercentiles[] {
  return rows.map((row) => ({
    period: Number(row.period),
    count: Number(row.count),
    max: Number(row.max),
    p50: Number(row.p50),
    p95: Number(row.p95),
    p99: Number(row.p99),
  }));
}

export interface RawDriver {
  /** Every bulk method this backend offers for metric rows; the fastest one is the baseline. */
  readonly bulkMethods: Record<string, (rows: RawMetricRow[]) => Promise<void>>;
  /** The seed's pattern: one transaction (BEGIN, INSERT, COMMIT) per point. */
  insertOnePerTransaction(row: RawMetricRow): Promise<void>;
  /** The fastest multi-row (or prepared-in-one-transaction) insert of predictions, one transaction per batch. */
  insertPredictions(rows: RawPredictionRow[]): Promise<void>;
  /** One series, ordered by step; returns the number of rows read. */
  readHistory(runId: number, name: string): Promise<number>;
  /** min/max/last per bucket with GROUP BY plus a join for the last value; returns the bucket count. */
  bucketQuery(runId: number, name: string, buckets: number): Promise<number>;
  /** The latest value of every metric of the runs with ids in [lo, hi]; returns the row count. */
  latestPerRun(lo: number, hi: number): Promise<number>;
  /** Runs one read-only statement with literal values (the search baseline's hand-written SQL); returns the row count. */
  select(statement: string): Promise<number>;
  /**
   * Exact latency percentiles (p50, p95, p99), count and max per period of `widthMs` of one model
   * version in [since, until), by the backend's own means: percentile_cont on PostgreSQL, window
   * functions (row_number over the period's sorted latencies, rank ⌊q·(n−1)⌋) on SQLite and MySQL.
   */
  latencyPercentiles(modelVersionId: number, since: number, until: number, widthMs: number): Promise<RawLatencyPercentiles[]>;
  /** Refreshes the planner's statistics, so raw queries get the plan a tuned database would give them. */
  analyze(): Promise<void>;
  /**
   * Waits until the database has written out what a bulk fill left in memory (a checkpoint; on
   * MySQL, until InnoDB's dirty pages are flushed), so a measurement after a fill does not time the
   * server's background writing of the filler instead of aimdb.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A point's stored columns: its series is the id of the run's key for the name (migration 0011, decision 1304). */
export const METRIC_COLUMNS = 'run_id, key_id, step, value, value_kind, epoch, logged_at';

/** A raw row with its series' key id. */
export type RawKeyedRow = RawMetricRow & { key_id: number };

/**
 * Series key ids by (run, name), kept once known: a program written for this schema resolves a
 * series' key once, not per point. `find` reads a key's id (undefined when missing); `make` stores
 * the key, keeping one that exists.
 */
export class RawKeyCache {
  private readonly ids = new Map<string, number>();
  constructor(
    private readonly find: (runId: number, name: string) => Promise<number | undefined>,
    private readonly make: (runId: number, name: string) => Promise<void>,
  ) {}

  async id(runId: number, name: string): Promise<number> {
    const key = `${runId}\u0000${name}`;
    let id = this.ids.get(key) ?? (await this.find(runId, name));
    if (id === undefined) {
      await this.make(runId, name);
      id = await this.find(runId, name);
    }
    this.ids.set(key, id!);
    return id!;
  }

  async keyed(rows: readonly RawMetricRow[]): Promise<RawKeyedRow[]> {
    const keyed: RawKeyedRow[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) keyed[index] = { ...rows[index]!, key_id: await this.id(rows[index]!.run_id, rows[index]!.name) };
    return keyed;
  }
}
export const PREDICTION_COLUMNS = 'model_version_id, input, output, ground_truth, confidence, latency_ms, predicted_at, metadata';

/** Bucket bounds as aimdb computes them: equal step ranges over [lo, hi]. */
export function bucketSpan(lo: number, hi: number, buckets: number): { span: number; count: number } {
  const span = hi - lo + 1;
  return { span, count: Math.min(buckets, span) };
}
