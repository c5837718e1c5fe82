/** `aimdb models list|show`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { idOrName } from '../lookup.js';
import { formatJson } from '../output.js';
import { registerModelEvents } from './edits.js';

interface ListOptions extends PageOptions {
  framework?: string;
  task?: string;
  name?: string;
}

export function register(program: Command, context: CliContext): void {
  const models = program.command('models').description('list and inspect models, and their registry history');
  registerModelEvents(models, context);

  addPageOptions(
    databaseCommand(models, 'list')
      .description('models, newest first')
      .option('--framework <name>', 'only this framework (e.g. pytorch)')
      .option('--task <name>', 'only this task')
      .option('--name <text>', 'name contains this text (case-insensitive)'),
  ).action(async (options: ListOptions, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const page = await db.listModels({
        ...pageQuery(options),
        ...(options.framework === undefined ? {} : { framework: options.framework }),
        ...(options.task === undefined ? {} : { task: options.task }),
        ...(options.name === undefined ? {} : { nameContains: options.name }),
      });
      printPage(output, page, (items) =>
        output.table(
          ['ID', 'NAME', 'FRAMEWORK', 'TASK', 'ARCHITECTURE', 'VERSIONS', 'CREATED'],
          items.map((model) => [model.id, model.name, model.framework, model.task, model.architecture, model.latestVersion, model.createdAt]),
          { alignRight: [0, 5] },
        ),
        'no models yet',
      );
    });
  });

  databaseCommand(models, 'show')
    .description('one model with its versions')
    .argument('<id|name>', 'model id or name')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const model = await db.getModel(idOrName(ref));
        const versions = await db.getModelVersions(model.id);
        if (output.json) {
          output.printJson({ model, versions });
          return;
        }
        output.heading(`Model #${model.id} ${model.name}`);
        output.fields([
          ['description', model.description],
          ['framework', model.framework],
          ['task', model.task],
          ['architecture', model.architecture],
          ['tags', formatJson(model.tags, 100)],
          ['metadata', formatJson(model.metadata, 100)],
          ['created', model.createdAt],
          ['updated', model.updatedAt],
        ]);
        output.line();
        output.heading(`Versions (${versions.length})`);
        if (versions.length === 0) output.line(output.dim('  none'));
        else
          output.table(
            ['ID', 'VERSION', 'STATUS', 'RUN', 'DATASET', 'CHECKPOINT', 'CONFIG'],
            versions.map((version) => [version.id, version.version, version.status, version.trainingRunId, version.datasetId, version.checkpointUri, formatJson(version.config, 50)]),
            { alignRight: [0, 1] },
          );
      });
    });
}
