/**
 * The runs table (all runs, or one experiment's, model's or dataset's): sortable and filterable,
 * with chosen hyperparameters and latest metric values as columns and a selection to compare.
 * Runs are loaded page by page into memory and shown 50 at a time, so 10,000 runs stay fast;
 * hyperparameters (one request per run) load for the visible rows, and for every filtered run only
 * when the table is sorted by one of them (docs/decisions/0602-runs-table-data.md).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JsonValue, RunStatus, TrainingRun } from '../../core/entities.js';
import { fetchAllRuns, fetchExperiment, fetchHyperparameters, fetchLatestMetrics, type RunFilter } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { hrefWith, Link, navigate } from '../app/router.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';
import { forEachWithConcurrency } from '../lib/concurrency.js';
import { formatDateTime, formatDuration, formatJsonValue, formatMetric, formatRelative } from '../lib/format.js';
import { RUN_STATUS_LIST } from '../lib/statuses.js';
import { filterRuns, groupLatest, metricNames, sortRuns, type SortDirection, type SortKey } from '../lib/runs-table.js';

const PAGE_SIZES = [25, 50, 100, 250] as const;
const DEFAULT_COLUMNS = 3;
const HYPERPARAMETER_CONCURRENCY = 6;
/** Runs the compare view overlays at most (one colour each). */
export const MAX_COMPARE = 10;

