/** `aimdb runs list|search|show`: training runs with their hyperparameters and latest metrics. */
import type { Command } from 'commander';
import { RUN_STATUSES, type MetricSummary, type RunStatus, type TrainingRun } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { choiceList, databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { findRun, idOrName } from '../lookup.js';
import { registerRunEdits } from './edits.js';
import { formatDuration, formatJson, formatNumber, sparkline, type Output } from '../output.js';

interface SearchOptions extends PageOptions {
  orderBy?: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * A query error as the user typed it: the query, a caret under the column the error points at, then
 * the one-line error.
 */
function pointAtError(output: Output, error: unknown, query: string, orderBy: string[] | undefined): never {
  if (error instanceof ValidationError && error.position !== undefined) {
    const text = error.field === 'query' ? query : error.field === 'orderBy' && orderBy?.length === 1 ? orderBy[0]! : undefined;
    if (text !== undefined && !text.includes('\n')) output.note(`  ${text}\n  ${' '.repeat(error.position - 1)}^`);
  }
  throw error instanceof ValidationError
    ? new CliError(error.message.replace(/^orderBy/, '--order-by'), { exitCode: EXIT_CODES.usage, hint: 'the grammar: docs/query-language.md' })
    : error;
}

/** The JSON form of a page of runs, each with the latest value of its metrics (list and search alike). */
function runsJson(page: { items: TrainingRun[]; nextCursor: string | null }, summaries: MetricSummary[]) {
  return {
    items: page.items.map((run) => ({ ...run, latestMetrics: Object.fromEntries(summaries.filter((s) => s.runId === run.id).map((s) => [s.name, s.lastValue])) })),
    nextCursor: page.nextCursor,
  };
}

interface ListOptions extends PageOptions {
  model?: string;
  experiment?: string;
  status?: string[];
  name?: string;
}

const parseStatus = choiceList<RunStatus>('--status', RUN_STATUSES);

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
  const runs = program.command('runs').description('list, inspect and edit training runs');
  registerRunEdits(runs, context);

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
        output.printJson(runsJson(page, summaries));
        return;
      }
      printPage(output, page, (items) => runsTable(output, items, summaries), 'no training runs yet');
    });
  });

  addPageOptions(
    databaseCommand(runs, 'search')
      .description("runs matching a query, e.g. \"metrics.val_acc > 0.9 and params.lr < 1e-3\" (grammar: docs/query-language.md)")
      .argument('[query]', 'the query; empty for every run', '')
      .option('--order-by <keys>', "sort keys, e.g. 'metrics.val_acc DESC, params.lr' (repeatable; missing values last)", collect),
  ).action(async (query: string, options: SearchOptions, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const page = await db
        .searchRuns(query, { ...pageQuery(options), ...(options.orderBy === undefined ? {} : { orderBy: options.orderBy }) })
        .catch((error: unknown) => pointAtError(output, error, query, options.orderBy));
      const summaries = page.items.length === 0 ? [] : await db.getMetricSummaries(page.items.map((run) => run.id));
      if (output.json) {
        output.printJson(runsJson(page, summaries));
        return;
      }
      printPage(output, page, (items) => runsTable(output, items, summaries), 'no run matches');
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
