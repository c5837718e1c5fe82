/**
 * One metric's history over the listed runs, on the runs page: a line per run, or grouped by a
 * hyperparameter or tag — one mean line and min–max band per group (decision 0621). The chart reads
 * bucketed histories in one bulk request like every chart (api/bucket-batcher.ts), only once it
 * comes near the viewport.
 */
import type { JsonValue, TrainingRun } from '../../../core/entities.js';
import { DEFAULT_CHART_SETTINGS } from '../../charts/chart-settings.js';
import { MetricChart, type ChartRun } from '../../charts/metric-chart.js';
import { runColor } from '../../charts/palette.js';
import { groupRuns } from '../../lib/run-groups.js';

/** Runs drawn one line each at most (a legend of more is unreadable). */
export const CHART_LINE_LIMIT = 100;
/** Runs a grouped chart averages at most: one bulk request (the server's 1,000 series). */
export const CHART_GROUP_LIMIT = 1000;
/** Buckets per run when many runs share a chart: a mean over hundreds of runs needs no more. */
const GROUPED_BUCKETS = 200;

export function RunsCharts({
  runs,
  metricNames,
  metric,
  groupBy,
  paramNames,
  tagKeys,
  hyperparameters,
  latest,
  onChange,
}: {
  /** The listed runs in table order. */
  runs: TrainingRun[];
  metricNames: string[];
  metric: string | undefined;
  groupBy: string;
  paramNames: string[];
  tagKeys: string[];
  hyperparameters: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>;
  latest: ReadonlyMap<number, ReadonlyMap<string, { step: number }>>;
  onChange: (patch: { chart?: string; group?: string }) => void;
}) {
  if (metric === undefined || metricNames.length === 0) return null;
  const grouping = groupBy !== '';
  const limit = grouping ? CHART_GROUP_LIMIT : CHART_LINE_LIMIT;
  // Runs without this metric draw nothing; they are not asked for.
  const withMetric = runs.filter((run) => latest.get(run.id)?.has(metric) === true);
  const drawn = withMetric.slice(0, limit);
  const chartRuns: ChartRun[] = drawn.map((run, index) => ({
    id: run.id,
    label: run.name ?? `Run #${run.id}`,
    color: runColor(index),
    // Only the step axis is drawn here, from server buckets; the count matters for raw-point axes only.
    pointCount: (latest.get(run.id)?.get(metric)?.step ?? 0) + 1,
  }));
  const groups = groupRuns(groupBy, drawn, (run, name) => hyperparameters.get(run.id)?.get(name));
  return (
    <section className="runs-charts" aria-label="Metric chart of the listed runs">
      <h2>How the runs trained</h2>
      <div className="toolbar">
        <label>
          Chart metric{' '}
          <select value={metric} onChange={(event) => onChange({ chart: event.target.value })}>
            {metricNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by{' '}
          <select value={groupBy} onChange={(event) => onChange({ group: event.target.value })}>
            <option value="">nothing (one line per run)</option>
            {paramNames.map((name) => (
              <option key={`param:${name}`} value={`param:${name}`}>
                params.{name}
              </option>
            ))}
            {tagKeys.map((key) => (
              <option key={`tag:${key}`} value={`tag:${key}`}>
                tags.{key}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {withMetric.length > limit
            ? `The first ${limit.toLocaleString('en-US')} of ${withMetric.length.toLocaleString('en-US')} runs with ${metric}, in table order${grouping ? '' : '; group them to see more'}.`
            : `${withMetric.length.toLocaleString('en-US')} run${withMetric.length === 1 ? '' : 's'} with ${metric}${grouping ? ': mean line and min–max band per group' : ''}.`}
        </span>
      </div>
      {drawn.length === 0 ? (
        <p className="muted">None of the listed runs logged {metric}.</p>
      ) : (
        <MetricChart
          metric={metric}
          runs={chartRuns}
          settings={DEFAULT_CHART_SETTINGS}
          {...(groups === undefined ? {} : { groups })}
          {...(drawn.length > 20 ? { maxBuckets: GROUPED_BUCKETS } : {})}
          height={280}
        />
      )}
    </section>
  );
}