function parseId(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

export function RunsPage({ query }: { query: URLSearchParams }) {
  const scope: RunFilter = {
    experimentId: parseId(query.get('experiment')),
    modelId: parseId(query.get('model')),
    modelVersionId: parseId(query.get('modelVersion')),
    datasetId: parseId(query.get('dataset')),
  };
  const scopeKey = JSON.stringify(scope);
  const [progress, setProgress] = useState(0);
  const runs = useApi(
    (signal) => fetchAllRuns(scope, { signal, onProgress: (loaded) => setProgress(loaded.length) }),
    [scopeKey],
  );
  const experiment = useApi(
    async (signal) => (scope.experimentId === undefined ? undefined : fetchExperiment(scope.experimentId, signal)),
    [scope.experimentId],
  );

  const title = experiment.data !== undefined ? `Runs of experiment ${experiment.data.name}` : 'Runs';
  return (
    <section>
      <h1>{title}</h1>
      {experiment.data?.hypothesis && <p className="muted">Hypothesis: {experiment.data.hypothesis}</p>}
      <ScopeNote scope={scope} />
      {runs.error !== undefined && <ErrorBox error={runs.error} onRetry={runs.reload} />}
      {runs.data === undefined ? (
        runs.error === undefined && <Loading what={`runs (${progress.toLocaleString('en-US')} so far)`} />
      ) : runs.data.length === 0 ? (
        <EmptyState title={scopeKey === '{}' ? 'No training runs yet.' : 'No runs match this view.'} />
      ) : (
        <RunsTable runs={runs.data} query={query} />
      )}
    </section>
  );
}

function ScopeNote({ scope }: { scope: RunFilter }) {
  const parts: string[] = [];
  if (scope.modelId !== undefined) parts.push(`model #${scope.modelId}`);
  if (scope.modelVersionId !== undefined) parts.push(`model version #${scope.modelVersionId}`);
  if (scope.datasetId !== undefined) parts.push(`dataset #${scope.datasetId}`);
  if (parts.length === 0) return null;
  return (
    <p>
      Showing runs of {parts.join(', ')}. <Link to="/runs">Show all runs</Link>
    </p>
  );
}

function RunsTable({ runs, query }: { runs: TrainingRun[]; query: URLSearchParams }) {
  const [text, setText] = useState(query.get('q') ?? '');
  const [statuses, setStatuses] = useState<RunStatus[]>(
    (query.get('status') ?? '').split(',').filter((status): status is RunStatus => (RUN_STATUS_LIST as readonly string[]).includes(status)),
  );
  const [sort, setSort] = useState<{ key: SortKey; direction: SortDirection }>({ key: 'id', direction: 'desc' });
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState<number>(50);
  const [selected, setSelected] = useState<number[]>([]);
  const [chosenMetrics, setChosenMetrics] = useState<string[] | null>(null);
  const [chosenParams, setChosenParams] = useState<string[] | null>(null);
  const [hyperparameters, setHyperparameters] = useState<ReadonlyMap<number, Record<string, JsonValue>>>(new Map());
  const [paramProgress, setParamProgress] = useState<{ done: number; total: number } | null>(null);
  const [paramError, setParamError] = useState<Error | null>(null);
  // Bumped by "Try again" so the effect below asks again for the runs whose load failed.
  const [paramAttempt, setParamAttempt] = useState(0);

  const runIds = useMemo(() => runs.map((run) => run.id), [runs]);
  const latestMetrics = useApi((signal) => fetchLatestMetrics(runIds, signal), [runIds]);
  const latestByRun = useMemo(() => groupLatest(latestMetrics.data ?? []), [latestMetrics.data]);
  const allMetricNames = useMemo(() => metricNames(latestByRun), [latestByRun]);
  const allParamNames = useMemo(() => {
    const names = new Set<string>();
    for (const values of hyperparameters.values()) for (const name of Object.keys(values)) names.add(name);
    return [...names].sort();
  }, [hyperparameters]);
  const metricColumns = chosenMetrics ?? allMetricNames.slice(0, DEFAULT_COLUMNS);
  const paramColumns = chosenParams ?? allParamNames.slice(0, DEFAULT_COLUMNS);

  const filtered = useMemo(() => filterRuns(runs, { text, statuses }), [runs, text, statuses]);
  const sorted = useMemo(
    () => sortRuns(filtered, sort.key, sort.direction, { latest: latestByRun, hyperparameters }),
    [filtered, sort, latestByRun, hyperparameters],
  );
  const pageCount = Math.max(1, Math.ceil(sorted.length / pageSize));
  const currentPage = Math.min(page, pageCount - 1);
  const visible = sorted.slice(currentPage * pageSize, (currentPage + 1) * pageSize);

  // Hyperparameters: the visible rows always; every filtered row when sorting by a hyperparameter.
  const sortingByParam = sort.key.startsWith('param:');
  const wanted = sortingByParam ? filtered : visible;
  const wantedKey = wanted.map((run) => run.id).join(',');
  const requested = useRef(new Set<number>());
  useEffect(() => {
    const missing = (wantedKey === '' ? [] : wantedKey.split(',').map(Number)).filter((id) => !requested.current.has(id));
    if (missing.length === 0) return undefined;
    for (const id of missing) requested.current.add(id);
    const controller = new AbortController();
    const large = missing.length > PAGE_SIZES[PAGE_SIZES.length - 1]!;
    const finished = new Set<number>();
    const loaded = new Map<number, Record<string, JsonValue>>();
    const flush = () => {
      const batch = new Map(loaded);
      loaded.clear();
      setHyperparameters((previous) => new Map([...previous, ...batch]));
    };
    if (large) setParamProgress({ done: 0, total: missing.length });
    void forEachWithConcurrency(
      missing,
      HYPERPARAMETER_CONCURRENCY,
      async (runId) => {
        try {
          loaded.set(runId, await fetchHyperparameters(runId, controller.signal));
        } catch (error) {
          if (controller.signal.aborted) return;
          if (!(error instanceof ApiError && error.code === 'not_found')) {
            // The server is away or refuses: say so, and leave the run to be asked for again.
            requested.current.delete(runId);
            setParamError(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          // A run deleted meanwhile has no hyperparameters; an empty record stops retries.
          loaded.set(runId, {});
        }
        finished.add(runId);
        if (large && finished.size % 250 === 0) {
          setParamProgress({ done: finished.size, total: missing.length });
          flush();
        }
      },
      controller.signal,
    )
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setParamError(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        flush();
        if (large) setParamProgress(null);
      });
    return () => {
      controller.abort();
      // Unfinished ids may be asked for again by the next view.
      for (const id of missing) if (!finished.has(id)) requested.current.delete(id);
    };
  }, [wantedKey, paramAttempt]);

  const toggleSort = (key: SortKey) => {
    setSort((previous) => ({ key, direction: previous.key === key && previous.direction === 'desc' ? 'asc' : 'desc' }));
    setPage(0);
  };
  const toggleSelected = (runId: number) =>
    setSelected((previous) => (previous.includes(runId) ? previous.filter((id) => id !== runId) : [...previous, runId].slice(-MAX_COMPARE)));
  const toggleStatus = (status: RunStatus) => {
    setStatuses((previous) => (previous.includes(status) ? previous.filter((s) => s !== status) : [...previous, status]));
    setPage(0);
  };

  const header = (key: SortKey, label: string, className?: string) => {
    const active = sort.key === key;
    return (
      <th key={key} scope="col" className={className} aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button className="sort-button" onClick={() => toggleSort(key)} aria-label={`Sort by ${label}`}>
          {label}
          <span aria-hidden="true">{active ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <>
      <div className="toolbar" role="search">
        <label>
          Filter{' '}
          <input
            type="search"
            value={text}
            placeholder="name, id, tag=value, notes"
            aria-label="Filter runs by name, id, tags or notes"
            onChange={(event) => {
              setText(event.target.value);
              setPage(0);
            }}
          />
        </label>
        <fieldset className="inline-fieldset">
          <legend>Status</legend>
          {RUN_STATUS_LIST.map((status) => (
            <label key={status}>
              <input type="checkbox" checked={statuses.includes(status)} onChange={() => toggleStatus(status)} /> {status}
            </label>
          ))}
        </fieldset>
        <ColumnChooser label="Metric columns" options={allMetricNames} chosen={metricColumns} onChange={setChosenMetrics} />
        <ColumnChooser
          label="Hyperparameter columns"
          options={allParamNames}
          chosen={paramColumns}
          onChange={setChosenParams}
          hint="Names seen on the runs loaded so far."
        />
      </div>
      <div className="toolbar">
        <span aria-live="polite">
          {sorted.length.toLocaleString('en-US')} of {runs.length.toLocaleString('en-US')} runs
          {latestMetrics.loading ? ' · loading metric values…' : ''}
          {paramProgress !== null ? ` · loading hyperparameters ${paramProgress.done.toLocaleString('en-US')}/${paramProgress.total.toLocaleString('en-US')}…` : ''}
        </span>
        <button
          className="primary"
          disabled={selected.length < 2}
          onClick={() => navigate(hrefWith('/compare', { runs: selected.join(',') }))}
        >
          Compare {selected.length} selected
        </button>
        {selected.length > 0 && <button onClick={() => setSelected([])}>Clear selection</button>}
        <label>
          Rows per page{' '}
          <select
            value={pageSize}
            onChange={(event) => {
              setPageSize(Number(event.target.value));
              setPage(0);
            }}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
      {latestMetrics.error !== undefined && <ErrorBox error={latestMetrics.error} onRetry={latestMetrics.reload} />}
      {paramError !== null && (
        <ErrorBox
          error={paramError}
          onRetry={() => {
            setParamError(null);
            setParamAttempt((attempt) => attempt + 1);
          }}
        />
      )}
      {sorted.length === 0 ? (
        <EmptyState title="No runs match the filter.">
          <p>Clear the filter text or the status boxes to see every run.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="runs-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                {header('id', 'ID', 'num')}
                {header('name', 'Name')}
                {header('status', 'Status')}
                {header('startedAt', 'Started')}
                {header('durationMs', 'Duration', 'num')}
                {paramColumns.map((name) => header(`param:${name}`, name, 'param-col'))}
                {metricColumns.map((name) => header(`metric:${name}`, name, 'num metric-col'))}
              </tr>
            </thead>
            <tbody>
              {visible.map((run) => {
                const runLabel = run.name ?? `Run #${run.id}`;
                const params = hyperparameters.get(run.id);
                return (
                  <tr key={run.id} className={selected.includes(run.id) ? 'selected' : undefined}>
                    <td>
                      <input
                        type="checkbox"
                        checked={selected.includes(run.id)}
                        onChange={() => toggleSelected(run.id)}
                        aria-label={`Select ${runLabel} to compare`}
                      />
                    </td>
                    <td className="num">{run.id}</td>
                    <td>
                      <Link to={`/runs/${run.id}`}>{runLabel}</Link>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td title={formatDateTime(run.startedAt)}>{formatRelative(run.startedAt)}</td>
                    <td className="num">{formatDuration(run.durationMs)}</td>
                    {paramColumns.map((name) => (
                      <td key={`p-${name}`} className="param-col">
                        {params === undefined ? <span className="muted">…</span> : formatJsonValue(params[name])}
                      </td>
                    ))}
                    {metricColumns.map((name) => (
                      <td key={`m-${name}`} className="num mono">
                        {formatMetric(latestByRun.get(run.id)?.get(name))}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={currentPage} pageCount={pageCount} onPage={setPage} label="Runs pages" />
    </>
  );
}

/** Options listed at most; a search narrows thousands of metric names down to these. */
const CHOOSER_LIMIT = 200;

function ColumnChooser({
  label,
  options,
  chosen,
  onChange,
  hint,
}: {
  label: string;
  options: string[];
  chosen: string[];
  onChange: (next: string[]) => void;
  hint?: string;
}) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const matching = needle === '' ? options : options.filter((name) => name.toLowerCase().includes(needle));
  // Chosen columns stay listed first, so they can be unticked whatever the search.
  const listed = [...chosen.filter((name) => matching.includes(name)), ...matching.filter((name) => !chosen.includes(name))].slice(0, CHOOSER_LIMIT);
  return (
    <details className="column-chooser">
      <summary>
        {label} ({chosen.length})
      </summary>
      <div className="chooser-body" role="group" aria-label={label}>
        {options.length > 10 && (
          <input type="search" value={search} placeholder={`Search ${options.length.toLocaleString('en-US')} names`} aria-label={`Search ${label.toLowerCase()}`} onChange={(event) => setSearch(event.target.value)} />
        )}
        {options.length === 0 && <p className="muted small">None yet.</p>}
        {listed.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={chosen.includes(name)}
              onChange={() => onChange(chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name])}
            />{' '}
            {name}
          </label>
        ))}
        {matching.length > listed.length && (
          <p className="muted small">
            {(matching.length - listed.length).toLocaleString('en-US')} more; narrow the search.
          </p>
        )}
        {hint !== undefined && <p className="muted small">{hint}</p>}
      </div>
    </details>
  );
}
