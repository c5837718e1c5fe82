/**
 * The runs table (all runs, or one experiment's, model's or dataset's), filtered by a query in the
 * run query language (answered by the server's `searchRuns`), sorted in the browser, with the
 * hyperparameters that vary and the most-logged metrics as default columns, and a selection to
 * compare. The whole view lives in the URL (decision 0611). Runs are held in memory and shown one
 * page at a time; hyperparameters and latest metrics come in bulk reads (decision 0610), never one
 * request per run.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JsonValue, LatestMetric, RunHyperparameter, TrainingRun } from '../../core/entities.js';
import { fetchExperiment, fetchHyperparametersBulk, fetchLatestMetrics, searchAllRuns, searchRunsPage, type RunFilter } from '../api/endpoints.js';
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
import { MAX_COMPARE, PAGE_SIZES, mostLoggedMetrics, readRunsView, runsViewHref, serverOrderBy, varyingParams, type RunsView } from '../lib/runs-view.js';
import { RunsCharts } from './runs/runs-charts.js';
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

/** What the table shows: runs and, for each, its hyperparameters and latest metric values. */
interface RunsData {
  runs: TrainingRun[];
  latest: LatestMetric[];
  hyperparameters: RunHyperparameter[];
  /** False while only the first page(s) of a sorted search are here (the rest is loading). */
  complete: boolean;
}

/** Runs the first answer covers at most: later pages wait for the whole list. */
const FIRST_ANSWER_LIMIT = 1000;

