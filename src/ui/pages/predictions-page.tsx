/**
 * Predictions: latency p50/p95/p99, volume, errors, confidence and accuracy over a window, computed by
 * the server; then the predictions themselves, newest first, filtered by model version and time,
 * with input/output previews, 1,000 more per click.
 */
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { Model, ModelVersion, Prediction } from '../../core/entities.js';
import { fetchModels, fetchModelVersions, fetchPredictionStats, fetchPredictions, fetchStatistics, type PredictionFilter } from '../api/endpoints.js';
import { hrefWith, Link, navigate } from '../app/router.js';
import { recordScales } from '../charts/record-scales.js';
import { UPlotChart } from '../charts/uplot-chart.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { useApi, useElementWidth } from '../hooks/use-api.js';
import { formatCount, formatDateTime, formatMetric, jsonPreview } from '../lib/format.js';
import { PREDICTION_RANGES, bucketTimes, describeBucket, fromZero, predictionWindow, rangeOf, seriesValues } from '../lib/prediction-window.js';

const WINDOW_PAGE = 1000;
const ROWS_PER_PAGE = 50;
const MODELS_LISTED = 100;

/** `datetime-local` inputs speak local time without a zone. */
function toLocalInput(date: Date | undefined): string {
  if (date === undefined) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function parseDate(value: string | null): Date | undefined {
  if (value === null || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function PredictionsPage({ query }: { query: URLSearchParams }) {
  const filter: PredictionFilter = {
    modelVersionId: /^\d+$/.test(query.get('modelVersion') ?? '') ? Number(query.get('modelVersion')) : undefined,
    since: parseDate(query.get('since')),
    until: parseDate(query.get('until')),
  };
  const range = rangeOf(query.get('range'));
  const filterKey = `${filter.modelVersionId}|${filter.since?.getTime()}|${filter.until?.getTime()}`;
  const setFilter = (next: PredictionFilter, nextRange: string = range.value) =>
    navigate(
      hrefWith('/predictions', {
        modelVersion: next.modelVersionId,
        since: next.since?.toISOString(),
        until: next.until?.toISOString(),
        range: nextRange === 'default' ? undefined : nextRange,
      }),
      { replace: true },
    );

  const versions = useApi(async (signal) => {
    const models = (await fetchModels({ limit: MODELS_LISTED }, signal)).items;
    const lists = await Promise.all(models.map(async (model) => ({ model, versions: await fetchModelVersions(model.id, {}, signal) })));
    return lists.flatMap(({ model, versions: list }) => list.map((version) => ({ model, version }))) as { model: Model; version: ModelVersion }[];
  }, []);
  const versionLabel = useMemo(() => {
    const labels = new Map<number, string>();
    for (const { model, version } of versions.data ?? []) labels.set(version.id, `${model.name} v${version.version}`);
    return labels;
  }, [versions.data]);

  const [extra, setExtra] = useState<{ items: Prediction[]; cursor: string | null } | null>(null);
  const first = useApi(
    async (signal) => {
      setExtra(null);
      return fetchPredictions({ ...filter, limit: WINDOW_PAGE }, signal);
    },
    [filterKey],
  );
  const predictions = useMemo(() => [...(first.data?.items ?? []), ...(extra?.items ?? [])], [first.data, extra]);
  const cursor = extra !== null ? extra.cursor : (first.data?.nextCursor ?? null);
  const [loadingMore, setLoadingMore] = useState(false);
  const loadMore = async () => {
    if (cursor === null) return;
    setLoadingMore(true);
    try {
      const page = await fetchPredictions({ ...filter, limit: WINDOW_PAGE, cursor });
      setExtra((previous) => ({ items: [...(previous?.items ?? []), ...page.items], cursor: page.nextCursor }));
    } finally {
      setLoadingMore(false);
    }
  };
  const [page, setPage] = useState(0);
  const pageCount = Math.max(1, Math.ceil(predictions.length / ROWS_PER_PAGE));
  const currentPage = Math.min(page, pageCount - 1);
  const rows = predictions.slice(currentPage * ROWS_PER_PAGE, (currentPage + 1) * ROWS_PER_PAGE);
  const filtered = filter.modelVersionId !== undefined || filter.since !== undefined || filter.until !== undefined;

  return (
    <section>
      <h1>Predictions</h1>
      <form className="toolbar" role="search" aria-label="Filter predictions" onSubmit={(event) => event.preventDefault()}>
        <label>
          Model version{' '}
          <select
            value={filter.modelVersionId ?? ''}
            onChange={(event) => setFilter({ ...filter, modelVersionId: event.target.value === '' ? undefined : Number(event.target.value) })}
          >
            <option value="">All versions</option>
            {(versions.data ?? []).map(({ model, version }) => (
              <option key={version.id} value={version.id}>
                {model.name} v{version.version} ({version.status})
              </option>
            ))}
            {filter.modelVersionId !== undefined && !versionLabel.has(filter.modelVersionId) && (
              <option value={filter.modelVersionId}>Version #{filter.modelVersionId}</option>
            )}
          </select>
        </label>
        <label>
          Window{' '}
          <select value={range.value} onChange={(event) => setFilter(filter, event.target.value)}>
            {PREDICTION_RANGES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          From{' '}
          <input
            type="datetime-local"
            value={toLocalInput(filter.since)}
            onChange={(event) => setFilter({ ...filter, since: parseDate(event.target.value) })}
          />
        </label>
        <label>
          Until{' '}
          <input
            type="datetime-local"
            value={toLocalInput(filter.until)}
            onChange={(event) => setFilter({ ...filter, until: parseDate(event.target.value) })}
          />
        </label>
        {filtered && (
          <button type="button" onClick={() => setFilter({}, 'default')}>
            Clear filters
          </button>
        )}
        <Link
          to={hrefWith('/predictions/compare', {
            model: (versions.data ?? []).find(({ version }) => version.id === filter.modelVersionId)?.model.id,
            range: query.get('range') ?? undefined,
          })}
        >
          Compare versions
        </Link>
      </form>
      {first.error !== undefined && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading what="predictions" />
      ) : predictions.length === 0 ? (
        filtered ? (
          <p className="muted">No predictions match these filters.</p>
        ) : (
          <EmptyState title="No predictions logged yet.">
            <p>
              Log inference results with <code>logPrediction</code> or <code>POST /api/v1/predictions</code>; <code>aimdb demo</code> adds
              some examples.
            </p>
          </EmptyState>
        )
      ) : (
        <>
          <StatsPanel filter={filter} range={range} />
          <div className="toolbar">
            <span>
              {formatCount(predictions.length)} predictions loaded{cursor !== null ? ' (more exist)' : ''}
            </span>
            {cursor !== null && (
              <button onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : `Load ${formatCount(WINDOW_PAGE)} more`}
              </button>
            )}
          </div>
          <div className="table-wrap">
            <table className="predictions-table">
              <thead>
                <tr>
                  <th scope="col" className="when">Time</th>
                  <th scope="col">Model version</th>
                  <th scope="col">Input</th>
                  <th scope="col">Output</th>
                  <th scope="col">Ground truth</th>
                  <th scope="col" className="num">
                    Confidence
                  </th>
                  <th scope="col" className="num">
                    Latency
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((prediction) => (
                  <tr key={prediction.id}>
                    <td className="when">{formatDateTime(prediction.timestamp)}</td>
                    <td>{versionLabel.get(prediction.modelVersionId) ?? `#${prediction.modelVersionId}`}</td>
                    <td className="mono preview" title={JSON.stringify(prediction.input)}>
                      {jsonPreview(prediction.input)}
                    </td>
                    <td className="mono preview" title={JSON.stringify(prediction.output)}>
                      {jsonPreview(prediction.output)}
                    </td>
                    <td className="mono preview">{jsonPreview(prediction.groundTruth)}</td>
                    <td className="num">{formatMetric(prediction.confidence)}</td>
                    <td className="num">{prediction.latencyMs === null ? '—' : `${formatMetric(prediction.latencyMs)} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={currentPage} pageCount={pageCount} onPage={setPage} label="Predictions pages" />
        </>
      )}
    </section>
  );
}

const PERCENTILE_COLORS = { p50: '#2ca02c', p95: '#ff7f0e', p99: '#d62728' } as const;
const COUNT_COLOR = '#1f77b4';
/** Buckets the charts ask for over the window; the server rounds the width to a whole minute, hour or day multiple. */
const TARGET_BUCKETS = 120;


function StatsPanel({ filter, range }: { filter: PredictionFilter; range: ReturnType<typeof rangeOf> }) {
  const [latencyRef, latencyWidth] = useElementWidth<HTMLDivElement>();
  const [countRef, countWidth] = useElementWidth<HTMLDivElement>();
  const stats = useApi(
    async (signal) => {
      const newest = filter.until === undefined ? (await fetchStatistics(signal)).latest.predictionAt : null;
      const window = predictionWindow(filter, newest, range.ms);
      return fetchPredictionStats(
        { ...(filter.modelVersionId === undefined ? {} : { modelVersionId: filter.modelVersionId }), ...window, buckets: TARGET_BUCKETS },
        signal,
      );
    },
    [filter.modelVersionId, filter.since?.getTime(), filter.until?.getTime(), range.ms],
  );
  const charts = useMemo(() => {
    if (stats.data === undefined) return undefined;
    const answer = stats.data;
    const series = answer.series[0];
    const times = bucketTimes(answer);
    // The x axis spans the window asked for, whatever the data: five predictions in one second get a
    // minute-wide bucket inside a window of hours, not an axis uPlot stretches over years.
    const xRange: uPlot.Scale.Range = () => [answer.since.getTime() / 1000, answer.until.getTime() / 1000];
    const latency: Omit<uPlot.Options, 'width' | 'height'> = {
      series: [
        {},
        ...(['p50', 'p95', 'p99'] as const).map((key) => ({
          label: key,
          stroke: PERCENTILE_COLORS[key],
          width: 2,
          spanGaps: false,
          points: { show: (series?.buckets.length ?? 0) < 60 },
        })),
      ],
      legend: { show: false },
      scales: { x: { time: true, range: xRange }, y: { range: fromZero } },
      axes: [{ stroke: '#6b7280' }, { stroke: '#6b7280', label: 'latency (ms)', size: 60 }],
      hooks: { ready: [recordScales], setScale: [recordScales] },
    };
    const count: Omit<uPlot.Options, 'width' | 'height'> = {
      series: [{}, { label: 'predictions', stroke: COUNT_COLOR, fill: 'rgba(31,119,180,0.25)', width: 1 }],
      legend: { show: false },
      scales: { x: { time: true, range: xRange }, y: { range: fromZero } },
      axes: [{ stroke: '#6b7280' }, { stroke: '#6b7280', label: 'per bucket', size: 60 }],
      hooks: { ready: [recordScales], setScale: [recordScales] },
    };
    return {
      latency,
      latencyData: [
        times,
        seriesValues(answer, series, (bucket) => bucket.latency.p50),
        seriesValues(answer, series, (bucket) => bucket.latency.p95),
        seriesValues(answer, series, (bucket) => bucket.latency.p99),
      ] as uPlot.AlignedData,
      count,
      countData: [times, seriesValues(answer, series, (bucket) => bucket.count, 0)] as uPlot.AlignedData,
    };
  }, [stats.data]);
  const total = stats.data?.series[0]?.total;
  return (
    <div className="panel" data-panel="prediction-stats">
      <h2>Latency, volume and accuracy</h2>
      {stats.error !== undefined && <ErrorBox error={stats.error} onRetry={stats.reload} />}
      {stats.data === undefined || total === undefined ? (
        stats.error === undefined && <Loading what="prediction statistics" />
      ) : (
        <>
          <p className="muted small" data-window>
            {formatDateTime(stats.data.since)} – {formatDateTime(stats.data.until)}, in buckets of {describeBucket(stats.data.bucketMs)}. Computed by the
            server from every prediction of the window; latency percentiles within {stats.data.quantileError * 100} %.
          </p>
          {total.count === 0 ? (
            <p className="muted">No predictions in this window.</p>
          ) : (
            <>
              <p>
                {formatCount(total.count)} predictions · p50 <strong>{formatMetric(total.latency.p50)} ms</strong> · p95{' '}
                <strong>{formatMetric(total.latency.p95)} ms</strong> · p99 <strong>{formatMetric(total.latency.p99)} ms</strong> · max{' '}
                {formatMetric(total.latency.max)} ms · errors {formatCount(total.errorCount)} · mean confidence {formatMetric(total.confidence.mean)} ·
                accuracy {total.labelled === 0 ? 'no ground truth yet' : `${formatMetric((total.accuracy ?? 0) * 100)} % of ${formatCount(total.labelled)} labelled`}
              </p>
              <ul className="chart-legend" aria-label="Latency series">
                {(['p50', 'p95', 'p99'] as const).map((key) => (
                  <li key={key}>
                    <span className="swatch" style={{ background: PERCENTILE_COLORS[key] }} aria-hidden="true" /> {key}
                  </li>
                ))}
              </ul>
              <div ref={latencyRef} className="chart-area" data-chart="latency-percentiles">
                {charts !== undefined && latencyWidth > 0 && (
                  <UPlotChart options={charts.latency} data={charts.latencyData} width={latencyWidth} height={200} label="Latency p50, p95 and p99 per bucket" />
                )}
              </div>
              <div ref={countRef} className="chart-area" data-chart="prediction-counts">
                {charts !== undefined && countWidth > 0 && (
                  <UPlotChart options={charts.count} data={charts.countData} width={countWidth} height={120} label="Predictions per bucket" />
                )}
              </div>
            </>
          )}
        </>
      )}
    </div>
  );
}
