/**
 * Parallel coordinates and a scatter plot of the listed runs (up to 10,000), drawn on canvas: the
 * question a sweep ends with — which hyperparameters win — answered in one picture. Lines are
 * coloured by the chosen metric; dragging along an axis brushes a range and narrows the table.
 */
import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { JsonValue, TrainingRun } from '../../../core/entities.js';
import { useElementWidth, useInView } from '../../hooks/use-api.js';
import { formatMetric } from '../../lib/format.js';
import {
  axisKey,
  axisPosition,
  axisValueAt,
  brushedRuns,
  buildAxis,
  colorAt,
  COLOR_STOPS,
  sourceValue,
  type AxisSource,
  type Brushes,
  type PlotAxis,
  type PlotData,
} from '../../lib/run-plots.js';

/** Runs drawn at most (the current query's first ones in table order). */
export const PLOT_RUN_LIMIT = 10_000;
const HEIGHT = 300;
const PAD = { top: 34, bottom: 26, left: 36, right: 36 };

function themeColors(element: Element) {
  const style = getComputedStyle(element);
  return {
    text: style.getPropertyValue('--text').trim() || '#1f2430',
    muted: style.getPropertyValue('--text-muted').trim() || '#5b6472',
    border: style.getPropertyValue('--border').trim() || '#dde1e7',
    accent: style.getPropertyValue('--accent').trim() || '#1f5fbf',
  };
}

/** A canvas sized to `width` × `height` CSS pixels at the screen's pixel ratio; the context is scaled to CSS pixels. */
function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext('2d');
  context?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

