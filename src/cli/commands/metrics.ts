/** `aimdb metrics RUN [NAME]`: a run's metric summaries, or one metric's history. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { databaseCommand, parsePositiveInt } from '../database-options.js';
import { findRun } from '../lookup.js';
import { formatNumber, sparkline } from '../output.js';

interface MetricsOptions {
  limit?: number;
  buckets?: number;
}

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'metrics')
    .description("a run's metrics: the latest value of each, or one metric's history with a sparkline")
    .argument('<run>', 'run id, or name (the newest run with it)')
    .argument('[name]', 'metric name, e.g. loss; omitted: a summary of every metric')
    .option('-n, --limit <count>', 'at most this many points of the history', parsePositiveInt)
    .option('--buckets <count>', 'downsample the history into this many step ranges (min/max/last each)', parsePositiveInt)
    .action(async (runRef: string, name: string | undefined, options: MetricsOptions, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const run = await findRun(db, runRef, output);
        if (name === undefined) {
          const summaries = await db.getMetricSummaries(run.id);
          if (output.json) return output.printJson({ runId: run.id, metrics: summaries });
          if (summaries.length === 0) return output.note(`run #${run.id} has no metrics yet`);
          output.table(
            ['NAME', 'LATEST', 'STEP', 'MIN', 'MAX', 'POINTS'],
            summaries.map((summary) => [summary.name, summary.lastValue, summary.lastStep, summary.min, summary.max, summary.count]),
            { alignRight: [1, 2, 3, 4, 5] },
          );
          return;
        }
        if (options.buckets !== undefined) {
          const buckets = await db.getMetricBuckets(run.id, name, { buckets: options.buckets });
          if (output.json) return output.printJson({ runId: run.id, name, buckets });
          if (buckets.length === 0) return output.note(`run #${run.id} has no points of '${name}'`);
          output.line(`${name}  ${sparkline(buckets.map((bucket) => bucket.last), 60)}`);
          output.table(
            ['STEPS', 'MIN', 'MAX', 'LAST', 'POINTS'],
            buckets.map((bucket) => [`${bucket.stepStart}–${bucket.stepEnd}`, bucket.min, bucket.max, bucket.last, bucket.count]),
            { alignRight: [1, 2, 3, 4] },
          );
          return;
        }
        const points = await db.getMetrics(run.id, { name, ...(options.limit === undefined ? {} : { limit: options.limit }) });
        if (output.json) return output.printJson({ runId: run.id, name, points });
        if (points.length === 0) return output.note(`run #${run.id} has no points of '${name}'`);
        const values = points.map((point) => point.value);
        const finite = values.filter(Number.isFinite);
        output.line(
          `${name}  ${sparkline(values, 60)}  ${output.dim(`first ${formatNumber(values[0]!)}, last ${formatNumber(values.at(-1)!)}` + (finite.length > 0 ? `, min ${formatNumber(Math.min(...finite))}, max ${formatNumber(Math.max(...finite))}` : ''))}`,
        );
        output.table(
          ['STEP', 'EPOCH', 'VALUE', 'TIME'],
          points.map((point) => [point.step, point.epoch, point.value, point.timestamp]),
          { alignRight: [0, 1, 2] },
        );
      });
    });
}
