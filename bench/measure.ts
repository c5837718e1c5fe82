/** What a scenario reports, and the small timing helpers every scenario uses. */
import { performance } from 'node:perf_hooks';
import type { BenchBackendName } from './config.js';

/** Rates compare aimdb / baseline; durations baseline / aimdb: above 1 means aimdb is faster. */
export type Unit = 'points/s' | 'rows/s' | 'calls/s' | 'ms' | 'MB' | 'MB/s';

export interface ScenarioResult {
  backend: BenchBackendName;
  id: string;
  title: string;
  unit: Unit;
  aimdb: number;
  /** The raw-driver figure (or, for growth, the figure at the smaller volume). */
  baseline: number | null;
  baselineLabel: string;
  /** aimdb relative to the baseline, oriented so that higher is better for aimdb. */
  ratio: number | null;
  /** The ratio the issue asks for (or, for memory, the ceiling in MB). */
  target: number;
  targetText: string;
  met: boolean;
  note?: string;
  details?: Record<string, number | string>;
}

export function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

export const now = () => performance.now();

/** Runs `fn` and returns its wall time in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The fastest of `repeat` runs: reads are noisy on a shared machine and the best is the cleanest. */
export async function bestMs(repeat: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let index = 0; index < repeat; index++) best = Math.min(best, await timeMs(fn));
  return best;
}

/**
 * The best of `repeat` runs of each, interleaved (a, b, a, b …) so that a burst of load from
 * elsewhere on the machine hits both sides alike.
 */
export async function bestOfInterleaved(repeat: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let index = 0; index < repeat; index++) {
    bestA = Math.min(bestA, await timeMs(a));
    bestB = Math.min(bestB, await timeMs(b));
  }
  return [bestA, bestB];
}

export function rateResult(
  base: Omit<ScenarioResult, 'ratio' | 'met' | 'unit' | 'targetText'> & { unit?: Unit; targetText?: string },
): ScenarioResult {
  const ratio = base.baseline === null || base.baseline === 0 ? null : base.aimdb / base.baseline;
  return {
    unit: 'points/s',
    targetText: `≥ ${base.target}×`,
    ...base,
    ratio,
    met: ratio !== null && ratio >= base.target,
  };
}

/**
 * A duration against its baseline. `withinMs`, when given, is an absolute limit the issue sets at
 * this size: the verdict needs both the ratio and the limit.
 */
export function durationResult(
  base: Omit<ScenarioResult, 'ratio' | 'met' | 'unit' | 'targetText'> & { targetText?: string; withinMs?: number },
): ScenarioResult {
  const { withinMs, ...result } = base;
  const ratio = result.baseline === null || result.aimdb === 0 ? null : result.baseline / result.aimdb;
  const fast = withinMs === undefined || result.aimdb <= withinMs;
  return { unit: 'ms', targetText: `≥ ${result.target}×`, ...result, ratio, met: ratio !== null && ratio >= result.target && fast };
}

export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}
