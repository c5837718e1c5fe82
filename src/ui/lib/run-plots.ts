/**
 * The model behind the runs page's parallel coordinates and scatter plot: axes built from the
 * listed runs' hyperparameters and latest metrics (numeric, logarithmic when positive values span
 * more than two decades, or categorical), a value's place on an axis, brushing, and the colour
 * scale. Pure, so it is unit-tested; the canvas drawing lives in the component.
 */
import type { JsonValue } from '../../core/entities.js';

export type AxisSource = { kind: 'param'; name: string } | { kind: 'metric'; name: string };

export interface PlotAxis {
  source: AxisSource;
  label: string;
  type: 'number' | 'category';
  log: boolean;
  min: number;
  max: number;
  /** Category values in order (type 'category'). */
  categories: string[];
}

export interface PlotData {
  hyperparameters: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>;
  latest: ReadonlyMap<number, ReadonlyMap<string, number>>;
}

/** A run's raw value for an axis source (undefined when it has none). */
export function sourceValue(runId: number, source: AxisSource, data: PlotData): JsonValue | undefined {
  if (source.kind === 'metric') {
    const value = data.latest.get(runId)?.get(source.name);
    return value === undefined || !Number.isFinite(value) ? undefined : value;
  }
  const value = data.hyperparameters.get(runId)?.get(source.name);
  return value === null ? undefined : value;
}

const categoryKey = (value: JsonValue) => (typeof value === 'string' ? value : JSON.stringify(value));

/** An axis over the runs' values of `source`. */
export function buildAxis(runIds: readonly number[], source: AxisSource, data: PlotData): PlotAxis {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let numeric = true;
  const categories = new Set<string>();
  for (const runId of runIds) {
    const value = sourceValue(runId, source, data);
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isFinite(value)) {
      if (value < min) min = value;
      if (value > max) max = value;
    } else numeric = false;
    if (categories.size <= 1000) categories.add(categoryKey(value));
  }
  const label = `${source.kind === 'param' ? '' : '▲ '}${source.name}`;
  if (!numeric) {
    return { source, label, type: 'category', log: false, min: 0, max: Math.max(0, categories.size - 1), categories: [...categories].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) };
  }
  if (min > max) return { source, label, type: 'number', log: false, min: 0, max: 1, categories: [] };
  const log = min > 0 && max / min > 100;
  return { source, label, type: 'number', log, min, max, categories: [] };
}

/** Where a value sits on an axis: 0 at the bottom, 1 at the top; undefined when it has none. */
export function axisPosition(axis: PlotAxis, value: JsonValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (axis.type === 'category') {
    const index = axis.categories.indexOf(categoryKey(value));
    if (index < 0) return undefined;
    return axis.categories.length <= 1 ? 0.5 : index / (axis.categories.length - 1);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (axis.max === axis.min) return 0.5;
  if (axis.log) return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

/** A readable label of an axis position (for the ends of numeric axes). */
export function axisValueAt(axis: PlotAxis, position: number): number {
  if (axis.log) return Math.exp(Math.log(axis.min) + position * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + position * (axis.max - axis.min);
}

/** A brushed range of one axis, in axis positions (0 bottom … 1 top). */
export type Brushes = ReadonlyMap<string, readonly [number, number]>;

export const axisKey = (source: AxisSource) => `${source.kind}:${source.name}`;

/** The runs whose value on every brushed axis lies within its brush (a run without a value is out). */
export function brushedRuns(runIds: readonly number[], axes: readonly PlotAxis[], brushes: Brushes, data: PlotData): Set<number> {
  const active = axes.filter((axis) => brushes.has(axisKey(axis.source)));
  const kept = new Set<number>();
  for (const runId of runIds) {
    let inside = true;
    for (const axis of active) {
      const [low, high] = brushes.get(axisKey(axis.source))!;
      const position = axisPosition(axis, sourceValue(runId, axis.source, data));
      // A small tolerance so a brush drawn exactly over a category's tick keeps it.
      if (position === undefined || position < low - 1e-9 || position > high + 1e-9) {
        inside = false;
        break;
      }
    }
    if (inside) kept.add(runId);
  }
  return kept;
}

/** Stops of the colour scale, low → high (viridis, readable on light and dark backgrounds). */
export const COLOR_STOPS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const;

/** The scale's colour at t in [0, 1], in a fixed number of steps so lines can be drawn in batches per colour. */
export function colorAt(t: number, steps = 32): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const stepped = Math.round(clamped * (steps - 1)) / (steps - 1);
  const scaled = stepped * (COLOR_STOPS.length - 1);
  const index = Math.min(COLOR_STOPS.length - 2, Math.floor(scaled));
  const fraction = scaled - index;
  const parse = (hex: string) => [1, 3, 5].map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16));
  const from = parse(COLOR_STOPS[index]!);
  const to = parse(COLOR_STOPS[index + 1]!);
  const mixed = from.map((channel, i) => Math.round(channel + (to[i]! - channel) * fraction));
  return `#${mixed.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}
