/**
 * Compare runs (up to 100): every metric drawn once with all selected runs overlaid (one colour per
 * run), or grouped by a hyperparameter or tag (one mean line and min–max band per group); the
 * hyperparameters side by side with differences highlighted, and final metric values. Runs and
 * hyperparameters arrive in two bulk reads, not one request per run.
 */
import { useMemo, useState } from 'react';
import { fetchHyperparametersBulk, fetchMetricSummaries, searchAllRuns } from '../api/endpoints.js';
import { hrefWith, Link, navigate } from '../app/router.js';
import { ChartSettingsBar, DEFAULT_CHART_SETTINGS, type ChartSettings } from '../charts/chart-settings.js';
import type { ChartRun } from '../charts/metric-chart.js';
import { MetricSections } from '../charts/metric-sections.js';
import { runColor } from '../charts/palette.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';
import { parameterRows } from '../lib/differences.js';
import { compileFilter } from '../lib/metric-sections.js';
import { formatDuration, formatJsonValue, formatMetric, formatParamCell, fullNumber } from '../lib/format.js';
import { groupRuns } from '../lib/run-groups.js';
import { groupByRun, metricNames } from '../lib/runs-table.js';
import { MAX_COMPARE } from './runs-page.js';

/** Metric rows in the outcome table at most. */
const OUTCOME_ROWS = 100;

