/**
 * One metric as a chart, for one run or several overlaid. Against the step axis it asks the server
 * for as many buckets as the chart is wide (min/max band + last value per bucket), so a
 * million-point history costs one small answer. Epoch and time axes need each point's epoch or
 * timestamp, which buckets do not carry: they load raw points for series up to RAW_POINT_LIMIT and
 * fall back to steps beyond that, saying so (docs/decisions/0601-chart-data.md).
 *
 * A chart loads nothing until it comes near the viewport, and refreshes only while it is there;
 * bucket reads of the charts on screen travel together in one request (api/bucket-batcher.ts).
 */
import { useMemo, useRef, useState, type ReactNode } from 'react';
import type uPlot from 'uplot';
import { fetchBucketsBatched, type StepRange } from '../api/bucket-batcher.js';
import { fetchMetricPoints } from '../api/endpoints.js';
import { useApi, useElementWidth, useInView } from '../hooks/use-api.js';
import { formatLogTick, formatMetric, formatTicks } from '../lib/format.js';
import type { ChartSettings, XAxis } from './chart-settings.js';
import { withAlpha } from './palette.js';
import { alignOnX, forLogScale, groupSeries, seriesFromBuckets, seriesFromPoints, smooth, X_ACCESSORS, type ChartSeries } from './series.js';
import { UPlotChart } from './uplot-chart.js';

/** Largest series drawn against epoch or time (raw points are fetched for those axes). */
export const RAW_POINT_LIMIT = 20_000;
/** Widths are rounded to this many pixels so small resizes do not refetch. */
const WIDTH_STEP = 16;
/** Tick spacings for step and epoch axes: 1, 2, 5, 10, 20, 50 … */
const INTEGER_INCREMENTS = Array.from({ length: 13 }, (_, power) => [1, 2, 5].map((factor) => factor * 10 ** power)).flat();
/** Canvas cannot read CSS variables; a grey readable on light and dark backgrounds. */
const AXIS_COLOR = '#6b7280';

export interface ChartRun {
  id: number;
  label: string;
  color: string;
  /** Points in the series (from its metric summary); decides whether raw points may be loaded. */
  pointCount: number;
}

/** Runs drawn together as one mean line with a min–max band (compare's "group by"). */
export interface ChartGroup {
  label: string;
  color: string;
  runIds: number[];
}

interface LoadedRun {
  run: ChartRun;
  series: ChartSeries;
  axis: XAxis;
}

async function loadSeries(run: ChartRun, metric: string, axis: XAxis, buckets: number, signal: AbortSignal, range: StepRange | null): Promise<LoadedRun> {
  if (axis === 'step' || run.pointCount > RAW_POINT_LIMIT) {
    return { run, series: seriesFromBuckets(await fetchBucketsBatched(run.id, metric, buckets, signal, range ?? undefined)), axis: 'step' };
  }
  const points = await fetchMetricPoints(run.id, metric, RAW_POINT_LIMIT, signal);
  return { run, series: seriesFromPoints(points, X_ACCESSORS[axis], buckets), axis };
}

export interface MetricChartProps {
  metric: string;
  runs: ChartRun[];
  settings: ChartSettings;
  /**
   * Changing it reloads the data (live refresh) when the chart is on screen; a chart out of view
   * reloads when it comes back. Give each chart a key of its own series' state (its summary) so
   * only charts whose data changed reload.
   */
  refreshKey?: number | string;
  height?: number;
  /** Buttons shown beside the title (pin, …). */
  actions?: ReactNode;
  /** Draw these groups of the runs (mean line, min–max band) instead of one line per run. */
  groups?: ChartGroup[];
  /** Buckets read per run at most (default: one per pixel); many runs in one chart need fewer each. */
  maxBuckets?: number;
}

/** Groups' series from their members' loaded series; members without this metric are left out. */
function grouped(loaded: LoadedRun[], groups: ChartGroup[]): LoadedRun[] {
  return groups.flatMap((group, index) => {
    const members = loaded.filter((entry) => group.runIds.includes(entry.run.id));
    if (members.length === 0) return [];
    const run: ChartRun = { id: -1 - index, label: group.label, color: group.color, pointCount: 0 };
    return [{ run, series: groupSeries(members.map((entry) => entry.series)), axis: members[0]!.axis }];
  });
}

