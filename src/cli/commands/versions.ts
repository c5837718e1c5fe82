/** `aimdb versions list|show`. */
import type { Command } from 'commander';
import { MODEL_VERSION_STATUSES, type Model, type ModelVersion, type ModelVersionStatus } from '../../core/entities.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand, parsePositiveInt } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { findModelVersion, idOrName } from '../lookup.js';
import { formatJson } from '../output.js';
import { registerVersionEdits } from './edits.js';

function parseStatus(value: string): ModelVersionStatus {
  if (!(MODEL_VERSION_STATUSES as readonly string[]).includes(value)) {
    throw new CliError(`--status: expected one of ${MODEL_VERSION_STATUSES.join(', ')}, got '${value}'`, { exitCode: EXIT_CODES.usage });
  }
  return value as ModelVersionStatus;
}

export function register(program: Command, context: CliContext): void {
  const versions = program.command('versions').description('list, inspect, promote and alias model versions');
  registerVersionEdits(versions, context);

  databaseCommand(versions, 'list')
    .description("a model's versions, oldest first (every model's when none is named)")
    .argument('[model]', 'model id or name')
    .option('--status <status>', `only this status (${MODEL_VERSION_STATUSES.join(', ')})`)
    .option('-n, --limit <count>', 'at most this many rows (default 50)', parsePositiveInt, 50)
    .action(async (modelRef: string | undefined, options: { status?: string; limit: number }, command: Command) => {
      const output = context.output(command);
      const status = options.status === undefined ? undefined : parseStatus(options.status);
      await context.withDatabase(command, async (db) => {
        let models: Model[];
        if (modelRef !== undefined) models = [await db.getModel(idOrName(modelRef))];
        else models = (await db.listModels({ limit: 10_000 })).items.reverse();
        const rows: Array<{ model: Model; version: ModelVersion }> = [];
        for (const model of models) {
          if (rows.length >= options.limit) break;
          const list = await db.getModelVersions(model.id, status === undefined ? {} : { status });
          for (const version of list) if (rows.length < options.limit) rows.push({ model, version });
        }
        if (output.json) {
          output.printJson({ items: rows.map((row) => row.version), nextCursor: null });
          return;
        }
        if (rows.length === 0) {
          output.note('no model versions yet');
          return;
        }
        output.table(
          ['ID', 'MODEL', 'VERSION', 'STATUS', 'RUN', 'DATASET', 'CHECKPOINT', 'CREATED'],
          rows.map(({ model, version }) => [version.id, model.name, version.version, version.status, version.trainingRunId, version.datasetId, version.checkpointUri, version.createdAt]),
          { alignRight: [0, 2] },
        );
      });
    });

  databaseCommand(versions, 'show')
    .description('one model version')
    .argument('<ref>', 'version id, or MODEL@NUMBER such as VisionTransformer-CAD@1')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const version = await findModelVersion(db, ref);
        const model = await db.getModel(version.modelId);
        if (output.json) {
          output.printJson(version);
          return;
        }
        output.heading(`Model version #${version.id}: ${model.name} v${version.version}`);
        output.fields([
          ['model', `#${model.id} ${model.name}`],
          ['status', version.status],
          ['description', version.description],
          ['checkpoint', version.checkpointUri],
          ['size (bytes)', version.sizeBytes],
          ['sha256', version.sha256],
          ['training run', version.trainingRunId],
          ['dataset', version.datasetId],
          ['config', formatJson(version.config, 200)],
          ['created', version.createdAt],
        ]);
      });
    });
}