export function ComparePage({ query }: { query: URLSearchParams }) {
  const ids = useMemo(
    () =>
      [...new Set((query.get('runs') ?? '').split(',').filter((part) => /^\d+$/.test(part)).map(Number))].slice(0, MAX_COMPARE),
    [query.get('runs')],
  );
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_CHART_SETTINGS);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const loaded = useApi(
    async (signal) => {
      const [found, summaries, hyperparameterRows] = await Promise.all([
        searchAllRuns(`id IN (${ids.join(', ')})`, { signal }),
        fetchMetricSummaries(ids, signal),
        fetchHyperparametersBulk(ids, undefined, signal),
      ]);
      // In the order of the URL; a run deleted meanwhile is left out.
      const byId = new Map(found.map((run) => [run.id, run]));
      const runs = ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
      const perRun = groupByRun(hyperparameterRows, (row) => row.value);
      const hyperparameters = runs.map((run) => Object.fromEntries(perRun.get(run.id) ?? []));
      return { runs, summaries: groupByRun(summaries, (summary) => summary), hyperparameters };
    },
    [ids.join(',')],
  );

  if (ids.length < 2) {
    return (
      <section>
        <h1>Compare runs</h1>
        <EmptyState title="Choose at least two runs to compare.">
          <p>
            Tick runs in the <Link to="/runs">runs table</Link> and press “Compare selected”.
          </p>
        </EmptyState>
      </section>
    );
  }
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what="runs to compare" />;
  const { runs, summaries, hyperparameters } = loaded.data;
  const chartRuns = runs.map((run, index) => ({ id: run.id, label: run.name ?? `Run #${run.id}`, color: runColor(index) }));
  const metrics = metricNames(summaries);
  const rows = parameterRows(hyperparameters);
  // The outcome table follows the metric filter and stays a readable size with thousands of names.
  const metricFilter = compileFilter({ text: query.get('metrics') ?? '', regex: query.get('regex') === '1' });
  const matchingMetrics = metrics.filter((metric) => metricFilter.test(metric));
  const outcomeMetrics = matchingMetrics.slice(0, OUTCOME_ROWS);
  const shownRows = onlyDifferences ? rows.filter((row) => row.differs) : rows;
  const differing = rows.filter((row) => row.differs).length;
  const tagKeys = [...new Set(runs.flatMap((run) => Object.keys(run.tags)))].sort();
  const groupBy = query.get('group') ?? '';
  const paramsById = new Map(runs.map((run, index) => [run.id, hyperparameters[index]]));
  const groups = groupRuns(groupBy, runs, (run, name) => paramsById.get(run.id)?.[name]);
  const setGroupBy = (value: string) => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete('group');
    else next.set('group', value);
    navigate(`/compare?${next.toString()}`, { replace: true });
  };

  return (
    <section>
      <h1>Compare {runs.length} runs</h1>
      <ul className="compare-runs" aria-label="Compared runs">
        {chartRuns.map((run) => (
          <li key={run.id}>
            <span className="swatch" style={{ background: run.color }} aria-hidden="true" />
            <Link to={`/runs/${run.id}`}>{run.label}</Link>{' '}
            <StatusBadge status={runs.find((r) => r.id === run.id)!.status} />{' '}
            {ids.length > 2 && (
              <button
                className="link-button"
                aria-label={`Remove ${run.label} from the comparison`}
                onClick={() => navigate(hrefWith('/compare', { runs: ids.filter((id) => id !== run.id).join(',') }), { replace: true })}
              >
                remove
              </button>
            )}
          </li>
        ))}
      </ul>

      <h2>Metrics</h2>
      {metrics.length === 0 ? (
        <EmptyState title="None of these runs has metrics." />
      ) : (
        <>
          <div className="toolbar">
            <ChartSettingsBar value={settings} onChange={setSettings} />
            <label>
              Group by{' '}
              <select value={groupBy} onChange={(event) => setGroupBy(event.target.value)}>
                <option value="">nothing (one line per run)</option>
                {rows
                  .filter((row) => row.differs)
                  .map((row) => (
                    <option key={row.name} value={`param:${row.name}`}>
                      params.{row.name}
                    </option>
                  ))}
                {tagKeys.map((key) => (
                  <option key={key} value={`tag:${key}`}>
                    tags.{key}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {groups !== undefined && (
            <ul className="compare-runs" aria-label="Groups">
              {groups.map((group) => (
                <li key={group.label}>
                  <span className="swatch" style={{ background: group.color }} aria-hidden="true" />
                  {group.label}
                </li>
              ))}
            </ul>
          )}
          <MetricSections
            path="/compare"
            query={query}
            settings={settings}
            metrics={metrics.map((metric) => ({
              name: metric,
              ...(groups === undefined ? {} : { groups }),
              runs: chartRuns
                .filter((run) => summaries.get(run.id)?.has(metric))
                .map((run): ChartRun => ({ ...run, pointCount: summaries.get(run.id)!.get(metric)!.count })),
            }))}
          />
        </>
      )}

      <h2>Hyperparameters</h2>
      {rows.length === 0 ? (
        <p className="muted">None of these runs logged hyperparameters.</p>
      ) : (
        <>
          <div className="toolbar">
            <label>
              <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.target.checked)} /> Only
              differences
            </label>
            <span className="muted">
              {differing} of {rows.length} differ
            </span>
          </div>
          <div className="table-wrap">
            <table className="compare-table">
              <thead>
                <tr>
                  <th scope="col">Hyperparameter</th>
                  {chartRuns.map((run) => (
                    <th scope="col" key={run.id}>
                      <span className="swatch" style={{ background: run.color }} aria-hidden="true" /> {run.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shownRows.map((row) => (
                  <tr key={row.name} className={row.differs ? 'differs' : undefined}>
                    <th scope="row">
                      {row.name}
                      {row.differs && <span className="differs-mark"> (differs)</span>}
                    </th>
                    {row.values.map((value, index) => (
                      <td key={chartRuns[index]!.id} className="mono" title={value === undefined ? undefined : formatJsonValue(value)}>
                        {formatParamCell(value)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <h2>Outcome</h2>
      <div className="table-wrap">
        <table className="compare-table">
          <thead>
            <tr>
              <th scope="col">Value</th>
              {chartRuns.map((run) => (
                <th scope="col" key={run.id}>
                  {run.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Duration</th>
              {runs.map((run) => (
                <td key={run.id}>{formatDuration(run.durationMs)}</td>
              ))}
            </tr>
            {outcomeMetrics.map((metric) => (
              <tr key={metric}>
                <th scope="row">{metric} (last)</th>
                {runs.map((run) => {
                  const value = summaries.get(run.id)?.get(metric)?.lastValue;
                  return (
                    <td key={run.id} className="mono" title={fullNumber(value)}>
                      {formatMetric(value)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {matchingMetrics.length > outcomeMetrics.length && (
        <p className="muted small">
          The first {OUTCOME_ROWS} of {matchingMetrics.length.toLocaleString('en-US')} metrics; filter the metrics above to see others.
        </p>
      )}
    </section>
  );
}
