/**
 * The mergeable summaries behind prediction statistics (docs/decisions/1100-prediction-rollups.md):
 * a log-bucket latency sketch (DDSketch's mapping with a fixed relative accuracy), a fixed
 * confidence histogram, and the equality rule that decides whether a prediction was right.
 * Pure functions: the store keeps them at write time, the server merges them into buckets.
 */
import type { JsonValue } from './entities.js';

/**
 * Relative accuracy of every latency quantile: the reported value v of a true value x satisfies
 * |v − x| ≤ LATENCY_RELATIVE_ERROR · x. Part of the stored format (the bin numbering depends on it).
 */
export const LATENCY_RELATIVE_ERROR = 0.01;
/** Ratio between consecutive bin bounds: bin i holds latencies in (γ^(i−1), γ^i]. */
export const LATENCY_GAMMA = (1 + LATENCY_RELATIVE_ERROR) / (1 - LATENCY_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(LATENCY_GAMMA);

/** Bins of the confidence histogram: [0, 0.1), [0.1, 0.2), …, [0.9, 1]. */
export const CONFIDENCE_BINS = 10;

/** The bin of a positive latency (zero latencies are counted apart). */
export function latencyBin(latencyMs: number): number {
  return Math.ceil(Math.log(latencyMs) / LOG_GAMMA);
}

/** The value reported for a bin: within LATENCY_RELATIVE_ERROR of every latency the bin holds. */
export function latencyBinValue(bin: number): number {
  return (2 * LATENCY_GAMMA ** bin) / (LATENCY_GAMMA + 1);
}

/** The confidence histogram bin of a confidence in [0, 1]. */
export function confidenceBin(confidence: number): number {
  return Math.min(CONFIDENCE_BINS - 1, Math.max(0, Math.floor(confidence * CONFIDENCE_BINS)));
}

/** A latency sketch: how many latencies were zero, and counts per positive bin. */
export interface LatencySketch {
  zero: number;
  bins: Map<number, number>;
}

export const emptySketch = (): LatencySketch => ({ zero: 0, bins: new Map() });

export function addLatency(sketch: LatencySketch, latencyMs: number): void {
  if (latencyMs <= 0) {
    sketch.zero += 1;
    return;
  }
  const bin = latencyBin(latencyMs);
  sketch.bins.set(bin, (sketch.bins.get(bin) ?? 0) + 1);
}

/** Adds `other` into `into`. Merging is exact: a merged sketch equals the sketch of all the values. */
export function mergeSketch(into: LatencySketch, other: LatencySketch): void {
  into.zero += other.zero;
  for (const [bin, count] of other.bins) into.bins.set(bin, (into.bins.get(bin) ?? 0) + count);
}

/** Stored form of the positive bins: `bin:count` pairs joined by commas (SQL can build it too). */
export function encodeBins(bins: ReadonlyMap<number, number>): string {
  let text = '';
  for (const [bin, count] of bins) text += (text === '' ? '' : ',') + bin + ':' + count;
  return text;
}

/** Adds the bins of a stored `bin:count,…` text into `into`. */
export function addEncodedBins(into: Map<number, number>, text: string | null): void {
  if (text === null || text === '') return;
  for (const pair of text.split(',')) {
    const colon = pair.indexOf(':');
    const bin = Number(pair.slice(0, colon));
    into.set(bin, (into.get(bin) ?? 0) + Number(pair.slice(colon + 1)));
  }
}

/**
 * Several quantiles of the sketched latencies in one pass over the sorted bins (see sketchQuantile);
 * `qs` ascending.
 */
export function sketchQuantiles(sketch: LatencySketch, qs: readonly number[], max?: number | null): Array<number | null> {
  let total = sketch.zero;
  for (const count of sketch.bins.values()) total += count;
  if (total === 0) return qs.map(() => null);
  const cap = (value: number) => (max === undefined || max === null ? value : Math.min(value, max));
  const sorted = [...sketch.bins.keys()].sort((a, b) => a - b);
  const answers: Array<number | null> = [];
  let seen = sketch.zero;
  let position = 0;
  for (const q of qs) {
    const rank = Math.floor(q * (total - 1));
    if (rank < sketch.zero) {
      answers.push(0);
      continue;
    }
    while (position < sorted.length && seen + sketch.bins.get(sorted[position]!)! <= rank) {
      seen += sketch.bins.get(sorted[position]!)!;
      position++;
    }
    answers.push(position < sorted.length ? cap(latencyBinValue(sorted[position]!)) : (max ?? latencyBinValue(sorted.at(-1)!)));
  }
  return answers;
}

/**
 * The q-quantile of the sketched latencies: the value of rank ⌊q · (n − 1)⌋ (0-based) of the sorted
 * latencies, within LATENCY_RELATIVE_ERROR of it; capped at the exact maximum when one is given.
 * Null for an empty sketch.
 */
export function sketchQuantile(sketch: LatencySketch, q: number, max?: number | null): number | null {
  let total = sketch.zero;
  for (const count of sketch.bins.values()) total += count;
  if (total === 0) return null;
  const rank = Math.floor(q * (total - 1));
  if (rank < sketch.zero) return 0;
  let seen = sketch.zero;
  const sorted = [...sketch.bins.keys()].sort((a, b) => a - b);
  for (const bin of sorted) {
    seen += sketch.bins.get(bin)!;
    if (seen > rank) {
      const value = latencyBinValue(bin);
      return max === undefined || max === null ? value : Math.min(value, max);
    }
  }
  return max ?? latencyBinValue(sorted.at(-1)!);
}

/** Deep equality of JSON values: objects compare by keys whatever their order. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as JsonValue[];
    if (a.length !== other.length) return false;
    for (let index = 0; index < a.length; index++) if (!jsonEqual(a[index], other[index])) return false;
    return true;
  }
  const left = a as Record<string, JsonValue>;
  const right = b as Record<string, JsonValue>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(right, key) || !jsonEqual(left[key], right[key])) return false;
  }
  return true;
}

/** The value at a dotted field path (`label`, `top.class`) of a JSON value, or undefined. */
export function jsonAtPath(value: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const part of path.split('.')) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, part) ? (current as Record<string, JsonValue>)[part] : undefined;
  }
  return current;
}

/**
 * Whether a prediction was right: its output equals its ground truth (as JSON, key order aside), or,
 * with a field path, both hold that field and its values are equal.
 */
export function isCorrect(output: JsonValue, groundTruth: JsonValue, field?: string): boolean {
  if (field === undefined) return jsonEqual(output, groundTruth);
  const expected = jsonAtPath(groundTruth, field);
  return expected !== undefined && jsonEqual(jsonAtPath(output, field), expected);
}

/** Whether a prediction's metadata marks it as failed: its `error` field is present and not null. */
export function isErrorMetadata(metadata: { readonly [key: string]: JsonValue } | null | undefined): boolean {
  return metadata !== null && metadata !== undefined && Object.hasOwn(metadata, 'error') && metadata.error !== null;
}
