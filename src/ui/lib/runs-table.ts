/**
 * The runs table's model, kept free of React so it is unit-tested: filtering, the value of a
 * column for a run, and a stable sort that puts missing values last in either direction.
 */
import type { JsonValue, LatestMetric, RunStatus, TrainingRun } from '../../core/entities.js';

export type SortKey = 'id' | 'name' | 'status' | 'startedAt' | 'durationMs' | `metric:${string}` | `param:${string}`;
export type SortDirection = 'asc' | 'desc';

export interface RunFilterState {
  text: string;
  statuses: RunStatus[];
}

/** Runs whose name, id, tags or notes contain the text (case-insensitive) and whose status is chosen. */
export function filterRuns(runs: readonly TrainingRun[], filter: RunFilterState): TrainingRun[] {
  const needle = filter.text.trim().toLowerCase();
  const statuses = new Set(filter.statuses);
  return runs.filter((run) => {
    if (statuses.size > 0 && !statuses.has(run.status)) return false;
    if (needle === '') return true;
    const haystack = [
      String(run.id),
      run.name ?? '',
      run.notes ?? '',
      ...Object.entries(run.tags).map(([key, value]) => `${key}=${value}`),
    ]
      .join('\n')
      .toLowerCase();
    return haystack.includes(needle);
  });
}

/** Sortable value of a cell: numbers, strings, booleans; undefined when the run has none. */
export type CellValue = number | string | boolean | undefined;

/** Latest metric values by run id, then by metric name. */
export type LatestByRun = ReadonlyMap<number, ReadonlyMap<string, number>>;

export interface RunColumnsData {
  latest: LatestByRun;
  hyperparameters: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>;
}

export function cellValue(run: TrainingRun, key: SortKey, data: RunColumnsData): CellValue {
  switch (key) {
    case 'id':
      return run.id;
    case 'name':
      return run.name ?? undefined;
    case 'status':
      return run.status;
    case 'startedAt':
      return run.startedAt?.getTime();
    case 'durationMs':
      return run.durationMs ?? undefined;
  }
  if (key.startsWith('metric:')) {
    const value = data.latest.get(run.id)?.get(key.slice('metric:'.length));
    // NaN cannot be ordered; it sorts with the missing values.
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }
  const value = data.hyperparameters.get(run.id)?.get(key.slice('param:'.length));
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Orders two cell values; numbers before strings before booleans when types are mixed. */
export function compareCells(a: Exclude<CellValue, undefined>, b: Exclude<CellValue, undefined>): number {
  const rank = (value: unknown) => (typeof value === 'number' ? 0 : typeof value === 'string' ? 1 : 2);
  if (typeof a !== typeof b) return rank(a) - rank(b);
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return a.localeCompare(b as string, 'en', { numeric: true, sensitivity: 'base' });
  return Number(a) - Number(b);
}

/** Sorted copy; runs without a value come last whichever the direction; ties keep newest-first order. */
export function sortRuns(runs: readonly TrainingRun[], key: SortKey, direction: SortDirection, data: RunColumnsData): TrainingRun[] {
  const sign = direction === 'asc' ? 1 : -1;
  const keyed = runs.map((run, index) => ({ run, index, value: cellValue(run, key, data) }));
  keyed.sort((x, y) => {
    if (x.value === undefined || y.value === undefined) {
      if (x.value === y.value) return x.index - y.index;
      return x.value === undefined ? 1 : -1;
    }
    return sign * compareCells(x.value, y.value) || x.index - y.index;
  });
  return keyed.map((entry) => entry.run);
}

/** Metric names across the runs, sorted. */
export function metricNames(byRun: ReadonlyMap<number, ReadonlyMap<string, unknown>>): string[] {
  const names = new Set<string>();
  for (const perRun of byRun.values()) for (const name of perRun.keys()) names.add(name);
  return [...names].sort();
}

/** Per-(run, metric) items grouped by run, then by metric name, keeping `pick` of each. */
export function groupByRun<T extends { runId: number; name: string }, V>(items: readonly T[], pick: (item: T) => V): Map<number, Map<string, V>> {
  const byRun = new Map<number, Map<string, V>>();
  for (const item of items) {
    let perRun = byRun.get(item.runId);
    if (perRun === undefined) byRun.set(item.runId, (perRun = new Map()));
    perRun.set(item.name, pick(item));
  }
  return byRun;
}

/** Latest values grouped by run, then by metric name. */
export const groupLatest = (latest: readonly LatestMetric[]): Map<number, Map<string, number>> => groupByRun(latest, (metric) => metric.value);
