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

export const METRIC_COLUMNS = 'run_id, name, step, value, value_kind, epoch, logged_at';
export const PREDICTION_COLUMNS = 'model_version_id, input, output, ground_truth, confidence, latency_ms, predicted_at, metadata';

/** Bucket bounds as aimdb computes them: equal step ranges over [lo, hi]. */
export function bucketSpan(lo: number, hi: number, buckets: number): { span: number; count: number } {
  const span = hi - lo + 1;
  return { span, count: Math.min(buckets, span) };
}
