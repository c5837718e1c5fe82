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

/**
 * A latency sketch: how many latencies were zero, and counts per positive bin, held densely from the
 * lowest bin seen to the highest (a few hundred to a few thousand entries for real latencies), so
 * merging and quantiles are array walks and reading a stored sketch allocates nothing per bin.
 */
export class LatencySketch {
  zero = 0;
  /** The bin of counts[0]. */
  #offset = 0;
  #counts = new Float64Array(0);

  /**
   * Makes room for every bin from `low` to `high` (grows to at least double, so adding bins in any
   * order stays linear; callers that know a whole range ask once, so the array is sized once).
   */
  #reach(low: number, high: number): void {
    const length = this.#counts.length;
    if (length === 0) {
      const size = Math.max(128, high - low + 1);
      this.#offset = low - Math.min(32, size - (high - low + 1));
      this.#counts = new Float64Array(size);
      return;
    }
    if (low >= this.#offset && high < this.#offset + length) return;
    const from = Math.min(this.#offset, low);
    const to = Math.max(this.#offset + length - 1, high);
    const size = Math.max(to - from + 1, 2 * length);
    const offset = low < this.#offset ? to - size + 1 : from;
    const grown = new Float64Array(size);
    grown.set(this.#counts, this.#offset - offset);
    this.#counts = grown;
    this.#offset = offset;
  }

  /** Empties the sketch, keeping its array for reuse. */
  clear(): void {
    this.zero = 0;
    this.#counts.fill(0);
  }

  addBin(bin: number, count: number): void {
    this.#reach(bin, bin);
    this.#counts[bin - this.#offset]! += count;
  }

  /** Adds one latency. */
  add(latencyMs: number): void {
    if (latencyMs <= 0) this.zero += 1;
    else this.addBin(latencyBin(latencyMs), 1);
  }

  /** Adds every latency of `other`. Merging is exact: a merged sketch equals the sketch of all the values. */
  merge(other: LatencySketch): void {
    this.zero += other.zero;
    const counts = other.#counts;
    let first = 0;
    let last = counts.length - 1;
    while (first <= last && counts[first] === 0) first++;
    while (last >= first && counts[last] === 0) last--;
    if (first > last) return;
    this.#reach(other.#offset + first, other.#offset + last);
    const into = this.#counts;
    const shift = other.#offset - this.#offset;
    for (let index = first; index <= last; index++) into[index + shift]! += counts[index]!;
  }

  /**
   * Adds the bins of a stored `bin:count,bin:count` text (any order), read without splitting it into
   * strings: one pass finds the lowest and highest bin so the array is sized once, a second adds.
   */
  addEncoded(text: string | null): void {
    if (text === null || text.length === 0) return;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    decodePairs(text, (bin) => {
      if (bin < low) low = bin;
      if (bin > high) high = bin;
    });
    if (low > high) return;
    this.#reach(low, high);
    const counts = this.#counts;
    const offset = this.#offset;
    decodePairs(text, (bin, count) => {
      counts[bin - offset]! += count;
    });
  }

  /** The stored form: `bin:count` pairs of the non-empty bins, ascending, joined by commas (SQL can build it too). */
  encode(): string {
    const parts: string[] = [];
    const counts = this.#counts;
    for (let index = 0; index < counts.length; index++) if (counts[index] !== 0) parts.push(`${this.#offset + index}:${counts[index]}`);
    return parts.join(',');
  }

  /**
   * Quantiles (`qs` ascending) of the sketched latencies: the value of rank ⌊q · (n − 1)⌋ (0-based)
   * of the sorted latencies, within LATENCY_RELATIVE_ERROR of it; capped at the exact maximum when
   * one is given. Null for an empty sketch.
   */
  quantiles(qs: readonly number[], max?: number | null): Array<number | null> {
    const counts = this.#counts;
    let total = this.zero;
    for (let index = 0; index < counts.length; index++) total += counts[index]!;
    if (total === 0) return qs.map(() => null);
    const cap = (value: number) => (max === undefined || max === null ? value : Math.min(value, max));
    const answers: Array<number | null> = [];
    let seen = this.zero;
    let index = -1;
    for (const q of qs) {
      const rank = Math.floor(q * (total - 1));
      if (rank < this.zero) {
        answers.push(0);
        continue;
      }
      while (seen <= rank && index < counts.length - 1) seen += counts[++index]!;
      answers.push(cap(latencyBinValue(this.#offset + index)));
    }
    return answers;
  }
}

/** Calls `each` with every pair of a `bin:count,bin:count` text (bins may be negative). */
function decodePairs(text: string, each: (bin: number, count: number) => void): void {
  let position = 0;
  const length = text.length;
  while (position < length) {
    let negative = false;
    if (text.charCodeAt(position) === 45) {
      negative = true;
      position++;
    }
    let bin = 0;
    for (let code = text.charCodeAt(position); code >= 48 && code <= 57; code = text.charCodeAt(++position)) bin = bin * 10 + (code - 48);
    position++; // ':'
    let count = 0;
    for (let code = text.charCodeAt(position); code >= 48 && code <= 57; code = text.charCodeAt(++position)) count = count * 10 + (code - 48);
    position++; // ','
    each(negative ? -bin : bin, count);
  }
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