export function MetricChart({ metric, runs, settings, refreshKey = 0, height = 240, actions, groups, maxBuckets }: MetricChartProps) {
  const [containerRef, rawWidth] = useElementWidth<HTMLDivElement>();
  const [viewRef, inView] = useInView<HTMLElement>();
  const width = Math.max(0, Math.floor(rawWidth / WIDTH_STEP) * WIDTH_STEP);
  const [cursor, setCursor] = useState<number | null>(null);
  const runKey = runs.map((run) => `${run.id}:${run.pointCount}`).join(',');
  // The refresh key as of the last time the chart was on screen: off screen, nothing reloads.
  const shownRefreshKey = useRef<number | string | undefined>(undefined);
  if (inView) shownRefreshKey.current = refreshKey;
  const seen = shownRefreshKey.current !== undefined;

  // Zoom against steps: the visible step range, read from the server at the chart's width (null: everything).
  const [range, setRange] = useState<StepRange | null>(null);
  const zoomable = settings.xAxis === 'step';
  const activeRange = zoomable ? range : null;
  const loaded = useApi(
    async (signal) =>
      !seen || width <= 0
        ? undefined
        : Promise.all(runs.map((run) => loadSeries(run, metric, settings.xAxis, Math.min(width, maxBuckets ?? width), signal, activeRange))),
    [metric, runKey, settings.xAxis, width, maxBuckets, shownRefreshKey.current, seen, activeRange?.minStep, activeRange?.maxStep],
  );
  const onZoom = useRef<(range: StepRange) => void>(() => undefined);
  onZoom.current = (next) => setRange(next);

  const groupKey = groups === undefined ? '' : JSON.stringify(groups);
  const chart = useMemo(() => {
    if (loaded.data === undefined) return undefined;
    const entries = groups === undefined ? loaded.data : grouped(loaded.data, groups);
    return buildChart(entries, metric, settings, zoomable ? (next) => onZoom.current(next) : undefined);
  }, [loaded.data, metric, settings, groupKey, zoomable]);
  const fullExtent = useRef<StepRange | null>(null);
  if (activeRange === null && chart !== undefined && chart.data[0].length > 0) {
    fullExtent.current = { minStep: chart.data[0][0]!, maxStep: chart.data[0][chart.data[0].length - 1]! };
  }
  const pan = (direction: -1 | 1) => {
    if (activeRange === null) return;
    const span = activeRange.maxStep - activeRange.minStep;
    const shift = Math.max(1, Math.round(span / 2)) * direction;
    const lowest = fullExtent.current?.minStep ?? 0;
    const highest = fullExtent.current?.maxStep ?? activeRange.maxStep + shift;
    const minStep = Math.max(lowest, Math.min(activeRange.minStep + shift, highest - span));
    setRange({ minStep, maxStep: minStep + span });
  };

  const notices: string[] = [];
  if (loaded.data !== undefined) {
    const fellBack = loaded.data.filter((entry) => entry.axis !== settings.xAxis);
    if (fellBack.length > 0) {
      notices.push(
        `Drawn against steps: ${fellBack.map((entry) => entry.run.label).join(', ')} ha${fellBack.length === 1 ? 's' : 've'} more than ` +
          `${RAW_POINT_LIMIT.toLocaleString('en-US')} points, and only steps are downsampled by the server.`,
      );
    }
    const nonFinite = loaded.data.reduce((sum, entry) => sum + entry.series.nonFinite, 0);
    if (nonFinite > 0) notices.push(`${nonFinite} NaN/infinite value${nonFinite === 1 ? '' : 's'} not drawn.`);
    if (chart !== undefined && chart.hiddenByLog > 0) notices.push(`${chart.hiddenByLog} value${chart.hiddenByLog === 1 ? '' : 's'} ≤ 0 hidden on the log scale.`);
    if (settings.xAxis === 'epoch' && loaded.data.every((entry) => entry.axis === 'epoch' && entry.series.x.length === 0)) {
      notices.push('No epochs were logged with this metric; choose the step axis.');
    }
  }

  // While a resize or zoom reloads, the last drawing stays; "no points" is said only of a finished load.
  const empty = chart !== undefined && chart.data[0].length === 0 && !loaded.loading;
  return (
    <figure
      ref={viewRef}
      className="chart-card"
      data-metric={metric}
      data-runs={runs.length}
      data-drawn={chart !== undefined && chart.data[0].length > 0 ? 'true' : 'false'}
      data-zoom={activeRange === null ? undefined : `${activeRange.minStep}-${activeRange.maxStep}`}
      data-y-max={chart === undefined ? undefined : chart.yMax}
    >
      <figcaption>
        <strong>{metric}</strong>
        {seen && loaded.loading && <span className="muted"> loading…</span>}
        {actions !== undefined && <span className="chart-actions">{actions}</span>}
      </figcaption>
      {activeRange !== null && (
        <div className="zoom-bar small" role="group" aria-label={`Zoom of ${metric}`}>
          <span className="muted">
            steps {activeRange.minStep.toLocaleString('en-US')}–{activeRange.maxStep.toLocaleString('en-US')}
          </span>
          <button type="button" className="link-button" aria-label={`Pan ${metric} left`} onClick={() => pan(-1)}>
            ◀
          </button>
          <button type="button" className="link-button" aria-label={`Pan ${metric} right`} onClick={() => pan(1)}>
            ▶
          </button>
          <button type="button" className="link-button" onClick={() => setRange(null)}>
            Reset zoom
          </button>
        </div>
      )}
      <div ref={containerRef} className="chart-area" style={{ minHeight: height }}>
        {loaded.error !== undefined && <p className="error">Could not load {metric}: {loaded.error.message}</p>}
        {empty && <p className="muted">No points to draw.</p>}
        {chart !== undefined && chart.data[0].length > 0 && width > 0 && (
          <UPlotChart
            options={chart.options}
            data={chart.data}
            width={width}
            height={height}
            label={`${metric} for ${runs.map((run) => run.label).join(', ')}`}
            onCursor={setCursor}
          />
        )}
      </div>
      {chart !== undefined && chart.data[0].length > 0 && (
        <ul className="chart-legend" aria-label={`${metric} values`}>
          {chart.legend.map((entry) => (
            <li key={entry.label}>
              <span className="swatch" style={{ background: entry.color }} aria-hidden="true" />
              {entry.label}: <span className="mono">{formatMetric(cursor === null ? entry.lastValue : entry.values[cursor] ?? null)}</span>
            </li>
          ))}
        </ul>
      )}
      {notices.map((notice) => (
        <p key={notice} className="notice">
          {notice}
        </p>
      ))}
    </figure>
  );
}

