/**
 * The version comparison view (A/B, canary): which versions the URL names, and the aggregates of
 * each over the same window as table rows, each with its difference from the first version. The
 * numbers are the server's (one multi-version `/api/v1/prediction-stats` call); nothing here
 * recomputes a percentile.
 */
import type { PredictionAggregate, PredictionStats, PredictionStatsSeries } from '../../core/entities.js';
import { formatCount, formatMetric } from './format.js';

/** Versions compared at most (the API takes 100; a chart of more lines is unreadable). */
export const MAX_COMPARED_VERSIONS = 10;

/** The version ids of a `versions=3,4,7` parameter: positive integers, each once, in order, at most MAX_COMPARED_VERSIONS. */
export function parseVersionIds(value: string | null): number[] {
  const ids: number[] = [];
  for (const part of (value ?? '').split(',')) {
    if (!/^\d+$/.test(part.trim())) continue;
    const id = Number(part.trim());
    if (id > 0 && Number.isSafeInteger(id) && !ids.includes(id)) ids.push(id);
  }
  return ids.slice(0, MAX_COMPARED_VERSIONS);
}

/** The latency percentiles a chart can overlay. */
export const COMPARED_PERCENTILES = ['p50', 'p95', 'p99'] as const;
export type ComparedPercentile = (typeof COMPARED_PERCENTILES)[number];

export function percentileOf(value: string | null): ComparedPercentile {
  return (COMPARED_PERCENTILES as readonly string[]).includes(value ?? '') ? (value as ComparedPercentile) : 'p95';
}

/** One row of the comparison table: a measure, its value per version, and each version's change from the first. */
export interface ComparisonRow {
  key: string;
  label: string;
  values: Array<number | null>;
  texts: string[];
  /** Relative change from the first version's value (null for the first, or where either is missing or the first is zero). */
  changes: Array<number | null>;
  /** Whether a higher value is better (accuracy), worse (latency, errors) or neither (volume). */
  better: 'higher' | 'lower' | 'neither';
}

const ms = (value: number | null) => (value === null ? '—' : `${formatMetric(value)} ms`);
const percent = (value: number | null) => (value === null ? '—' : `${formatMetric(value * 100)} %`);

const MEASURES: Array<{ key: string; label: string; better: ComparisonRow['better']; pick: (total: PredictionAggregate) => number | null; text: (value: number | null) => string }> = [
  { key: 'count', label: 'Predictions', better: 'neither', pick: (total) => total.count, text: (value) => formatCount(value ?? 0) },
  { key: 'p50', label: 'Latency p50', better: 'lower', pick: (total) => total.latency.p50, text: ms },
  { key: 'p95', label: 'Latency p95', better: 'lower', pick: (total) => total.latency.p95, text: ms },
  { key: 'p99', label: 'Latency p99', better: 'lower', pick: (total) => total.latency.p99, text: ms },
  { key: 'max', label: 'Latency max', better: 'lower', pick: (total) => total.latency.max, text: ms },
  { key: 'mean', label: 'Latency mean', better: 'lower', pick: (total) => total.latency.mean, text: ms },
  { key: 'errors', label: 'Error rate', better: 'lower', pick: (total) => (total.count === 0 ? null : total.errorCount / total.count), text: percent },
  { key: 'confidence', label: 'Mean confidence', better: 'neither', pick: (total) => total.confidence.mean, text: (value) => (value === null ? '—' : formatMetric(value)) },
  { key: 'accuracy', label: 'Accuracy', better: 'higher', pick: (total) => total.accuracy, text: percent },
  { key: 'labelled', label: 'Labelled', better: 'neither', pick: (total) => total.labelled, text: (value) => formatCount(value ?? 0) },
];

/** The series of each asked version, in the asked order (a version the answer lacks gets undefined). */
export function seriesInOrder(stats: PredictionStats, versionIds: readonly number[]): Array<PredictionStatsSeries | undefined> {
  const byVersion = new Map(stats.series.map((series) => [series.modelVersionId, series]));
  return versionIds.map((id) => byVersion.get(id));
}

/** The comparison table: one row per measure, one value per version (the window's totals). */
export function comparisonRows(stats: PredictionStats, versionIds: readonly number[]): ComparisonRow[] {
  const series = seriesInOrder(stats, versionIds);
  return MEASURES.map((measure) => {
    const values = series.map((one) => (one === undefined ? null : measure.pick(one.total)));
    const first = values[0] ?? null;
    return {
      key: measure.key,
      label: measure.label,
      values,
      texts: values.map((value) => measure.text(value)),
      changes: values.map((value, index) => (index === 0 || value === null || first === null || first === 0 ? null : (value - first) / first)),
      better: measure.better,
    };
  });
}

/** A relative change as `+12.5 %` / `−3 %`. */
export function formatChange(change: number): string {
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `${sign}${formatMetric(Math.abs(change) * 100)} %`;
}