const shortLabel = (text: string, max = 18) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function RunsPlots({
  runs,
  paramNames,
  metricNames,
  defaultAxes,
  defaultMetric,
  hyperparameters,
  latest,
  onBrush,
}: {
  runs: TrainingRun[];
  paramNames: string[];
  metricNames: string[];
  defaultAxes: string[];
  defaultMetric: string | undefined;
  hyperparameters: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>;
  latest: ReadonlyMap<number, ReadonlyMap<string, number>>;
  onBrush: (runIds: ReadonlySet<number> | null) => void;
}) {
  const [metric, setMetric] = useState<string | undefined>(undefined);
  const chosenMetric = metric !== undefined && metricNames.includes(metric) ? metric : defaultMetric ?? metricNames[0];
  const options: AxisSource[] = useMemo(
    () => [...paramNames.map((name) => ({ kind: 'param' as const, name })), ...metricNames.map((name) => ({ kind: 'metric' as const, name }))],
    [paramNames, metricNames],
  );
  const [x, setX] = useState<string | undefined>(undefined);
  const [y, setY] = useState<string | undefined>(undefined);
  const data: PlotData = useMemo(() => ({ hyperparameters, latest }), [hyperparameters, latest]);
  const runIds = useMemo(() => runs.slice(0, PLOT_RUN_LIMIT).map((run) => run.id), [runs]);
  // Nothing is built or drawn until the plots come near the viewport: the table first.
  const [viewRef, inView] = useInView<HTMLElement>('200px');
  const seen = useRef(false);
  if (inView) seen.current = true;
  const widest = useMemo(() => (seen.current ? widestParam(runIds, paramNames, data) : undefined), [runIds, paramNames, data, seen.current]);
  if (runIds.length === 0 || options.length === 0) return null;
  const metricSource: AxisSource | undefined = chosenMetric === undefined ? undefined : { kind: 'metric', name: chosenMetric };
  // By default the hyperparameter with the most distinct values goes across: the one a sweep varied.
  const xKey = x ?? axisKey(widest ?? options[0]!);
  const yKey = y ?? (metricSource !== undefined ? axisKey(metricSource) : axisKey(options[Math.min(1, options.length - 1)]!));
  const byKey = new Map(options.map((source) => [axisKey(source), source]));
  const select = (label: string, value: string, onChange: (value: string) => void) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map((source) => (
          <option key={axisKey(source)} value={axisKey(source)}>
            {source.kind === 'param' ? `params.${source.name}` : `metrics.${source.name}`}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section ref={viewRef} className="runs-plots" aria-label="Hyperparameter plots">
      <h2>Which hyperparameters win</h2>
      {!seen.current ? (
        <p className="muted plots-placeholder">Parallel coordinates and a scatter plot of these runs draw when scrolled into view.</p>
      ) : (
        <>
      <div className="toolbar">
        {metricNames.length > 0 && (
          <label>
            Colour by metric{' '}
            <select value={chosenMetric ?? ''} onChange={(event) => setMetric(event.target.value)}>
              {metricNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="muted small">
          {runIds.length.toLocaleString('en-US')} runs{runs.length > PLOT_RUN_LIMIT ? ` (the first ${PLOT_RUN_LIMIT.toLocaleString('en-US')})` : ''}; drag along an
          axis to brush a range, click an axis to clear it.
        </span>
      </div>
      <ParallelCoordinates
        runIds={runIds}
        axes={defaultAxes.filter((name) => paramNames.includes(name)).map((name) => ({ kind: 'param' as const, name }))}
        metric={metricSource}
        data={data}
        onBrush={onBrush}
      />
      <div className="toolbar">
        {select('Scatter x', xKey, setX)}
        {select('y', yKey, setY)}
      </div>
      <ScatterPlot runIds={runIds} x={byKey.get(xKey) ?? options[0]!} y={byKey.get(yKey) ?? options[0]!} metric={metricSource} data={data} />
        </>
      )}
    </section>
  );
}

function widestParam(runIds: number[], paramNames: string[], data: PlotData): AxisSource | undefined {
  let best: AxisSource | undefined;
  let bestCount = 0;
  for (const name of paramNames) {
    const values = new Set<string>();
    for (const runId of runIds) {
      const value = data.hyperparameters.get(runId)?.get(name);
      if (value !== undefined) values.add(JSON.stringify(value));
    }
    if (values.size > bestCount) {
      bestCount = values.size;
      best = { kind: 'param', name };
    }
  }
  return best;
}

function ParallelCoordinates({
  runIds,
  axes: axisSources,
  metric,
  data,
  onBrush,
}: {
  runIds: number[];
  axes: AxisSource[];
  metric: AxisSource | undefined;
  data: PlotData;
  onBrush: (runIds: ReadonlySet<number> | null) => void;
}) {
  const [wrapRef, width] = useElementWidth<HTMLDivElement>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const [brushes, setBrushes] = useState<Brushes>(new Map());
  const [dragging, setDragging] = useState<{ axis: number; from: number; to: number } | null>(null);
  const sources = metric === undefined ? axisSources : [...axisSources, metric];
  const axes = useMemo(() => sources.map((source) => buildAxis(runIds, source, data)), [runIds, data, sources.map(axisKey).join('\n')]);
  const colorAxis = metric === undefined ? undefined : axes[axes.length - 1];
  const kept = useMemo(() => (brushes.size === 0 ? null : brushedRuns(runIds, axes, brushes, data)), [runIds, axes, brushes, data]);

  useEffect(() => onBrush(kept), [kept]);
  // A new list of runs (another query) starts without brushes.
  useEffect(() => setBrushes(new Map()), [runIds]);

  const plotWidth = Math.max(0, width - PAD.left - PAD.right);
  const axisX = (index: number) => PAD.left + (axes.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (axes.length - 1));
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const toY = (position: number) => PAD.top + (1 - position) * plotHeight;

  useEffect(() => {
    const element = canvas.current;
    if (element === null || width === 0) return;
    const started = performance.now();
    const context = prepareCanvas(element, width, HEIGHT);
    if (context === null) return;
    const colors = themeColors(element);
    context.clearRect(0, 0, width, HEIGHT);
    // Lines grouped by colour: one path per colour keeps 10,000 runs to a few dozen strokes.
    const batches = new Map<string, number[][]>();
    const faded: number[][] = [];
    for (const runId of runIds) {
      const points: number[] = [];
      for (let index = 0; index < axes.length; index++) {
        const position = axisPosition(axes[index]!, sourceValue(runId, axes[index]!.source, data));
        points.push(position === undefined ? Number.NaN : toY(position));
      }
      if (kept !== null && !kept.has(runId)) {
        faded.push(points);
        continue;
      }
      const colorPosition = colorAxis === undefined ? 0.5 : axisPosition(colorAxis, sourceValue(runId, colorAxis.source, data));
      const color = colorPosition === undefined ? colors.muted : colorAt(colorPosition);
      let batch = batches.get(color);
      if (batch === undefined) batches.set(color, (batch = []));
      batch.push(points);
    }
    const stroke = (lines: number[][], color: string, alpha: number) => {
      context.strokeStyle = color;
      context.globalAlpha = alpha;
      context.beginPath();
      for (const points of lines) {
        let drawing = false;
        for (let index = 0; index < points.length; index++) {
          const yValue = points[index]!;
          if (Number.isNaN(yValue)) {
            drawing = false;
            continue;
          }
          if (drawing) context.lineTo(axisX(index), yValue);
          else context.moveTo(axisX(index), yValue);
          drawing = true;
        }
      }
      context.stroke();
    };
    // Few runs: opaque 2-px lines in their exact colours; many: thin translucent ones, so density shows.
    const alpha = runIds.length > 2000 ? 0.35 : runIds.length > 200 ? 0.6 : 1;
    context.lineWidth = runIds.length > 200 ? 1 : 2;
    if (faded.length > 0) stroke(faded, colors.border, 0.5);
    for (const [color, lines] of batches) stroke(lines, color, alpha);
    context.globalAlpha = 1;
    element.dataset.drawMs = String(Math.round(performance.now() - started));
    element.dataset.lines = String(runIds.length);
  }, [width, runIds, axes, kept, colorAxis, data]);

  // Axes, names, ends and brushes on a layer of their own: dragging a brush redraws only this.
  useEffect(() => {
    const element = overlay.current;
    if (element === null || width === 0) return;
    const context = prepareCanvas(element, width, HEIGHT);
    if (context === null) return;
    const colors = themeColors(element);
    context.clearRect(0, 0, width, HEIGHT);
    context.font = '12px system-ui, sans-serif';
    context.textAlign = 'center';
    axes.forEach((axis, index) => {
      const xPosition = axisX(index);
      context.strokeStyle = colors.muted;
      context.lineWidth = 1;
      context.beginPath();
      context.moveTo(xPosition, PAD.top);
      context.lineTo(xPosition, PAD.top + plotHeight);
      context.stroke();
      context.fillStyle = colors.text;
      const align = index === 0 && axes.length > 1 ? 'left' : index === axes.length - 1 && axes.length > 1 ? 'right' : 'center';
      context.textAlign = align;
      const labelX = align === 'left' ? xPosition - 8 : align === 'right' ? xPosition + 8 : xPosition;
      context.fillText(shortLabel(axis.label, Math.max(6, Math.floor(plotWidth / Math.max(1, axes.length - 1) / 7))), labelX, 14);
      context.fillStyle = colors.muted;
      const ends =
        axis.type === 'category'
          ? [axis.categories[axis.categories.length - 1] ?? '', axis.categories[0] ?? '']
          : [formatMetric(axisValueAt(axis, 1)), formatMetric(axisValueAt(axis, 0))];
      context.fillText(shortLabel(ends[0]!, 10) + (axis.log ? ' (log)' : ''), labelX, PAD.top - 6);
      context.fillText(shortLabel(ends[1]!, 10), labelX, PAD.top + plotHeight + 16);
      const brush = dragging?.axis === index ? ([Math.min(dragging.from, dragging.to), Math.max(dragging.from, dragging.to)] as const) : brushes.get(axisKey(axis.source));
      if (brush !== undefined) {
        context.fillStyle = colors.accent;
        context.globalAlpha = 0.25;
        context.fillRect(xPosition - 8, toY(brush[1]), 16, toY(brush[0]) - toY(brush[1]));
        context.globalAlpha = 1;
        context.strokeStyle = colors.accent;
        context.strokeRect(xPosition - 8, toY(brush[1]), 16, toY(brush[0]) - toY(brush[1]));
      }
    });
  }, [width, axes, brushes, dragging]);

  const positionAt = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const xPosition = event.clientX - rect.left;
    const yPosition = event.clientY - rect.top;
    let nearest = -1;
    let distance = 20;
    axes.forEach((_, index) => {
      const gap = Math.abs(axisX(index) - xPosition);
      if (gap < distance) {
        distance = gap;
        nearest = index;
      }
    });
    return { axis: nearest, position: Math.min(1, Math.max(0, 1 - (yPosition - PAD.top) / plotHeight)) };
  };

  return (
    <div ref={wrapRef} className="plot-wrap parallel-coordinates">
      <div className="plot-layers">
      <canvas ref={canvas} className="lines-layer" aria-hidden="true" />
      <canvas
        ref={overlay}
        className="brush-layer"
        role="img"
        aria-label={`Parallel coordinates of ${runIds.length} runs over ${axes.map((axis) => axis.source.name).join(', ')}`}
        onPointerDown={(event) => {
          const at = positionAt(event);
          if (at.axis < 0) return;
          event.currentTarget.setPointerCapture(event.pointerId);
          setDragging({ axis: at.axis, from: at.position, to: at.position });
        }}
        onPointerMove={(event) => {
          if (dragging === null) return;
          const at = positionAt(event);
          setDragging({ ...dragging, to: at.position });
        }}
        onPointerUp={() => {
          if (dragging === null) return;
          const key = axisKey(axes[dragging.axis]!.source);
          const next = new Map(brushes);
          // A click (no drag) clears the axis' brush.
          if (Math.abs(dragging.to - dragging.from) * plotHeight < 3) next.delete(key);
          else next.set(key, [Math.min(dragging.from, dragging.to), Math.max(dragging.from, dragging.to)]);
          setDragging(null);
          setBrushes(next);
        }}
      />
      </div>
      <div className="plot-footer small">
        {colorAxis !== undefined && colorAxis.type === 'number' && (
          <span className="color-legend" aria-label={`Colour scale of ${colorAxis.source.name}`}>
            {colorAxis.source.name}: {formatMetric(colorAxis.min)}
            <span className="color-ramp" style={{ background: `linear-gradient(to right, ${COLOR_STOPS.join(', ')})` }} aria-hidden="true" />
            {formatMetric(colorAxis.max)}
            {colorAxis.log ? ' (log)' : ''}
          </span>
        )}
        {brushes.size > 0 && (
          <button type="button" onClick={() => setBrushes(new Map())}>
            Clear brushes
          </button>
        )}
      </div>
    </div>
  );
}

function ScatterPlot({ runIds, x, y, metric, data }: { runIds: number[]; x: AxisSource; y: AxisSource; metric: AxisSource | undefined; data: PlotData }) {
  const [wrapRef, width] = useElementWidth<HTMLDivElement>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const xAxis = useMemo(() => buildAxis(runIds, x, data), [runIds, data, axisKey(x)]);
  const yAxis = useMemo(() => buildAxis(runIds, y, data), [runIds, data, axisKey(y)]);
  const colorAxis = useMemo(() => (metric === undefined ? undefined : buildAxis(runIds, metric, data)), [runIds, data, metric === undefined ? '' : axisKey(metric)]);
  const pad = { top: 14, bottom: 34, left: 64, right: 16 };
  useEffect(() => {
    const element = canvas.current;
    if (element === null || width === 0) return;
    const started = performance.now();
    const context = prepareCanvas(element, width, HEIGHT);
    if (context === null) return;
    const colors = themeColors(element);
    const plotWidth = width - pad.left - pad.right;
    const plotHeight = HEIGHT - pad.top - pad.bottom;
    context.clearRect(0, 0, width, HEIGHT);
    context.strokeStyle = colors.muted;
    context.strokeRect(pad.left, pad.top, plotWidth, plotHeight);
    // Few runs get large points with an outline, so the scale's dark end shows on a dark background too.
    const size = runIds.length > 2000 ? 3 : runIds.length > 200 ? 5 : 8;
    const outlined = size >= 8;
    context.strokeStyle = colors.muted;
    context.lineWidth = 1;
    let drawn = 0;
    for (const runId of runIds) {
      const px = axisPosition(xAxis, sourceValue(runId, x, data));
      const py = axisPosition(yAxis, sourceValue(runId, y, data));
      if (px === undefined || py === undefined) continue;
      const colorPosition = colorAxis === undefined || metric === undefined ? 0.5 : axisPosition(colorAxis, sourceValue(runId, metric, data));
      context.fillStyle = colorPosition === undefined ? colors.muted : colorAt(colorPosition);
      // Jitter-free: categories sit on their ticks; a little inset keeps the extremes inside the frame.
      const left = pad.left + 4 + px * (plotWidth - 8) - size / 2;
      const top = pad.top + 4 + (1 - py) * (plotHeight - 8) - size / 2;
      context.fillRect(left, top, size, size);
      if (outlined) context.strokeRect(left - 0.5, top - 0.5, size + 1, size + 1);
      drawn += 1;
    }
    context.fillStyle = colors.muted;
    context.font = '12px system-ui, sans-serif';
    const endLabel = (axis: PlotAxis, position: number) =>
      axis.type === 'category' ? (position === 0 ? axis.categories[0] : axis.categories[axis.categories.length - 1]) ?? '' : formatMetric(axisValueAt(axis, position));
    context.textAlign = 'left';
    context.fillText(shortLabel(endLabel(xAxis, 0), 12), pad.left, HEIGHT - pad.bottom + 14);
    context.textAlign = 'right';
    context.fillText(shortLabel(endLabel(xAxis, 1), 12), pad.left + plotWidth, HEIGHT - pad.bottom + 14);
    context.textAlign = 'center';
    context.fillStyle = colors.text;
    context.fillText(`${shortLabel(x.name, 40)}${xAxis.log ? ' (log)' : ''}`, pad.left + plotWidth / 2, HEIGHT - 6);
    context.textAlign = 'right';
    context.fillStyle = colors.muted;
    context.fillText(shortLabel(endLabel(yAxis, 1), 9), pad.left - 4, pad.top + 10);
    context.fillText(shortLabel(endLabel(yAxis, 0), 9), pad.left - 4, pad.top + plotHeight);
    context.save();
    context.translate(14, pad.top + plotHeight / 2);
    context.rotate(-Math.PI / 2);
    context.textAlign = 'center';
    context.fillStyle = colors.text;
    context.fillText(`${shortLabel(y.name, 30)}${yAxis.log ? ' (log)' : ''}`, 0, 0);
    context.restore();
    element.dataset.drawMs = String(Math.round(performance.now() - started));
    element.dataset.points = String(drawn);
  }, [width, runIds, xAxis, yAxis, colorAxis, data]);
  return (
    <div ref={wrapRef} className="plot-wrap scatter-plot">
      <canvas ref={canvas} role="img" aria-label={`Scatter plot of ${y.name} against ${x.name}`} />
    </div>
  );
}