/** Pixels the y axis takes for its tick labels (uPlot adds the title's own space beyond it). */
export function yAxisSize(values: readonly string[] | null): number {
  const longest = values === null || values.length === 0 ? 6 : Math.max(...values.map((value) => String(value ?? '').length));
  return Math.max(48, Math.ceil(longest * 7.2) + 22);
}

interface BuiltChart {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  legend: { label: string; color: string; values: (number | null)[]; lastValue: number | null }[];
  hiddenByLog: number;
  /** The largest value drawn (band tops included): where a single spike shows. */
  yMax: number | undefined;
}

function buildChart(loaded: LoadedRun[], metric: string, settings: ChartSettings, onZoom?: (range: StepRange) => void): BuiltChart {
  const axis = loaded.every((entry) => entry.axis === settings.xAxis) ? settings.xAxis : 'step';
  let hiddenByLog = 0;
  const prepare = (values: (number | null)[]) => {
    if (!settings.logScale) return values;
    const result = forLogScale(values);
    hiddenByLog += result.hidden;
    return result.values;
  };
  const smoothing = settings.smoothing > 0;
  const columns = loaded.map((entry) => {
    const line = smooth(entry.series.last, settings.smoothing);
    const values = [prepare(entry.series.max), prepare(entry.series.min), prepare(line)];
    if (smoothing) values.push(prepare([...entry.series.last]));
    return { x: entry.series.x, values };
  });
  const aligned = alignOnX(columns);
  // Every band first, then every line: uPlot draws series in order, and a line drawn before another
  // run's (or group's) band would be tinted by it.
  const bandSeries: uPlot.Series[] = [];
  const bandData: (number | null)[][] = [];
  const lineSeries: uPlot.Series[] = [];
  const lineData: (number | null)[][] = [];
  const bands: uPlot.Band[] = [];
  const legend: BuiltChart['legend'] = [];
  loaded.forEach((entry, runIndex) => {
    const [max, min, line, raw] = aligned.values[runIndex]!;
    const base = 1 + bandSeries.length;
    // The band's edges are drawn too (thin, half-transparent): a single spike in one bucket stays visible.
    const edge = withAlpha(entry.run.color, 0.5);
    bandSeries.push({ label: `${entry.run.label} max`, stroke: edge, width: 1, points: { show: false }, spanGaps: true });
    bandSeries.push({ label: `${entry.run.label} min`, stroke: edge, width: 1, points: { show: false }, spanGaps: true });
    bands.push({ series: [base, base + 1], fill: withAlpha(entry.run.color, 0.22) });
    bandData.push(max!, min!);
    if (smoothing && raw !== undefined) {
      lineSeries.push({ label: `${entry.run.label} raw`, stroke: withAlpha(entry.run.color, 0.35), width: 1, spanGaps: true, points: { show: false } });
      lineData.push(raw);
    }
    lineSeries.push({ label: entry.run.label, stroke: entry.run.color, width: 2, spanGaps: true, points: { show: aligned.x.length < 60 } });
    lineData.push(line!);
    const lastValue = [...line!].reverse().find((value) => value !== null) ?? null;
    legend.push({ label: entry.run.label, color: entry.run.color, values: line!, lastValue });
  });
  const series: uPlot.Series[] = [{ label: axis }, ...bandSeries, ...lineSeries];
  const data = [...bandData, ...lineData];
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    series,
    bands,
    legend: { show: false },
    // Against steps a drag selects a range that is read again from the server at full detail;
    // other axes zoom in the browser over the raw points already loaded.
    cursor: { drag: { x: true, y: false, setScale: onZoom === undefined } },
    ...(onZoom === undefined
      ? {}
      : {
          hooks: {
            setSelect: [
              (plot: uPlot) => {
                if (plot.select.width < 3) return;
                const low = plot.posToVal(plot.select.left, 'x');
                const high = plot.posToVal(plot.select.left + plot.select.width, 'x');
                plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                const minStep = Math.max(0, Math.floor(low));
                const maxStep = Math.max(minStep + 1, Math.ceil(high));
                onZoom({ minStep, maxStep });
              },
            ],
          },
        }),
    scales: {
      x: { time: axis === 'time' },
      y: settings.logScale ? { distr: 3, log: 10 } : {},
    },
    axes: [
      {
        label: axis === 'time' ? undefined : axis,
        stroke: AXIS_COLOR,
        grid: { stroke: 'rgba(128,128,128,0.15)' },
        // Steps and epochs are whole numbers: no ticks at 1.5.
        ...(axis === 'time' ? {} : { incrs: INTEGER_INCREMENTS }),
      },
      {
        label: metric,
        stroke: AXIS_COLOR,
        grid: { stroke: 'rgba(128,128,128,0.15)' },
        // As wide as the longest tick label (12 px text), so a label such as 0.00075 never runs under the axis title.
        size: (_plot: uPlot, values: string[] | null) => yAxisSize(values),
        // Log axes have no single increment: each labelled tick gets its own short label.
        values: (_plot: uPlot, splits: number[], _axis: number, _space: number, increment: number) =>
          settings.logScale ? splits.map(formatLogTick) : formatTicks(splits, increment),
      },
    ],
  };
  let yMax: number | undefined;
  for (const column of data) for (const value of column) if (value !== null && (yMax === undefined || value > yMax)) yMax = value;
  return { options, data: [aligned.x, ...data] as uPlot.AlignedData, legend, hiddenByLog, yMax };
}
