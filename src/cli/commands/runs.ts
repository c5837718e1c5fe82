/** `aimdb runs list|show`: training runs with their hyperparameters and latest metrics. */
import type { Command } from 'commander';
import { RUN_STATUSES, type MetricSummary, type RunStatus, type TrainingRun } from '../../core/entities.js';
import type { AiDatabase } from '../../store/ai-database.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { findRun, idOrName } from '../lookup.js';
import { formatDuration, formatJson, formatNumber, sparkline, type Output } from '../output.js';

interface ListOptions extends PageOptions {
  model?: string;
  experiment?: string;
  status?: string[];
  name?: string;
}

function parseStatus(value: string, previous: RunStatus[] | undefined): RunStatus[] {
  const statuses = value.split(',').map((item) => item.trim());
  for (const status of statuses) {
    if (!(RUN_STATUSES as readonly string[]).includes(status)) {
      throw new CliError(`--status: expected ${RUN_STATUSES.join(', ')} (comma-separated), got '${status}'`, { exitCode: EXIT_CODES.usage });
    }
  }
  return [...(previous ?? []), ...(statuses as RunStatus[])];
}

/** `accuracy=0.91 loss=0.23`: the latest value of each metric, for a table cell. */
function latestMetricsCell(summaries: MetricSummary[]): string {
  return summaries.map((summary) => `${summary.name}=${formatNumber(summary.lastValue)}`).join(' ');
}

function runsTable(output: Output, runs: TrainingRun[], summaries: MetricSummary[]): void {
  output.table(
    ['ID', 'NAME', 'STATUS', 'MODEL', 'VERSION', 'DATASET', 'STARTED', 'DURATION', 'LATEST METRICS'],
    runs.map((run) => [
      run.id,
      run.name,
      run.status,
      run.modelId,
      run.modelVersionId,
      run.datasetId,
      run.startedAt,
      formatDuration(run.durationMs),
      latestMetricsCell(summaries.filter((summary) => summary.runId === run.id)),
    ]),
    { alignRight: [0, 3, 4, 5, 7] },
  );
}

/** A run with what a user asks of it first: hyperparameters and the latest value of each metric. */
export async function loadRunDetails(db: AiDatabase, run: TrainingRun) {
  const [hyperparameters, metrics] = await Promise.all([db.getHyperparameters(run.id), db.getMetricSummaries(run.id)]);
  return { run, hyperparameters, metrics };
}

export function register(program: Command, context: CliContext): void {
  const runs = program.command('runs').description('list and inspect training runs');

  addPageOptions(
    databaseCommand(runs, 'list')
      .description('training runs, newest first, with the latest value of each metric')
      .option('--model <id|name>', 'only runs of this model')
      .option('--experiment <id|name>', 'only runs in this experiment')
      .option('--status <status>', `only these statuses (${RUN_STATUSES.join(', ')}; comma-separated or repeated)`, parseStatus)
      .option('--name <text>', 'name contains this text (case-insensitive)'),
  ).action(async (options: ListOptions, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const modelId = options.model === undefined ? undefined : (await db.getModel(idOrName(options.model))).id;
      const experimentId = options.experiment === undefined ? undefined : (await db.getExperiment(idOrName(options.experiment))).id;
      const page = await db.listTrainingRuns({
        ...pageQuery(options),
        ...(modelId === undefined ? {} : { modelId }),
        ...(experimentId === undefined ? {} : { experimentId }),
        ...(options.status === undefined ? {} : { status: options.status as RunStatus[] }),
        ...(options.name === undefined ? {} : { nameContains: options.name }),
      });
      const summaries = page.items.length === 0 ? [] : await db.getMetricSummaries(page.items.map((run) => run.id));
      if (output.json) {
        output.printJson({
          items: page.items.map((run) => ({ ...run, latestMetrics: Object.fromEntries(summaries.filter((s) => s.runId === run.id).map((s) => [s.name, s.lastValue])) })),
          nextCursor: page.nextCursor,
        });
        return;
      }
      printPage(output, page, (items) => runsTable(output, items, summaries), 'no training runs yet');
    });
  });

  databaseCommand(runs, 'show')
    .description('one run: status, times, hyperparameters and the latest value of each metric')
    .argument('<id|name>', 'run id, or name (the newest run with it)')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const details = await loadRunDetails(db, await findRun(db, ref, output));
        if (output.json) {
          output.printJson(details);
          return;
        }
        const { run, hyperparameters, metrics } = details;
        const model = run.modelId === null ? null : await db.getModel(run.modelId).catch(() => null);
        const dataset = run.datasetId === null ? null : await db.getDataset(run.datasetId).catch(() => null);
        const version = run.modelVersionId === null ? null : await db.getModelVersion(run.modelVersionId).catch(() => null);
        output.heading(`Training run #${run.id}${run.name === null ? '' : ` ${run.name}`}`);
        output.fields([
          ['status', run.status],
          ['model', model === null ? run.modelId : `#${model.id} ${model.name}`],
          ['model version', version === null ? run.modelVersionId : `#${version.id} v${version.version} (${version.status})`],
          ['dataset', dataset === null ? run.datasetId : `#${dataset.id} ${dataset.name} ${dataset.version}`],
          ['started', run.startedAt],
          ['ended', run.endedAt],
          ['duration', formatDuration(run.durationMs)],
          ['tags', formatJson(run.tags, 100)],
          ['config', formatJson(run.config, 100)],
          ...(run.notes === null ? [] : ([['notes', run.notes]] as Array<[string, string]>)),
          ...(run.error === null ? [] : ([['error', run.error]] as Array<[string, string]>)),
        ]);
        output.line();
        output.heading(`Hyperparameters (${Object.keys(hyperparameters).length})`);
        const params = Object.entries(hyperparameters).sort(([a], [b]) => a.localeCompare(b));
        if (params.length === 0) output.line(output.dim('  none logged'));
        else output.table(['NAME', 'VALUE'], params.map(([name, value]) => [name, formatJson(value, 80)]));
        output.line();
        output.heading(`Metrics (${metrics.length}; latest value of each)`);
        if (metrics.length === 0) output.line(output.dim('  none logged'));
        else {
          const trends = await Promise.all(
            metrics.map(async (summary) => sparkline((await db.getMetricBuckets(run.id, summary.name, { buckets: 20 })).map((bucket) => bucket.last))),
          );
          output.table(
            ['NAME', 'LATEST', 'STEP', 'MIN', 'MAX', 'POINTS', 'TREND'],
            metrics.map((summary, index) => [summary.name, summary.lastValue, summary.lastStep, summary.min, summary.max, summary.count, trends[index]]),
            { alignRight: [1, 2, 3, 4, 5] },
          );
          output.note(output.dim(`history: aimdb metrics ${run.id} <name>`));
        }
      });
    });
}
