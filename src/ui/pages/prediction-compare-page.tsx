/**
 * Versions side by side (A/B tests, canaries): two or more versions of a model over the same window
 * and buckets, their aggregates in one table with each version's change from the first, and their
 * latency, volume and accuracy drawn on the same axes. One multi-version statistics call; the
 * server computes every number.
 */
import { useCallback, useMemo } from 'react';
import type uPlot from 'uplot';
import type { ModelVersion, PredictionStats } from '../../core/entities.js';
import { fetchModelVersion, fetchModelVersions, fetchModels, fetchPredictionStats, fetchStatistics } from '../api/endpoints.js';
import { hrefWith, Link, navigate } from '../app/router.js';
import { runColor } from '../charts/palette.js';
import { recordScales } from '../charts/record-scales.js';
import { UPlotChart } from '../charts/uplot-chart.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { useApi, useElementWidth } from '../hooks/use-api.js';
import { formatDateTime } from '../lib/format.js';
import {
  COMPARED_PERCENTILES,
  MAX_COMPARED_VERSIONS,
  comparisonRows,
  formatChange,
  parseVersionIds,
  percentileOf,
  seriesInOrder,
  type ComparedPercentile,
} from '../lib/prediction-compare.js';
import { DEFAULT_PREDICTION_RANGE, PREDICTION_RANGES, bucketTimes, describeBucket, fromZero, predictionWindow, rangeOf, seriesValues } from '../lib/prediction-window.js';

const MODELS_LISTED = 100;
/** Buckets the charts ask for over the window, as on the predictions page. */
const TARGET_BUCKETS = 120;

interface CompareQuery {
  modelId: number | undefined;
  versionIds: number[];
  range: string;
  percentile: ComparedPercentile;
}

function hrefOf(next: CompareQuery): string {
  return hrefWith('/predictions/compare', {
    model: next.modelId,
    versions: next.versionIds.join(','),
    range: next.range === DEFAULT_PREDICTION_RANGE ? undefined : next.range,
    percentile: next.percentile === 'p95' ? undefined : next.percentile,
  });
}

