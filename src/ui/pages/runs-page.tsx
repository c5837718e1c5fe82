/**
 * The runs table (all runs, or one experiment's, model's or dataset's), filtered by a query in the
 * run query language (answered by the server's `searchRuns`), sorted in the browser, with the
 * hyperparameters that vary and the most-logged metrics as default columns, and a selection to
 * compare. The whole view lives in the URL (decision 0611). Runs are held in memory and shown one
 * page at a time; hyperparameters and latest metrics come in bulk reads (decision 0610), never one
 * request per run.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JsonValue, TrainingRun } from '../../core/entities.js';
import { fetchExperiment, fetchHyperparametersBulk, fetchLatestMetrics, searchAllRuns, type RunFilter } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { Link, navigate } from '../app/router.js';
import { ColumnChooser } from '../components/column-chooser.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { QueryBox, rememberQuery, type QueryProblem } from '../components/query-box.js';
import { useApi } from '../hooks/use-api.js';
import { RUN_STATUS_LIST } from '../lib/statuses.js';
import { groupByRun, metricNames, sortRuns, type SortKey } from '../lib/runs-table.js';
import { MAX_COMPARE, PAGE_SIZES, mostLoggedMetrics, readRunsView, runsViewHref, varyingParams, type RunsView } from '../lib/runs-view.js';
import { RunsGrid } from './runs/runs-grid.js';
import { RunsPlots } from './runs/runs-plots.js';

export { MAX_COMPARE } from '../lib/runs-view.js';

function parseId(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** The page's scope as conditions of the query language, so a query narrows the scope. */
function scopeClauses(scope: RunFilter): string[] {
  const clauses: string[] = [];
  if (scope.experimentId !== undefined) clauses.push(`experiment.id = ${scope.experimentId}`);
  if (scope.modelId !== undefined) clauses.push(`model.id = ${scope.modelId}`);
  if (scope.modelVersionId !== undefined) clauses.push(`model_version.id = ${scope.modelVersionId}`);
  if (scope.datasetId !== undefined) clauses.push(`dataset.id = ${scope.datasetId}`);
  return clauses;
}

/** The server's error about the combined query, in terms of what the user typed. */
function problemOf(error: Error | undefined, offset: number): QueryProblem | undefined {
  if (!(error instanceof ApiError) || error.field !== 'query' || error.status !== 422) return undefined;
  const position = error.position === undefined ? undefined : Math.max(1, error.position - offset);
  const message = error.message.replace(/^query: at \d+: /, position === undefined ? '' : `at ${position}: `);
  return position === undefined ? { message } : { message, position };
}

