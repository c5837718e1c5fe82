/** `aimdb gc`: purges what was deleted long enough ago, and old predictions (decision 1201). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../config/config.js';
import { collectArtifactGarbage, isLocalDatabase } from '../../database/open.js';
import type { GcReport } from '../../core/entities.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import type { Output } from '../output.js';

interface GcOptions {
  olderThan?: number;
  predictionsOlderThan?: number;
  dryRun?: boolean;
  batchRows?: number;
  maxBatches?: number;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return number;
}

function printReport(output: Output, report: GcReport): void {
  output.line(report.dryRun ? 'would purge (dry run, nothing changed):' : 'purged:');
  output.table(
    ['WHAT', 'COUNT'],
    [
      ['training runs', report.runs],
      ['metric points', report.metricPoints],
      ['experiments', report.experiments],
      ['models', report.models],
      ['model versions', report.modelVersions],
      ['predictions', report.predictions],
    ],
    { alignRight: [1] },
  );
  output.line();
  output.fields([
    ['deleted before', report.deletedBefore],
    ['predictions before', report.predictionsBefore ?? 'kept (no retention)'],
    ['batches', report.batches],
    ['complete', report.complete ? 'yes' : 'no: run it again to go on'],
  ]);
}

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'gc')
    .description(
      'purge runs, experiments, models and versions deleted longer ago than the retention (config retention.deleted, default 30d), ' +
        'with their metrics and predictions, and predictions older than retention.predictions; in small batches, safe to interrupt',
    )
    .option('--older-than <duration>', 'purge what was deleted at least this long ago, e.g. 7d (default: retention.deleted or 30d)', duration)
    .option('--predictions-older-than <duration>', 'also purge predictions this old, e.g. 90d (default: retention.predictions)', duration)
    .option('--dry-run', 'count what would be purged; change nothing')
    .option('--batch-rows <n>', 'rows deleted per committed batch (default 5000)', positive)
    .option('--max-batches <n>', 'stop after this many batches', positive)
    .action(async (options: GcOptions, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db, resolved) => {
        const retention = resolved.resolved.retention ?? {};
        const olderThanMs = options.olderThan ?? retention.deleted;
        const predictionsOlderThanMs = options.predictionsOlderThan ?? retention.predictions;
        const report = await db.collectGarbage({
          ...(olderThanMs === undefined ? {} : { olderThanMs }),
          ...(predictionsOlderThanMs === undefined ? {} : { predictionsOlderThanMs }),
          ...(options.dryRun === true ? { dryRun: true } : {}),
          ...(options.batchRows === undefined ? {} : { batchRows: options.batchRows }),
          ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
        });
        // Purged runs and versions took their artifact rows with them; the bytes no row names go now
        // (a database this process opens holds the blob store; a server's own gc is `aimdb artifacts gc` there).
        const blobs = !report.dryRun && report.complete && isLocalDatabase(db) ? await collectArtifactGarbage(db) : undefined;
        if (output.json) output.printJson(blobs === undefined ? report : { ...report, artifactBlobs: blobs });
        else {
          printReport(output, report);
          if (blobs !== undefined) output.fields([['artifact blobs removed', `${blobs.removed} (${blobs.removedBytes} bytes)`]]);
        }
      });
    });
}