export function PredictionComparePage({ query }: { query: URLSearchParams }) {
  const asked: CompareQuery = {
    modelId: /^\d+$/.test(query.get('model') ?? '') ? Number(query.get('model')) : undefined,
    versionIds: parseVersionIds(query.get('versions')),
    range: rangeOf(query.get('range')).value,
    percentile: percentileOf(query.get('percentile')),
  };
  const range = rangeOf(asked.range);
  const set = (next: Partial<CompareQuery>) => navigate(hrefOf({ ...asked, ...next }), { replace: true });

  // The model: named in the URL, else the one of the first version named; its versions, newest first.
  const model = useApi(
    async (signal) => {
      const models = (await fetchModels({ limit: MODELS_LISTED }, signal)).items;
      let modelId = asked.modelId;
      if (modelId === undefined && asked.versionIds[0] !== undefined) modelId = (await fetchModelVersion(asked.versionIds[0], signal)).modelId;
      modelId ??= models[0]?.id;
      const versions = modelId === undefined ? [] : [...(await fetchModelVersions(modelId, {}, signal))].reverse();
      return { models, modelId, versions };
    },
    [asked.modelId, asked.versionIds[0]],
  );
  // Without a choice, the two newest versions: the canary and the version it replaces. Kept by
  // value, so the charts are rebuilt when the choice changes and not on every render.
  const chosenKey = (asked.versionIds.length > 0 ? asked.versionIds : (model.data?.versions.slice(0, 2).map((version) => version.id) ?? [])).join(',');
  const versionIds = useMemo(() => parseVersionIds(chosenKey), [chosenKey]);
  const labelOf = useCallback(
    (id: number) => {
      const version = model.data?.versions.find((candidate) => candidate.id === id);
      return version === undefined ? `version #${id}` : `v${version.version}`;
    },
    [model.data],
  );

  const toggle = (version: ModelVersion, on: boolean) => {
    const next = on ? [...versionIds, version.id] : versionIds.filter((id) => id !== version.id);
    set({ modelId: model.data?.modelId, versionIds: next });
  };

  return (
    <section>
      <p className="breadcrumbs">
        <Link to="/predictions">Predictions</Link> / Compare versions
      </p>
      <h1>Compare model versions</h1>
      {model.error !== undefined && <ErrorBox error={model.error} onRetry={model.reload} />}
      {model.data === undefined ? (
        model.error === undefined && <Loading what="models" />
      ) : model.data.modelId === undefined ? (
        <p className="muted">No models registered yet.</p>
      ) : (
        <>
          <form className="toolbar" aria-label="Versions to compare" onSubmit={(event) => event.preventDefault()}>
            <label>
              Model{' '}
              <select value={model.data.modelId} onChange={(event) => set({ modelId: Number(event.target.value), versionIds: [] })}>
                {model.data.models.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </label>
            <fieldset className="inline-fieldset">
              <legend>Versions</legend>
              {model.data.versions.map((version) => {
                const checked = versionIds.includes(version.id);
                return (
                  <label key={version.id}>
                    <input
                      type="checkbox"
                      checked={checked}
                      disabled={!checked && versionIds.length >= MAX_COMPARED_VERSIONS}
                      onChange={(event) => toggle(version, event.target.checked)}
                    />{' '}
                    v{version.version} <span className="muted small">({version.status})</span>
                  </label>
                );
              })}
            </fieldset>
            <label>
              Window{' '}
              <select value={range.value} onChange={(event) => set({ range: event.target.value })}>
                {PREDICTION_RANGES.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Latency chart{' '}
              <select value={asked.percentile} onChange={(event) => set({ percentile: percentileOf(event.target.value) })}>
                {COMPARED_PERCENTILES.map((key) => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            </label>
          </form>
          {versionIds.length < 2 ? (
            <p className="muted">Choose two or more versions to compare them side by side.</p>
          ) : (
            <Comparison versionIds={versionIds} rangeMs={range.ms} percentile={asked.percentile} labelOf={labelOf} />
          )}
        </>
      )}
    </section>
  );
}

function Comparison({
  versionIds,
  rangeMs,
  percentile,
  labelOf,
}: {
  versionIds: number[];
  rangeMs: number;
  percentile: ComparedPercentile;
  labelOf: (id: number) => string;
}) {
  const stats = useApi(
    async (signal) => {
      const newest = (await fetchStatistics(signal)).latest.predictionAt;
      return fetchPredictionStats({ modelVersionIds: versionIds, ...predictionWindow({}, newest, rangeMs), buckets: TARGET_BUCKETS }, signal);
    },
    [versionIds.join(','), rangeMs],
  );
  if (stats.error !== undefined) return <ErrorBox error={stats.error} onRetry={stats.reload} />;
  if (stats.data === undefined) return <Loading what="prediction statistics" />;
  const answer = stats.data;
  const rows = comparisonRows(answer, versionIds);
  return (
    <div className="panel" data-panel="version-comparison">
      <p className="muted small" data-window>
        {formatDateTime(answer.since)} – {formatDateTime(answer.until)}, in buckets of {describeBucket(answer.bucketMs)}, the same for every version.
        Computed by the server from every prediction of the window; latency percentiles within {answer.quantileError * 100} %. Changes are
        relative to {labelOf(versionIds[0]!)}.
      </p>
      <div className="table-wrap">
        <table data-compare-table>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              {versionIds.map((id, index) => (
                <th scope="col" className="num" key={id} data-version={id}>
                  <span className="swatch" style={{ background: runColor(index) }} aria-hidden="true" />
                  {labelOf(id)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} data-measure={row.key}>
                <th scope="row">{row.label}</th>
                {row.texts.map((text, index) => {
                  const change = row.changes[index] ?? null;
                  const worse = change !== null && change !== 0 && row.better !== 'neither' && (change > 0) === (row.better === 'lower');
                  return (
                    <td className="num" key={versionIds[index]} data-version={versionIds[index]}>
                      <span data-value>{text}</span>
                      {change !== null && (
                        <span className={`small ${worse ? 'change-worse' : 'muted'}`} data-change>
                          {' '}
                          ({formatChange(change)})
                        </span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul className="chart-legend" aria-label="Versions">
        {versionIds.map((id, index) => (
          <li key={id}>
            <span className="swatch" style={{ background: runColor(index) }} aria-hidden="true" /> {labelOf(id)}
          </li>
        ))}
      </ul>
      <OverlaidCharts stats={answer} versionIds={versionIds} percentile={percentile} labelOf={labelOf} />
    </div>
  );
}

function OverlaidCharts({
  stats,
  versionIds,
  percentile,
  labelOf,
}: {
  stats: PredictionStats;
  versionIds: number[];
  percentile: ComparedPercentile;
  labelOf: (id: number) => string;
}) {
  const [latencyRef, latencyWidth] = useElementWidth<HTMLDivElement>();
  const [countRef, countWidth] = useElementWidth<HTMLDivElement>();
  const [accuracyRef, accuracyWidth] = useElementWidth<HTMLDivElement>();
  const labelled = stats.series.some((series) => series.total.labelled > 0);
  const charts = useMemo(() => {
    const series = seriesInOrder(stats, versionIds);
    const times = bucketTimes(stats);
    // Every chart spans the answered window, whatever the data (as on the predictions page).
    const xRange: uPlot.Scale.Range = () => [stats.since.getTime() / 1000, stats.until.getTime() / 1000];
    const few = Math.max(...series.map((one) => one?.buckets.length ?? 0)) < 60;
    const options = (yLabel: string, yRange: uPlot.Scale.Range): Omit<uPlot.Options, 'width' | 'height'> => ({
      series: [
        {},
        ...versionIds.map((id, index) => ({ label: labelOf(id), stroke: runColor(index), width: 2, spanGaps: false, points: { show: few } })),
      ],
      legend: { show: false },
      scales: { x: { time: true, range: xRange }, y: { range: yRange } },
      axes: [{ stroke: '#6b7280' }, { stroke: '#6b7280', label: yLabel, size: 60 }],
      hooks: { ready: [recordScales], setScale: [recordScales] },
    });
    return {
      latency: options(`latency ${percentile} (ms)`, fromZero),
      latencyData: [times, ...series.map((one) => seriesValues(stats, one, (bucket) => bucket.latency[percentile]))] as uPlot.AlignedData,
      count: options('per bucket', fromZero),
      countData: [times, ...series.map((one) => seriesValues(stats, one, (bucket) => bucket.count, 0))] as uPlot.AlignedData,
      accuracy: options('accuracy (%)', () => [0, 100]),
      accuracyData: [times, ...series.map((one) => seriesValues(stats, one, (bucket) => (bucket.accuracy === null ? null : bucket.accuracy * 100)))] as uPlot.AlignedData,
    };
  }, [stats, versionIds, percentile, labelOf]);
  return (
    <>
      <h3>Latency {percentile}</h3>
      <div ref={latencyRef} className="chart-area" data-chart="compare-latency">
        {latencyWidth > 0 && <UPlotChart options={charts.latency} data={charts.latencyData} width={latencyWidth} height={220} label={`Latency ${percentile} per bucket, one line per version`} />}
      </div>
      <h3>Predictions per bucket</h3>
      <div ref={countRef} className="chart-area" data-chart="compare-counts">
        {countWidth > 0 && <UPlotChart options={charts.count} data={charts.countData} width={countWidth} height={140} label="Predictions per bucket, one line per version" />}
      </div>
      <h3>Accuracy</h3>
      {labelled ? (
        <div ref={accuracyRef} className="chart-area" data-chart="compare-accuracy">
          {accuracyWidth > 0 && (
            <UPlotChart options={charts.accuracy} data={charts.accuracyData} width={accuracyWidth} height={140} label="Accuracy per bucket, one line per version" />
          )}
        </div>
      ) : (
        <p className="muted">No ground truth recorded in this window for these versions.</p>
      )}
    </>
  );
}