export function RunsPage({ query }: { query: URLSearchParams }) {
  const scope: RunFilter = {
    experimentId: parseId(query.get('experiment')),
    modelId: parseId(query.get('model')),
    modelVersionId: parseId(query.get('modelVersion')),
    datasetId: parseId(query.get('dataset')),
  };
  const scopeKey = JSON.stringify(scope);
  const view = readRunsView(query, RUN_STATUS_LIST);
  const setView = (patch: Partial<RunsView>) => navigate(runsViewHref('/runs', query, { ...view, ...patch }), { replace: true });

  const clauses = scopeClauses(scope);
  const prefix = clauses.length === 0 ? '' : `${clauses.join(' and ')} and (`;
  const [progress, setProgress] = useState(0);
  // One search answers the scope and the query together, 10,000 runs a request (newest first).
  const runs = useApi(async (signal) => {
    const onProgress = (loaded: TrainingRun[]) => setProgress(loaded.length);
    const typed = view.q.trim() !== '';
    const text = !typed ? clauses.join(' and ') : prefix === '' ? view.q : `${prefix}${view.q})`;
    const found = await searchAllRuns(text, { signal, onProgress });
    if (typed) rememberQuery(view.q);
    return found;
  }, [scopeKey, view.q]);
  const experiment = useApi(
    async (signal) => (scope.experimentId === undefined ? undefined : fetchExperiment(scope.experimentId, signal)),
    [scope.experimentId],
  );
  const problem = runs.loading ? undefined : problemOf(runs.error, prefix.length);

  const title = experiment.data !== undefined ? `Runs of experiment ${experiment.data.name}` : 'Runs';
  return (
    <section>
      <h1>{title}</h1>
      {experiment.data?.hypothesis && <p className="muted">Hypothesis: {experiment.data.hypothesis}</p>}
      <ScopeNote scope={scope} />
      {runs.error !== undefined && problem === undefined && <ErrorBox error={runs.error} onRetry={runs.reload} />}
      {runs.data === undefined ? (
        runs.error === undefined && <Loading what={`runs (${progress.toLocaleString('en-US')} so far)`} />
      ) : (
        // A new scope is a new table: its default columns are chosen again from its runs.
        <RunsTable key={scopeKey} runs={runs.data} view={view} setView={setView} problem={problem} searching={runs.loading} emptyScope={scopeKey === '{}'} />
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

function RunsTable({
  runs,
  view,
  setView,
  problem,
  searching,
  emptyScope,
}: {
  runs: TrainingRun[];
  view: RunsView;
  setView: (patch: Partial<RunsView>) => void;
  problem: QueryProblem | undefined;
  searching: boolean;
  emptyScope: boolean;
}) {
  const runIds = useMemo(() => runs.map((run) => run.id), [runs]);
  const latestMetrics = useApi((signal) => fetchLatestMetrics(runIds, signal), [runIds]);
  const hyperparameterRows = useApi((signal) => fetchHyperparametersBulk(runIds, undefined, signal), [runIds]);
  // The last complete answers stay on screen while the next query's load, so nothing jumps.
  const latestBySeries = useMemo(() => groupByRun(latestMetrics.data ?? [], (metric) => metric), [latestMetrics.data]);
  const latestByRun = useMemo(() => groupByRun(latestMetrics.data ?? [], (metric) => metric.value), [latestMetrics.data]);
  const hyperparameters = useMemo(
    () => groupByRun<{ runId: number; name: string; value: JsonValue }, JsonValue>(hyperparameterRows.data ?? [], (row) => row.value),
    [hyperparameterRows.data],
  );
  const allMetricNames = useMemo(() => metricNames(latestByRun), [latestByRun]);
  const allParamNames = useMemo(() => metricNames(hyperparameters), [hyperparameters]);
  const tagKeys = useMemo(() => [...new Set(runs.flatMap((run) => Object.keys(run.tags)))].sort(), [runs]);
  const vocabulary = useMemo(() => ({ params: allParamNames, metrics: allMetricNames, tags: tagKeys }), [allParamNames, allMetricNames, tagKeys]);

  // Defaults are chosen once per scope's data and then kept, so columns do not come and go as a query narrows.
  const defaults = useRef<{ params: string[]; metrics: string[] } | null>(null);
  if (defaults.current === null && hyperparameterRows.data !== undefined && latestMetrics.data !== undefined) {
    defaults.current = { params: varyingParams(hyperparameters), metrics: mostLoggedMetrics(latestBySeries) };
  }
  const paramColumns = view.params ?? defaults.current?.params ?? [];
  const metricColumns = view.metrics ?? defaults.current?.metrics ?? [];
  const ready = defaults.current !== null || (view.params !== null && view.metrics !== null);

  const filtered = useMemo(
    () => (view.statuses.length === 0 ? runs : runs.filter((run) => view.statuses.includes(run.status))),
    [runs, view.statuses],
  );
  const sorted = useMemo(
    () => sortRuns(filtered, view.sort.key, view.sort.direction, { latest: latestByRun, hyperparameters }),
    [filtered, view.sort.key, view.sort.direction, latestByRun, hyperparameters],
  );
  const pageCount = Math.max(1, Math.ceil(sorted.length / view.pageSize));
  const currentPage = Math.min(view.page, pageCount - 1);
  const visible = sorted.slice(currentPage * view.pageSize, (currentPage + 1) * view.pageSize);
  const [brushed, setBrushed] = useState<ReadonlySet<number> | null>(null);
  useEffect(() => setBrushed(null), [runs]);
  const shownRows = brushed === null ? visible : sorted.filter((run) => brushed.has(run.id)).slice(currentPage * view.pageSize, (currentPage + 1) * view.pageSize);
  const shownCount = brushed === null ? sorted.length : sorted.filter((run) => brushed.has(run.id)).length;

  const toggleSort = (key: SortKey) =>
    setView({ sort: { key, direction: view.sort.key === key && view.sort.direction === 'desc' ? 'asc' : 'desc' }, page: 0 });
  const toggleSelected = (runId: number) =>
    setView({ selected: view.selected.includes(runId) ? view.selected.filter((id) => id !== runId) : [...view.selected, runId].slice(-MAX_COMPARE) });

  return (
    <>
      <div className="toolbar query-toolbar" role="search">
        <QueryBox value={view.q} onApply={(q) => setView({ q, page: 0 })} problem={problem} vocabulary={vocabulary} />
      </div>
      <div className="toolbar">
        <fieldset className="inline-fieldset">
          <legend>Status</legend>
          {RUN_STATUS_LIST.map((status) => (
            <label key={status}>
              <input
                type="checkbox"
                checked={view.statuses.includes(status)}
                onChange={() =>
                  setView({ statuses: view.statuses.includes(status) ? view.statuses.filter((s) => s !== status) : [...view.statuses, status], page: 0 })
                }
              />{' '}
              {status}
            </label>
          ))}
        </fieldset>
        <ColumnChooser label="Hyperparameter columns" options={allParamNames} chosen={paramColumns} onChange={(params) => setView({ params })} />
        <ColumnChooser label="Metric columns" options={allMetricNames} chosen={metricColumns} onChange={(metrics) => setView({ metrics })} />
      </div>
      <div className="toolbar">
        <span aria-live="polite" className="run-count">
          {shownCount.toLocaleString('en-US')} of {runs.length.toLocaleString('en-US')} runs
          {brushed !== null ? ' (brushed in the plot)' : ''}
          {searching ? ' · searching…' : ''}
          {latestMetrics.loading || hyperparameterRows.loading ? ' · loading values…' : ''}
        </span>
        <button
          className="primary"
          disabled={view.selected.length < 2}
          onClick={() => navigate(`/compare?runs=${view.selected.join(',')}`)}
        >
          Compare {view.selected.length} selected
        </button>
        {view.selected.length > 0 && <button onClick={() => setView({ selected: [] })}>Clear selection</button>}
        <label>
          Rows per page{' '}
          <select value={view.pageSize} onChange={(event) => setView({ pageSize: Number(event.target.value), page: 0 })}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
      {latestMetrics.error !== undefined && <ErrorBox error={latestMetrics.error} onRetry={latestMetrics.reload} />}
      {hyperparameterRows.error !== undefined && <ErrorBox error={hyperparameterRows.error} onRetry={hyperparameterRows.reload} />}
      {runs.length === 0 ? (
        <EmptyState title={view.q === '' ? (emptyScope ? 'No training runs yet.' : 'No runs match this view.') : 'No runs match the query.'}>
          {/* No children (not `false`) lets the empty state say how to fill the database: aimdb demo. */ view.q !== '' ? <p>Change or clear the query to see more runs.</p> : undefined}
        </EmptyState>
      ) : sorted.length === 0 ? (
        <EmptyState title="No runs match the filter.">
          <p>Clear the status boxes to see every run.</p>
        </EmptyState>
      ) : !ready ? (
        <Loading what="hyperparameters and metric values" />
      ) : (
        <>
          <RunsGrid
            rows={shownRows}
            paramColumns={paramColumns}
            metricColumns={metricColumns}
            sort={view.sort}
            onSort={toggleSort}
            selected={view.selected}
            onToggleSelected={toggleSelected}
            hyperparameters={hyperparameters}
            latest={latestByRun}
          />
          <Pager
            page={currentPage}
            pageCount={Math.max(1, Math.ceil(shownCount / view.pageSize))}
            onPage={(page) => setView({ page })}
            label="Runs pages"
          />
          {/* The filtered runs in load order: sorting the table must not reset the plots' brushes. */}
          <RunsPlots
            runs={filtered}
            paramNames={allParamNames}
            metricNames={allMetricNames}
            defaultAxes={paramColumns}
            defaultMetric={metricColumns[0]}
            hyperparameters={hyperparameters}
            latest={latestByRun}
            onBrush={setBrushed}
          />
        </>
      )}
    </>
  );
}
