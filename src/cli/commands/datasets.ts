/** `aimdb datasets list|show`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { idOrName } from '../lookup.js';
import { formatJson } from '../output.js';

export function register(program: Command, context: CliContext): void {
  const datasets = program.command('datasets').description('list and inspect datasets');

  addPageOptions(
    databaseCommand(datasets, 'list').description('datasets, newest first').option('--name <text>', 'name contains this text (case-insensitive)'),
  ).action(async (options: PageOptions & { name?: string }, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const page = await db.listDatasets({ ...pageQuery(options), ...(options.name === undefined ? {} : { nameContains: options.name }) });
      printPage(output, page, (items) =>
        output.table(
          ['ID', 'NAME', 'VERSION', 'FORMAT', 'SAMPLES', 'SPLITS', 'CREATED'],
          items.map((dataset) => [dataset.id, dataset.name, dataset.version, dataset.format, dataset.sampleCount, formatJson(dataset.splits, 50), dataset.createdAt]),
          { alignRight: [0, 4] },
        ),
        'no datasets yet',
      );
    });
  });

  databaseCommand(datasets, 'show')
    .description('one dataset')
    .argument('<ref>', 'dataset id, name (its newest version), or NAME@VERSION such as CAD-Drawings-10K@1.0')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const at = ref.lastIndexOf('@');
        const dataset = at > 0 ? await db.getDataset(ref.slice(0, at), ref.slice(at + 1)) : await db.getDataset(idOrName(ref));
        if (output.json) {
          output.printJson(dataset);
          return;
        }
        output.heading(`Dataset #${dataset.id} ${dataset.name} ${dataset.version}`);
        output.fields([
          ['description', dataset.description],
          ['source', dataset.sourceUri],
          ['format', dataset.format],
          ['samples', dataset.sampleCount],
          ['digest', dataset.digest],
          ['schema', formatJson(dataset.schema, 200)],
          ['metadata', formatJson(dataset.metadata, 200)],
          ['created', dataset.createdAt],
        ]);
        const splits = Object.entries(dataset.splits);
        if (splits.length > 0) {
          output.line();
          output.heading('Splits');
          output.table(['SPLIT', 'VALUE'], splits.map(([name, value]) => [name, formatJson(value, 80)]), { alignRight: [1] });
        }
      });
    });
}
