/**
 * Overview: counts, runs and model versions by status, the newest runs and model versions, and
 * predictions per hour over the last day of activity (counted by the server).
 */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { ModelVersion, Model, Statistics } from '../../core/entities.js';
import { fetchModels, fetchModelVersions, fetchPredictionStats, fetchRuns, fetchStatistics } from '../api/endpoints.js';
import { Link } from '../app/router.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { RunSummaryTable } from '../components/run-summary-table.js';
import { StatusBadge } from '../components/status-badge.js';
import { UPlotChart } from '../charts/uplot-chart.js';
import { useApi, useElementWidth } from '../hooks/use-api.js';
import { formatCount, formatDateTime, formatRelative } from '../lib/format.js';
import { bucketTimes, fromZero, seriesValues } from '../lib/prediction-window.js';
import { recordScales } from '../charts/record-scales.js';

/** Models whose versions are scanned for "recent model versions" (there is no global versions list). */
const RECENT_MODELS_SCANNED = 20;
const HOUR = 3_600_000;

export function OverviewPage() {
  const stats = useApi((signal) => fetchStatistics(signal), []);
  if (stats.error !== undefined) return <ErrorBox error={stats.error} onRetry={stats.reload} />;
  if (stats.data === undefined) return <Loading what="statistics" />;
  const counts = stats.data.counts;
  const empty = counts.models + counts.trainingRuns + counts.datasets + counts.predictions + counts.experiments === 0;
  return (
    <section>
      <h1>Overview</h1>
      {empty ? (
        <EmptyState title="This database is empty." />
      ) : (
        <>
          <StatisticsCards stats={stats.data} />
          <div className="grid-2">
            <RecentRuns />
            <RecentModelVersions />
          </div>
          <PredictionsPerHour latest={stats.data.latest.predictionAt} total={counts.predictions} />
        </>
      )}
    </section>
  );
}

