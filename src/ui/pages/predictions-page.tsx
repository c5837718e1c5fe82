/**
 * Predictions: newest first, filtered by model version and time, with input/output previews and
 * p50/p95/p99 latency over time. The API has no latency aggregate, so percentiles are computed in
 * the browser from the predictions loaded (the page says how many), 1,000 more per click.
 */
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { Model, ModelVersion, Prediction } from '../../core/entities.js';
import { fetchModels, fetchModelVersions, fetchPredictions, type PredictionFilter } from '../api/endpoints.js';
import { hrefWith, navigate } from '../app/router.js';
import { UPlotChart } from '../charts/uplot-chart.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { useApi, useElementWidth } from '../hooks/use-api.js';
import { formatCount, formatDateTime, formatMetric, jsonPreview } from '../lib/format.js';
import { latencyPercentilesOverTime } from '../lib/percentiles.js';

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
  const filterKey = `${filter.modelVersionId}|${filter.since?.getTime()}|${filter.until?.getTime()}`;
  const setFilter = (next: PredictionFilter) =>
    navigate(
      hrefWith('/predictions', { modelVersion: next.modelVersionId, since: next.since?.toISOString(), until: next.until?.toISOString() }),
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
          <button type="button" onClick={() => setFilter({})}>
            Clear filters
          </button>
        )}
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
          <LatencyPanel predictions={predictions} more={cursor !== null} />
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
                  <th scope="col">Time</th>
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
                    <td>{formatDateTime(prediction.timestamp)}</td>
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

function LatencyPanel({ predictions, more }: { predictions: Prediction[]; more: boolean }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const summary = useMemo(() => latencyPercentilesOverTime(predictions), [predictions]);
  const chart = useMemo(() => {
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      series: [
        {},
        ...(['p50', 'p95', 'p99'] as const).map((key) => ({
          label: key,
          stroke: PERCENTILE_COLORS[key],
          width: 2,
          points: { show: summary.buckets.length < 60 },
        })),
      ],
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{ stroke: '#6b7280' }, { stroke: '#6b7280', label: 'latency (ms)', size: 60 }],
    };
    const data: uPlot.AlignedData = [
      summary.buckets.map((bucket) => bucket.start / 1000),
      summary.buckets.map((bucket) => bucket.p50),
      summary.buckets.map((bucket) => bucket.p95),
      summary.buckets.map((bucket) => bucket.p99),
    ];
    return { options, data };
  }, [summary]);
  const minutes = summary.intervalMs / 60_000;
  return (
    <div className="panel">
      <h2>Latency percentiles</h2>
      {summary.overall.count === 0 ? (
        <p className="muted">None of the loaded predictions reports a latency.</p>
      ) : (
        <>
          <p>
            Overall: p50 <strong>{formatMetric(summary.overall.p50)} ms</strong> · p95 <strong>{formatMetric(summary.overall.p95)} ms</strong> · p99{' '}
            <strong>{formatMetric(summary.overall.p99)} ms</strong>
          </p>
          <ul className="chart-legend" aria-label="Latency series">
            {(['p50', 'p95', 'p99'] as const).map((key) => (
              <li key={key}>
                <span className="swatch" style={{ background: PERCENTILE_COLORS[key] }} aria-hidden="true" /> {key}
              </li>
            ))}
          </ul>
          <div ref={ref} className="chart-area" data-chart="latency-percentiles">
            {width > 0 && <UPlotChart options={chart.options} data={chart.data} width={width} height={200} label="Latency p50, p95 and p99 over time" />}
          </div>
          <p className="muted small">
            Computed in this browser from the {formatCount(summary.overall.count)} loaded predictions that report a latency, per{' '}
            {minutes >= 60 ? `${minutes / 60} h` : minutes >= 1 ? `${minutes} min` : `${summary.intervalMs / 1000} s`} interval. The server keeps
            no latency aggregate{more ? '; load more predictions to widen the window' : ''}.
          </p>
        </>
      )}
    </div>
  );
}
