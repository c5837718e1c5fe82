/**
 * The runs page's view as a URL: query, status boxes, sort, chosen columns, page, page size and the
 * selection, so a view can be shared and a reload (or a new tab) restores it. Pure, unit-tested.
 */
import type { JsonValue, RunStatus } from '../../core/entities.js';
import { quoteName } from './query-completion.js';
import type { SortDirection, SortKey } from './runs-table.js';

export const PAGE_SIZES = [25, 50, 100, 250] as const;
export const DEFAULT_PAGE_SIZE = 50;
/** Runs the compare view overlays at most. */
export const MAX_COMPARE = 100;

export interface RunsView {
  /** Text in the run query language. */
  q: string;
  statuses: RunStatus[];
  sort: { key: SortKey; direction: SortDirection };
  /** Chosen columns; null means the defaults (varying hyperparameters, most-logged metrics). */
  params: string[] | null;
  metrics: string[] | null;
  /** 0-based. */
  page: number;
  pageSize: number;
  selected: number[];
  /** The metric the runs' chart draws; null: the first metric column. */
  chart: string | null;
  /** `param:<name>` or `tag:<key>` to draw the chart as groups; '' for one line per run. */
  group: string;
}

/** URL keys of the page's scope, kept as they are when the view changes. */
export const SCOPE_KEYS = ['experiment', 'model', 'modelVersion', 'dataset'] as const;

const SORT_KEYS = new Set(['id', 'name', 'status', 'startedAt', 'durationMs']);

function parseSort(text: string | null): RunsView['sort'] {
  const fallback: RunsView['sort'] = { key: 'id', direction: 'desc' };
  if (text === null) return fallback;
  const cut = text.lastIndexOf(':');
  const direction = text.slice(cut + 1);
  const key = cut < 0 ? text : text.slice(0, cut);
  if (direction !== 'asc' && direction !== 'desc') return fallback;
  if (SORT_KEYS.has(key) || /^(metric|param):./.test(key)) return { key: key as SortKey, direction };
  return fallback;
}

/** Repeated keys; one empty value means "none chosen", no key means the defaults. */
function parseList(query: URLSearchParams, key: string): string[] | null {
  const values = query.getAll(key);
  if (values.length === 0) return null;
  return values.filter((value) => value !== '');
}

export function readRunsView(query: URLSearchParams, statusList: readonly RunStatus[]): RunsView {
  const page = Number(query.get('page'));
  const size = Number(query.get('size'));
  return {
    q: query.get('q') ?? '',
    statuses: (query.get('status') ?? '').split(',').filter((status): status is RunStatus => (statusList as readonly string[]).includes(status)),
    sort: parseSort(query.get('sort')),
    params: parseList(query, 'param'),
    metrics: parseList(query, 'metric'),
    page: Number.isInteger(page) && page >= 1 ? page - 1 : 0,
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    selected: (query.get('sel') ?? '')
      .split(',')
      .filter((id) => /^\d+$/.test(id))
      .map(Number)
      .slice(0, MAX_COMPARE),
    chart: query.get('chart'),
    group: /^(param|tag):./.test(query.get('group') ?? '') ? query.get('group')! : '',
  };
}

/** The URL of `view`, keeping the scope keys of `current`; defaults are left out so links stay short. */
export function runsViewHref(path: string, current: URLSearchParams, view: RunsView): string {
  const params = new URLSearchParams();
  for (const key of SCOPE_KEYS) {
    const value = current.get(key);
    if (value !== null) params.set(key, value);
  }
  if (view.q.trim() !== '') params.set('q', view.q);
  if (view.statuses.length > 0) params.set('status', view.statuses.join(','));
  if (view.sort.key !== 'id' || view.sort.direction !== 'desc') params.set('sort', `${view.sort.key}:${view.sort.direction}`);
  for (const [key, list] of [
    ['param', view.params],
    ['metric', view.metrics],
  ] as const) {
    if (list === null) continue;
    if (list.length === 0) params.append(key, '');
    for (const name of list) params.append(key, name);
  }
  if (view.page > 0) params.set('page', String(view.page + 1));
  if (view.pageSize !== DEFAULT_PAGE_SIZE) params.set('size', String(view.pageSize));
  if (view.selected.length > 0) params.set('sel', view.selected.join(','));
  if (view.chart !== null) params.set('chart', view.chart);
  if (view.group !== '') params.set('group', view.group);
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** Sort keys of the table that name a run attribute, as the query language spells them. */
const ATTRIBUTE_ORDER: Record<string, string> = { id: 'id', name: 'name', status: 'status', startedAt: 'started', durationMs: 'duration' };

/**
 * The table's sort as the server's `orderBy` (docs/query-language.md): the same order as
 * `sortRuns` (missing values last in both directions, numbers before text, ties newest first), so
 * the server can answer the first page of a sorted table before every run has loaded.
 */
export function serverOrderBy(sort: RunsView['sort']): string {
  const key = sort.key;
  const field = key.startsWith('param:')
    ? `params.${quoteName(key.slice('param:'.length))}`
    : key.startsWith('metric:')
      ? `metrics.${quoteName(key.slice('metric:'.length))}`
      : ATTRIBUTE_ORDER[key] ?? 'id';
  return `${field} ${sort.direction === 'asc' ? 'ASC' : 'DESC'}`;
}

/** Default hyperparameter columns shown at most. */
export const DEFAULT_PARAM_COLUMNS = 5;
/** Default metric columns shown at most. */
export const DEFAULT_METRIC_COLUMNS = 4;

/**
 * The hyperparameters worth a column: those whose value differs between the listed runs (a constant
 * tells nothing), the ones most runs have first; constants only when nothing varies.
 */
export function varyingParams(byRun: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>, limit = DEFAULT_PARAM_COLUMNS): string[] {
  const values = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const perRun of byRun.values()) {
    for (const [name, value] of perRun) {
      let seen = values.get(name);
      if (seen === undefined) values.set(name, (seen = new Set()));
      if (seen.size < 2) seen.add(JSON.stringify(value));
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  const byPresence = (a: string, b: string) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b);
  const varying = [...values.keys()].filter((name) => (values.get(name)?.size ?? 0) > 1 || (counts.get(name) ?? 0) < byRun.size);
  return (varying.length > 0 ? varying : [...values.keys()]).sort(byPresence).slice(0, limit);
}

/** The metrics logged by the most runs (then at the most steps), the likeliest to compare runs by. */
export function mostLoggedMetrics(
  latest: ReadonlyMap<number, ReadonlyMap<string, { step: number }>>,
  limit = DEFAULT_METRIC_COLUMNS,
): string[] {
  const runs = new Map<string, number>();
  const steps = new Map<string, number>();
  for (const perRun of latest.values()) {
    for (const [name, metric] of perRun) {
      runs.set(name, (runs.get(name) ?? 0) + 1);
      steps.set(name, (steps.get(name) ?? 0) + metric.step);
    }
  }
  return [...runs.keys()]
    .sort((a, b) => (runs.get(b) ?? 0) - (runs.get(a) ?? 0) || (steps.get(b) ?? 0) - (steps.get(a) ?? 0) || a.localeCompare(b))
    .slice(0, limit);
}