function StatisticsCards({ stats }: { stats: Statistics }) {
  const c = stats.counts;
  const cards: [string, number, string | undefined][] = [
    ['Models', c.models, '/models'],
    ['Model versions', c.modelVersions, '/models'],
    ['Datasets', c.datasets, '/datasets'],
    ['Training runs', c.trainingRuns, '/runs'],
    ['Experiments', c.experiments, '/experiments'],
    ['Metric series', c.metricSeries, undefined],
    ['Metric points', c.metricPoints, undefined],
    ['Predictions', c.predictions, '/predictions'],
  ];
  return (
    <>
      <ul className="stat-cards" aria-label="Counts">
        {cards.map(([label, value, to]) => (
          <li key={label} className="stat-card">
            <span className="stat-value">{formatCount(value)}</span>
            <span className="stat-label">{to === undefined ? label : <Link to={to}>{label}</Link>}</span>
          </li>
        ))}
      </ul>
      <div className="grid-2">
        <div className="panel">
          <h2>Runs by status</h2>
          <ul className="status-list">
            {Object.entries(stats.runsByStatus).map(([status, count]) => (
              <li key={status}>
                <StatusBadge status={status as keyof Statistics['runsByStatus']} />{' '}
                <Link to={`/runs?status=${status}`}>{formatCount(count)}</Link>
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h2>Model versions by status</h2>
          <ul className="status-list">
            {Object.entries(stats.modelVersionsByStatus).map(([status, count]) => (
              <li key={status}>
                <StatusBadge status={status as keyof Statistics['modelVersionsByStatus']} /> {formatCount(count)}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}

function RecentRuns() {
  const runs = useApi((signal) => fetchRuns({ limit: 10 }, signal), []);
  return (
    <div className="panel">
      <h2>Recent runs</h2>
      {runs.error !== undefined && <ErrorBox error={runs.error} onRetry={runs.reload} />}
      {runs.data === undefined ? (
        runs.error === undefined && <Loading what="runs" />
      ) : runs.data.items.length === 0 ? (
        <EmptyState title="No training runs yet." />
      ) : (
        <RunSummaryTable runs={runs.data.items} relativeStart />
      )}
    </div>
  );
}

function RecentModelVersions() {
  const versions = useApi(async (signal) => {
    const models = (await fetchModels({ limit: RECENT_MODELS_SCANNED }, signal)).items;
    const perModel = await Promise.all(models.map(async (model) => ({ model, versions: await fetchModelVersions(model.id, {}, signal) })));
    return perModel
      .flatMap(({ model, versions: list }) => list.map((version) => ({ model, version })))
      // Newest first; versions created in the same millisecond by id, so the panel never reshuffles.
      .sort((a, b) => b.version.createdAt.getTime() - a.version.createdAt.getTime() || b.version.id - a.version.id)
      .slice(0, 10) as { model: Model; version: ModelVersion }[];
  }, []);
  return (
    <div className="panel">
      <h2>Recent model versions</h2>
      {versions.error !== undefined && <ErrorBox error={versions.error} onRetry={versions.reload} />}
      {versions.data === undefined ? (
        versions.error === undefined && <Loading what="model versions" />
      ) : versions.data.length === 0 ? (
        <EmptyState title="No model versions yet." />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map(({ model, version }) => (
                <tr key={version.id}>
                  <td>
                    <Link to={`/models/${model.id}`}>{model.name}</Link>
                  </td>
                  <td>v{version.version}</td>
                  <td>
                    <StatusBadge status={version.status} />
                  </td>
                  <td title={formatDateTime(version.createdAt)}>{formatRelative(version.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">Newest versions of the {RECENT_MODELS_SCANNED} most recently created models.</p>
    </div>
  );
}

function PredictionsPerHour({ latest, total }: { latest: Date | null; total: number }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const recent = useApi(async (signal) => {
    if (latest === null) return undefined;
    // The 24 whole hours up to and including the one of the newest prediction.
    const until = new Date(Math.floor(latest.getTime() / HOUR) * HOUR + HOUR);
    return fetchPredictionStats({ since: new Date(until.getTime() - 24 * HOUR), until, bucket: 'hour' }, signal);
  }, [latest?.getTime()]);
  const chart = useMemo(() => {
    if (recent.data === undefined) return undefined;
    const answer = recent.data;
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      series: [{}, { label: 'predictions', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.25)', width: 1, paths: undefined }],
      legend: { show: false },
      // From zero: a y axis that starts near the busiest hours makes a quiet or partial hour look like an outage.
      scales: { x: { time: true, range: () => [answer.since.getTime() / 1000, answer.until.getTime() / 1000] }, y: { range: fromZero } },
      axes: [{ stroke: '#6b7280' }, { stroke: '#6b7280', label: 'per hour', size: 60 }],
      hooks: { ready: [recordScales], setScale: [recordScales] },
    };
    const data: uPlot.AlignedData = [bucketTimes(answer), seriesValues(answer, answer.series[0], (bucket) => bucket.count, 0)];
    return { options, data };
  }, [recent.data]);
  return (
    <div className="panel">
      <h2>Predictions per hour</h2>
      {total === 0 || latest === null ? (
        <EmptyState title="No predictions logged yet.">
          <p>
            Log inference results with <code>logPrediction</code> (or <code>POST /api/v1/predictions</code>); <code>aimdb demo</code> adds some.
          </p>
        </EmptyState>
      ) : (
        <>
          {recent.error !== undefined && <ErrorBox error={recent.error} onRetry={recent.reload} />}
          <div ref={ref} className="chart-area" data-chart="predictions-per-hour">
            {chart !== undefined && width > 0 && (
              <UPlotChart options={chart.options} data={chart.data} width={width} height={180} label="Predictions per hour over the last 24 hours of activity" />
            )}
          </div>
          {recent.data !== undefined && (
            <p className="muted small" data-window>
              {formatDateTime(recent.data.since)} – {formatDateTime(recent.data.until)}, per hour: all{' '}
              {formatCount(recent.data.series[0]?.total.count ?? 0)} predictions of the window, counted by the server. The last hour ends at the
              newest prediction ({formatDateTime(latest)}) and may be partial.
            </p>
          )}
        </>
      )}
    </div>
  );
}
