/** `aimdb stats`: counts per entity, runs and versions by status, newest activity. */
import type { Command } from 'commander';
import type { Statistics } from '../../core/entities.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import type { Output } from '../output.js';

/** The statistics as tables (shared with the demo). */
export function printStatistics(output: Output, stats: Statistics): void {
  const { counts } = stats;
  output.table(
    ['ENTITY', 'COUNT'],
    [
      ['models', counts.models],
      ['model versions', counts.modelVersions],
      ['datasets', counts.datasets],
      ['training runs', counts.trainingRuns],
      ['hyperparameters', counts.hyperparameters],
      ['metric points', counts.metricPoints],
      ['metric series', counts.metricSeries],
      ['experiments', counts.experiments],
      ['predictions', counts.predictions],
    ],
    { alignRight: [1] },
  );
  output.line();
  output.fields([
    ['runs by status', Object.entries(stats.runsByStatus).map(([status, count]) => `${status} ${count}`).join(', ')],
    ['versions by status', Object.entries(stats.modelVersionsByStatus).map(([status, count]) => `${status} ${count}`).join(', ')],
    ['newest model', stats.latest.modelCreatedAt],
    ['newest run', stats.latest.runCreatedAt],
    ['last run update', stats.latest.runUpdatedAt],
    ['last prediction', stats.latest.predictionAt],
  ]);
}

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'stats')
    .description('how much the database holds: counts, runs by status, newest activity')
    .action(async (_options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const stats = await db.getStatistics();
        if (output.json) output.printJson(stats);
        else printStatistics(output, stats);
      });
    });
}
