/**
 * One training run: status and times, lineage links, tags, notes and errors, hyperparameters, and
 * every metric as a chart. While the run is queued or running, everything refreshes every few seconds.
 */
import { useMemo, useState } from 'react';
import type { TrainingRun } from '../../core/entities.js';
import { fetchDataset, fetchHyperparameters, fetchMetricSummaries, fetchModel, fetchModelVersion, fetchRun } from '../api/endpoints.js';
import { hrefWith, Link } from '../app/router.js';
import { ChartSettingsBar, DEFAULT_CHART_SETTINGS, type ChartSettings } from '../charts/chart-settings.js';
import { MetricSections } from '../charts/metric-sections.js';
import { runColor } from '../charts/palette.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { hasKeys, JsonBlock } from '../components/json-block.js';
import { Loading } from '../components/loading.js';
import { RunEditor } from '../components/run-editor.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi, useInterval } from '../hooks/use-api.js';
import { FINISHED_RUN_STATUSES, LIVE_REFRESH_MS } from '../lib/statuses.js';
import { formatCount, formatDateTime, formatDuration, formatJsonValue, formatMetric } from '../lib/format.js';


export function RunDetailPage({ runId, query }: { runId: number; query: URLSearchParams }) {
  const [tick, setTick] = useState(0);
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_CHART_SETTINGS);
  const run = useApi((signal) => fetchRun(runId, signal), [runId, tick]);
  const live = run.data !== undefined && !FINISHED_RUN_STATUSES.includes(run.data.status);
  useInterval(() => setTick((value) => value + 1), LIVE_REFRESH_MS, live);
  const summaries = useApi((signal) => fetchMetricSummaries([runId], signal), [runId, tick]);
  const hyperparameters = useApi((signal) => fetchHyperparameters(runId, signal), [runId, tick]);
  const chartLabel = run.data?.name ?? `Run #${runId}`;
  // Thousands of metric names are ordinary: build the chart list once per answer, not per render.
  const metricList = useMemo(
    () =>
      (summaries.data ?? []).map((summary) => ({
        name: summary.name,
        runs: [{ id: runId, label: chartLabel, color: runColor(0), pointCount: summary.count }],
        // Live refresh reloads a chart only when its series changed.
        refreshKey: `${summary.count}:${summary.lastStep}:${summary.lastValue}`,
        facts: () => (
          <p className="muted small metric-facts">
            last {formatMetric(summary.lastValue)} at step {formatCount(summary.lastStep)} · min {formatMetric(summary.min)} · max{' '}
            {formatMetric(summary.max)} · {formatCount(summary.count)} points
          </p>
        ),
      })),
    [summaries.data, runId, chartLabel],
  );

  if (run.error !== undefined && run.data === undefined) return <ErrorBox error={run.error} onRetry={run.reload} />;
  if (run.data === undefined) return <Loading what={`run #${runId}`} />;
  const r = run.data;
  const label = r.name ?? `Run #${r.id}`;

  return (
    <section>
      <p className="breadcrumbs">
        <Link to="/runs">Runs</Link> / {label}
      </p>
      <h1>
        {label} <StatusBadge status={r.status} />
      </h1>
      {live && (
        <p className="live" role="status">
          <span className="live-dot" aria-hidden="true" /> Live: refreshing every {LIVE_REFRESH_MS / 1000} s
        </p>
      )}
      <div className="grid-2">
        <div className="panel">
          <h2>Run</h2>
          <dl className="facts">
            <dt>ID</dt>
            <dd>{r.id}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(r.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{formatDateTime(r.startedAt)}</dd>
            <dt>Ended</dt>
            <dd>{formatDateTime(r.endedAt)}</dd>
            <dt>Duration</dt>
            <dd>{r.durationMs !== null ? formatDuration(r.durationMs) : r.startedAt !== null ? `${formatDuration(Date.now() - r.startedAt.getTime())} so far` : '—'}</dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(r.updatedAt)}</dd>
          </dl>
        </div>
        <Lineage run={r} />
      </div>
      {r.error !== null && (
        <div className="panel error-panel">
          <h2>Error</h2>
          <pre className="json">{r.error}</pre>
        </div>
      )}
      {r.notes !== null && (
        <div className="panel">
          <h2>Notes</h2>
          <p className="prewrap">{r.notes}</p>
        </div>
      )}
      {Object.keys(r.tags).length > 0 && (
        <div className="panel">
          <h2>Tags</h2>
          <ul className="tags">
            {Object.entries(r.tags).map(([key, value]) => (
              <li key={key}>
                <span className="tag">
                  {key}
                  {value !== '' ? `=${value}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {/* Remounted on each change, so the form starts from what was saved. */}
      <RunEditor key={r.updatedAt.getTime()} run={r} onSaved={() => setTick((value) => value + 1)} />
      <div className="grid-2">
        <div className="panel">
          <h2>Hyperparameters</h2>
          {hyperparameters.data === undefined ? (
            hyperparameters.error !== undefined ? <ErrorBox error={hyperparameters.error} /> : <Loading what="hyperparameters" />
          ) : Object.keys(hyperparameters.data).length === 0 ? (
            <p className="muted">No hyperparameters logged.</p>
          ) : (
            <table className="kv">
              <tbody>
                {Object.entries(hyperparameters.data)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([name, value]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td className="mono">{formatJsonValue(value)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </div>
        {hasKeys(r.config) && (
          <div className="panel">
            <h2>Config</h2>
            <JsonBlock value={r.config} label="Run config" />
          </div>
        )}
      </div>
      <h2>Artifacts</h2>
      <ArtifactBrowser owner={{ kind: 'run', id: r.id }} />
      <h2>Metrics</h2>
      {summaries.error !== undefined && <ErrorBox error={summaries.error} onRetry={summaries.reload} />}
      {summaries.data === undefined ? (
        summaries.error === undefined && <Loading what="metrics" />
      ) : metricList.length === 0 ? (
        <EmptyState title="This run has no metrics yet.">
          <p>
            Log them with <code>logMetrics(runId, points)</code> or <code>POST /api/v1/runs/{r.id}/metrics</code>.
            {live ? ' This page refreshes while the run is live.' : ''}
          </p>
        </EmptyState>
      ) : (
        <>
          <ChartSettingsBar value={settings} onChange={setSettings} />
          <MetricSections
            path={`/runs/${r.id}`}
            query={query}
            settings={settings}
            metrics={metricList}
          />
        </>
      )}
      <p>
        <Link to={hrefWith('/runs', { dataset: r.datasetId ?? undefined, model: r.datasetId === null ? (r.modelId ?? undefined) : undefined })}>
          Other runs {r.datasetId !== null ? 'on the same dataset' : r.modelId !== null ? 'of the same model' : ''}
        </Link>
      </p>
    </section>
  );
}

function Lineage({ run }: { run: TrainingRun }) {
  const links = useApi(
    async (signal) => {
      const [model, version, dataset] = await Promise.all([
        run.modelId === null ? null : fetchModel(run.modelId, signal),
        run.modelVersionId === null ? null : fetchModelVersion(run.modelVersionId, signal),
        run.datasetId === null ? null : fetchDataset(run.datasetId, signal),
      ]);
      return { model, version, dataset };
    },
    [run.modelId, run.modelVersionId, run.datasetId],
  );
  return (
    <div className="panel">
      <h2>Lineage</h2>
      {links.error !== undefined && <ErrorBox error={links.error} onRetry={links.reload} />}
      <dl className="facts">
        <dt>Model</dt>
        <dd>
          {run.modelId === null ? '—' : <Link to={`/models/${run.modelId}`}>{links.data?.model?.name ?? `#${run.modelId}`}</Link>}
        </dd>
        <dt>Model version</dt>
        <dd>
          {run.modelVersionId === null || links.data?.version === undefined || links.data.version === null ? (
            run.modelVersionId === null ? '—' : `#${run.modelVersionId}`
          ) : (
            <Link to={`/models/${links.data.version.modelId}#version-${links.data.version.version}`}>v{links.data.version.version}</Link>
          )}
        </dd>
        <dt>Dataset</dt>
        <dd>
          {run.datasetId === null ? (
            '—'
          ) : (
            <Link to={`/datasets/${run.datasetId}`}>
              {links.data?.dataset ? `${links.data.dataset.name} @ ${links.data.dataset.version}` : `#${run.datasetId}`}
            </Link>
          )}
        </dd>
      </dl>
    </div>
  );
}
