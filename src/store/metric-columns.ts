/**
 * Metric histories as columns (decision 1308): what the server's columnar answer (decision 1300) is
 * made of. The SQL store reads a series straight into columns, without a MetricPoint and a Date per
 * point; any other AiDatabase (the HTTP client, say) is read as points and regrouped here, so the
 * server answers the same whatever it serves.
 */
import type { MetricPoint } from '../core/entities.js';
import type { MetricQuery } from '../core/schemas.js';
import type { AiDatabase } from './ai-database.js';

/** Consecutive points of one series, in step order; entry i of every column belongs to point i. */
export interface MetricSeriesColumns {
  runId: number;
  name: string;
  step: number[];
  /** NaN, Infinity and -Infinity included. */
  value: Float64Array;
  /** null when no point has an epoch. */
  epoch: Array<number | null> | null;
  /** Milliseconds since 1970. */
  timestamp: number[];
}

/** A store that reads histories as columns: the same points as `getMetrics`, in the same order. */
export interface MetricColumnStore {
  getMetricColumns(runId: number, query?: MetricQuery): Promise<MetricSeriesColumns[]>;
}

/** Points (in name then step order) as columns, one entry per run of consecutive points of a series. */
export function seriesColumnsOf(points: MetricPoint[]): MetricSeriesColumns[] {
  const series: MetricSeriesColumns[] = [];
  let start = 0;
  while (start < points.length) {
    const { runId, name } = points[start]!;
    let end = start + 1;
    while (end < points.length && points[end]!.name === name && points[end]!.runId === runId) end++;
    const count = end - start;
    const columns: MetricSeriesColumns = { runId, name, step: new Array(count), value: new Float64Array(count), epoch: null, timestamp: new Array(count) };
    for (let index = 0; index < count; index++) {
      const point = points[start + index]!;
      columns.step[index] = point.step;
      columns.value[index] = point.value;
      columns.timestamp[index] = point.timestamp.getTime();
      if (point.epoch !== null) (columns.epoch ??= new Array<number | null>(count).fill(null))[index] = point.epoch;
    }
    series.push(columns);
    start = end;
  }
  return series;
}

/** The history as columns: read so by a store that can, else read as points and regrouped. */
export async function readMetricColumns(db: AiDatabase, runId: number, query: MetricQuery): Promise<MetricSeriesColumns[]> {
  const columnar = db as AiDatabase & Partial<MetricColumnStore>;
  if (typeof columnar.getMetricColumns === 'function') return columnar.getMetricColumns(runId, query);
  return seriesColumnsOf(await db.getMetrics(runId, query));
}
