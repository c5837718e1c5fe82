/** `aimdb metrics RUN [NAME]`: a run's metric summaries, or one metric's history. */
import type { Command } from 'commander';
import type { MetricPoint } from '../../core/entities.js';
import type { AiDatabase } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { databaseCommand, parsePositiveInt } from '../database-options.js';
import { findRun } from '../lookup.js';
import { formatCell, formatNumber, sparkline, sparklineIndices, toJson, type Output } from '../output.js';

/** Points read per query while printing a history: memory stays the same whatever the series' length. */
const HISTORY_PAGE_SIZE = 10_000;
const SPARKLINE_WIDTH = 60;

/** A metric's points in step order, a page at a time, at most `limit` of them. */
async function* historyPages(db: AiDatabase, runId: number, name: string, limit: number | undefined): AsyncGenerator<MetricPoint[]> {
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  // Steps may be negative: the first page starts at the lowest one.
  let minStep: number | undefined;
  while (remaining > 0) {
    const pageSize = Math.min(HISTORY_PAGE_SIZE, remaining);
    const page = await db.getMetrics(runId, { name, ...(minStep === undefined ? {} : { minStep }), limit: pageSize });
    if (page.length > 0) yield page;
    remaining -= page.length;
    const lastStep = page.at(-1)?.step;
    if (page.length < pageSize || lastStep === undefined || lastStep >= Number.MAX_SAFE_INTEGER) return;
    minStep = lastStep + 1;
  }
}

const historyRow = (point: MetricPoint) => [point.step, point.epoch, point.value, point.timestamp];

/**
 * Prints a metric's history in two passes over the pages: the first measures (first, last, min,
 * max, the sparkline's points, each column's width), the second writes the table. Time is linear
 * in the number of points and memory constant; a series of millions of points prints like a short one.
 */
async function printHistory(output: Output, db: AiDatabase, runId: number, name: string, limit: number | undefined): Promise<void> {
  if (output.json) {
    await output.write(`{\n  "runId": ${runId},\n  "name": ${JSON.stringify(name)},\n  "points": [`);
    let separator = '\n    ';
    for await (const page of historyPages(db, runId, name, limit)) {
      let text = '';
      for (const point of page) {
        text += separator + toJson(point).replace(/\n/g, '\n    ');
        separator = ',\n    ';
      }
      await output.write(text);
    }
    await output.write(separator === '\n    ' ? ']\n}\n' : '\n  ]\n}\n');
    return;
  }
  // The sparkline's points are picked by index, so the count comes first (the summaries hold it).
  const summary = (await db.getMetricSummaries(runId)).find((item) => item.name === name);
  const expected = Math.min(summary?.count ?? 0, limit ?? Number.POSITIVE_INFINITY);
  const wanted = sparklineIndices(expected, SPARKLINE_WIDTH);
  const sampled: number[] = [];
  const widths = [0, 0, 0, 0];
  let count = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for await (const page of historyPages(db, runId, name, limit)) {
    for (const point of page) {
      const { value } = point;
      if (count === 0) first = value;
      last = value;
      if (Number.isFinite(value)) {
        if (value < min) min = value;
        if (value > max) max = value;
      }
      if (count === wanted[sampled.length]) sampled.push(value);
      const cells = historyRow(point);
      for (let column = 0; column < cells.length; column++) widths[column] = Math.max(widths[column]!, formatCell(cells[column]!).length);
      count++;
    }
  }
  if (count === 0) return output.note(`run #${runId} has no points of '${name}'`);
  const range = min <= max ? `, min ${formatNumber(min)}, max ${formatNumber(max)}` : '';
  output.line(`${name}  ${sparkline(sampled, SPARKLINE_WIDTH)}  ${output.dim(`first ${formatNumber(first)}, last ${formatNumber(last)}${range}`)}`);
  const table = output.streamedTable(['STEP', 'EPOCH', 'VALUE', 'TIME'], widths, { alignRight: [0, 1, 2] });
  await output.write(table.header());
  for await (const page of historyPages(db, runId, name, limit)) {
    let text = '';
    for (const point of page) text += table.row(historyRow(point));
    await output.write(text);
  }
}

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
        await printHistory(output, db, run.id, name, options.limit);
      });
    });
}
