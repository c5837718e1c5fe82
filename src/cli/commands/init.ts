/** `aimdb init`: writes aimdb.config.yaml from the documented template. */
import { copyFile, access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';

/** The template shipped at the package root (dist/cli/commands → ../../..). */
export const TEMPLATE_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../aimdb.config.yaml.template');

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export function register(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('write aimdb.config.yaml from the template (SQLite by default; PostgreSQL, MySQL, pool, SSL and ${ENV} secrets documented inside)')
    .option('-o, --output <file>', 'where to write it', 'aimdb.config.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action(async (options: { output: string; force?: boolean }, command: Command) => {
      const output = context.output(command);
      const target = path.resolve(options.output);
      if (!options.force && (await exists(target))) {
        throw new CliError(`${options.output} already exists; not overwriting it`, { exitCode: EXIT_CODES.usage, hint: 'pass --force to replace it, or --output FILE for another name' });
      }
      await copyFile(TEMPLATE_PATH, target);
      if (output.json) {
        output.printJson({ written: target });
        return;
      }
      output.line(`wrote ${target}`);
      output.note("edit its 'database:' section (SQLite works as is), then check it with: aimdb doctor");
    });
}
