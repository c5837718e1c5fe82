/** `aimdb predictions list|show`: the inference log. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { findModelVersion, parseId } from '../lookup.js';
import { formatJson } from '../output.js';

interface ListOptions extends PageOptions {
  modelVersion?: string;
  since?: string;
  until?: string;
}

function parseTime(value: string, option: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(`${option}: expected an ISO date or time such as 2026-01-31 or 2026-01-31T12:00:00Z, got '${value}'`, { exitCode: EXIT_CODES.usage });
  }
  return date;
}

export function register(program: Command, context: CliContext): void {
  const predictions = program.command('predictions').description('list and inspect logged predictions');

  addPageOptions(
    databaseCommand(predictions, 'list')
      .description('predictions, newest first')
      .option('--model-version <ref>', 'only this model version: an id, or MODEL@NUMBER such as VisionTransformer-CAD@1')
      .option('--since <time>', 'only at or after this time (ISO 8601)')
      .option('--until <time>', 'only before this time (ISO 8601)'),
  ).action(async (options: ListOptions, command: Command) => {
    const output = context.output(command);
    const since = options.since === undefined ? undefined : parseTime(options.since, '--since');
    const until = options.until === undefined ? undefined : parseTime(options.until, '--until');
    await context.withDatabase(command, async (db) => {
      const modelVersionId = options.modelVersion === undefined ? undefined : (await findModelVersion(db, options.modelVersion)).id;
      const page = await db.getPredictions({
        ...pageQuery(options),
        ...(modelVersionId === undefined ? {} : { modelVersionId }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      printPage(output, page, (items) =>
        output.table(
          ['ID', 'VERSION', 'CONFIDENCE', 'LATENCY MS', 'INPUT', 'OUTPUT', 'TIME'],
          items.map((prediction) => [prediction.id, prediction.modelVersionId, prediction.confidence, prediction.latencyMs, formatJson(prediction.input, 36), formatJson(prediction.output, 36), prediction.timestamp]),
          { alignRight: [0, 1, 2, 3] },
        ),
        'no predictions yet',
      );
    });
  });

  databaseCommand(predictions, 'show')
    .description('one prediction with its full input, output and ground truth')
    .argument('<id>', 'prediction id')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      const id = parseId(ref, 'prediction');
      await context.withDatabase(command, async (db) => {
        const prediction = await db.getPrediction(id);
        if (output.json) {
          output.printJson(prediction);
          return;
        }
        output.heading(`Prediction #${prediction.id}`);
        output.fields([
          ['model version', prediction.modelVersionId],
          ['time', prediction.timestamp],
          ['confidence', prediction.confidence],
          ['latency ms', prediction.latencyMs],
          ['input', formatJson(prediction.input, 2000)],
          ['output', formatJson(prediction.output, 2000)],
          ['ground truth', prediction.groundTruth === null ? null : formatJson(prediction.groundTruth, 2000)],
          ['metadata', formatJson(prediction.metadata, 2000)],
        ]);
      });
    });
}
