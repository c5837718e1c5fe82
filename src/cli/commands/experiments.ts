/** `aimdb experiments list|show`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { idOrName } from '../lookup.js';
import { formatDuration, formatJson, formatNumber } from '../output.js';

export function register(program: Command, context: CliContext): void {
  const experiments = program.command('experiments').description('list and inspect experiments');

  addPageOptions(
    databaseCommand(experiments, 'list').description('experiments, newest first').option('--name <text>', 'name contains this text (case-insensitive)'),
  ).action(async (options: PageOptions & { name?: string }, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const page = await db.listExperiments({ ...pageQuery(options), ...(options.name === undefined ? {} : { nameContains: options.name }) });
      printPage(output, page, (items) =>
        output.table(
          ['ID', 'NAME', 'STATUS', 'DESCRIPTION', 'CREATED'],
          items.map((experiment) => [experiment.id, experiment.name, experiment.status, formatJson(experiment.description ?? '', 50), experiment.createdAt]),
          { alignRight: [0] },
        ),
        'no experiments yet',
      );
    });
  });

  databaseCommand(experiments, 'show')
    .description('one experiment with its runs and their latest metrics')
    .argument('<id|name>', 'experiment id or name')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const experiment = await db.getExperiment(idOrName(ref));
        const runs = await db.getExperimentRuns(experiment.id);
        const summaries = runs.length === 0 ? [] : await db.getMetricSummaries(runs.map((run) => run.id));
        if (output.json) {
          output.printJson({ experiment, runs });
          return;
        }
        output.heading(`Experiment #${experiment.id} ${experiment.name}`);
        output.fields([
          ['status', experiment.status],
          ['description', experiment.description],
          ['hypothesis', experiment.hypothesis],
          ['tags', formatJson(experiment.tags, 100)],
          ['created', experiment.createdAt],
        ]);
        output.line();
        output.heading(`Runs (${runs.length})`);
        if (runs.length === 0) output.line(output.dim('  none'));
        else
          output.table(
            ['ID', 'NAME', 'STATUS', 'MODEL', 'DURATION', 'LATEST METRICS', 'ADDED'],
            runs.map((run) => [
              run.id,
              run.name,
              run.status,
              run.modelId,
              formatDuration(run.durationMs),
              summaries.filter((summary) => summary.runId === run.id).map((summary) => `${summary.name}=${formatNumber(summary.lastValue)}`).join(' '),
              run.addedAt,
            ]),
            { alignRight: [0, 3, 4] },
          );
      });
    });
}