/** The bulk reads (decision 0610) for these runs, in parallel. */
async function withValues(runs: TrainingRun[], complete: boolean, signal: AbortSignal): Promise<RunsData> {
  const runIds = runs.map((run) => run.id);
  const [latest, hyperparameters] = await Promise.all([fetchLatestMetrics(runIds, signal), fetchHyperparametersBulk(runIds, undefined, signal)]);
  return { runs, latest, hyperparameters, complete };
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
  // The first rows of the current sort, answered by the server while the whole list loads
  // (decision 0620): the table is usable after one small search and two small bulk reads.
  const loadKey = `${scopeKey}\u0000${view.q}`;
  const [early, setEarly] = useState<{ key: string; data: RunsData } | undefined>(undefined);
  const firstLimit = (view.page + 1) * view.pageSize;
  const first = useRef<{ orderBy: string; limit: number } | undefined>(undefined);
  // The status boxes filter in the browser, over the whole list; with one ticked, the table waits for it.
  first.current = view.statuses.length === 0 && firstLimit <= FIRST_ANSWER_LIMIT ? { orderBy: serverOrderBy(view.sort), limit: firstLimit } : undefined;
  // One search answers the scope and the query together, 10,000 runs a request (newest first).
  const runs = useApi(async (signal): Promise<RunsData & { key: string }> => {
    const onProgress = (loaded: TrainingRun[]) => setProgress(loaded.length);
    const typed = view.q.trim() !== '';
    const text = !typed ? clauses.join(' and ') : prefix === '' ? view.q : `${prefix}${view.q})`;
    const plan = first.current;
    if (plan !== undefined) {
      const page = await searchRunsPage(text, { ...plan, signal });
      if (typed) rememberQuery(view.q);
      // A list that fits the first answer is the whole list.
      if (page.nextCursor === null) return { ...(await withValues(page.items, true, signal)), key: loadKey };
      const data = await withValues(page.items, false, signal);
      if (!signal.aborted) setEarly({ key: loadKey, data });
    }
    // The rest starts only now, so the server answers the first rows before it reads thousands.
    const found = await searchAllRuns(text, { signal, onProgress });
    if (typed) rememberQuery(view.q);
    return { ...(await withValues(found, true, signal)), key: loadKey };
  }, [scopeKey, view.q]);
  const experiment = useApi(
    async (signal) => (scope.experimentId === undefined ? undefined : fetchExperiment(scope.experimentId, signal)),
    [scope.experimentId],
  );
  const problem = runs.loading ? undefined : problemOf(runs.error, prefix.length);
  // While a new query loads, its first rows (when here) replace the previous answer; else the previous
  // answer stays (and a reload of the same view keeps its whole list on screen).
  const shown = runs.loading && early?.key === loadKey && runs.data?.key !== loadKey ? early.data : runs.data;

  const title = experiment.data !== undefined ? `Runs of experiment ${experiment.data.name}` : 'Runs';
  return (
    <section>
      <h1>{title}</h1>
      {experiment.data?.hypothesis && <p className="muted">Hypothesis: {experiment.data.hypothesis}</p>}
      <ScopeNote scope={scope} />
      {runs.error !== undefined && problem === undefined && <ErrorBox error={runs.error} onRetry={runs.reload} />}
      {shown === undefined ? (
        runs.error === undefined && <Loading what={`runs (${progress.toLocaleString('en-US')} so far)`} />
      ) : (
        // A new scope is a new table: its default columns are chosen again from its runs.
        <RunsTable key={scopeKey} data={shown} view={view} setView={setView} problem={problem} searching={runs.loading} emptyScope={scopeKey === '{}'} />
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
  data,
  view,
  setView,
  problem,
  searching,
  emptyScope,
}: {
  data: RunsData;
  view: RunsView;
  setView: (patch: Partial<RunsView>) => void;
  problem: QueryProblem | undefined;
  searching: boolean;
  emptyScope: boolean;
}) {
  const { runs, complete } = data;
  const latestBySeries = useMemo(() => groupByRun(data.latest, (metric) => metric), [data.latest]);
  const latestByRun = useMemo(() => groupByRun(data.latest, (metric) => metric.value), [data.latest]);
  const hyperparameters = useMemo(
    () => groupByRun<{ runId: number; name: string; value: JsonValue }, JsonValue>(data.hyperparameters, (row) => row.value),
    [data.hyperparameters],
  );
  const allMetricNames = useMemo(() => metricNames(latestByRun), [latestByRun]);
  const allParamNames = useMemo(() => metricNames(hyperparameters), [hyperparameters]);
  const tagKeys = useMemo(() => [...new Set(runs.flatMap((run) => Object.keys(run.tags)))].sort(), [runs]);
  const vocabulary = useMemo(() => ({ params: allParamNames, metrics: allMetricNames, tags: tagKeys }), [allParamNames, allMetricNames, tagKeys]);

  // Defaults are chosen once per scope, from the first answer (the first rows when the list is long),
  // and then kept, so columns do not come and go as the rest loads or a query narrows.
  const defaults = useRef<{ params: string[]; metrics: string[] } | null>(null);
  defaults.current ??= { params: varyingParams(hyperparameters), metrics: mostLoggedMetrics(latestBySeries) };
  const paramColumns = view.params ?? defaults.current.params;
  const metricColumns = view.metrics ?? defaults.current.metrics;

  // Keyed on the statuses' text: the view is read from the URL on every render, so its arrays are new
  // each time, and a new `filtered` would sort every run again (10,000 of them) on each keystroke.
  const statusKey = view.statuses.join(',');
  const filtered = useMemo(
    () => (view.statuses.length === 0 ? runs : runs.filter((run) => view.statuses.includes(run.status))),
    [runs, statusKey],
  );
  const sorted = useMemo(
    () => sortRuns(filtered, view.sort.key, view.sort.direction, { latest: latestByRun, hyperparameters }),
    [filtered, view.sort.key, view.sort.direction, latestByRun, hyperparameters],
  );
  const pageCount = Math.max(1, Math.ceil(sorted.length / view.pageSize));
  const currentPage = Math.min(view.page, pageCount - 1);
  const [brushed, setBrushed] = useState<ReadonlySet<number> | null>(null);
  useEffect(() => setBrushed(null), [runs]);
  // The listed runs in table order: sorted, and inside every brush of the plots.
  const listed = useMemo(() => (brushed === null ? sorted : sorted.filter((run) => brushed.has(run.id))), [sorted, brushed]);
  const shownRows = listed.slice(currentPage * view.pageSize, (currentPage + 1) * view.pageSize);
  const shownCount = listed.length;

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
          {complete ? `${shownCount.toLocaleString('en-US')} of ${runs.length.toLocaleString('en-US')} runs` : `The first ${runs.length.toLocaleString('en-US')} runs`}
          {brushed !== null ? ' (brushed in the plot)' : ''}
          {!complete ? ' · loading the rest…' : searching ? ' · searching…' : ''}
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
      {runs.length === 0 ? (
        <EmptyState title={view.q === '' ? (emptyScope ? 'No training runs yet.' : 'No runs match this view.') : 'No runs match the query.'}>
          {/* No children (not `false`) lets the empty state say how to fill the database: aimdb demo. */ view.q !== '' ? <p>Change or clear the query to see more runs.</p> : undefined}
        </EmptyState>
      ) : sorted.length === 0 ? (
        <EmptyState title="No runs match the filter.">
          <p>Clear the status boxes to see every run.</p>
        </EmptyState>
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
          {complete && (
            <Pager
              page={currentPage}
              pageCount={Math.max(1, Math.ceil(shownCount / view.pageSize))}
              onPage={(page) => setView({ page })}
              label="Runs pages"
            />
          )}
          {complete && (
            <RunsCharts
              runs={listed}
              metricNames={allMetricNames}
              metric={view.chart !== null && allMetricNames.includes(view.chart) ? view.chart : (metricColumns[0] ?? allMetricNames[0])}
              groupBy={view.group}
              paramNames={allParamNames}
              tagKeys={tagKeys}
              hyperparameters={hyperparameters}
              latest={latestBySeries}
              onChange={(patch) => setView(patch)}
            />
          )}
          {/* The filtered runs in load order: sorting the table must not reset the plots' brushes. */}
          {!complete ? (
            <p className="muted plots-placeholder">The plots draw once every run of the query has loaded.</p>
          ) : (
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
          )}
        </>
      )}
    </>
  );
}
