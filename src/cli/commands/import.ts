/** `aimdb import FILE`: loads an archive written by `aimdb export` into a database. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { configuredDatabase, printTransferSummary, startTransferDisplay } from './copy.js';

interface ImportFlags {
  to?: string;
  append?: boolean;
  verify: boolean;
}

export function register(program: Command, context: CliContext): void {
  program
    .command('import')
    .description('load an archive written by aimdb export into a database (empty unless --append)')
    .argument('<file>', "the archive ('-' for stdin)")
    .option('--to <url>', 'the database to load into (default: the configured database)')
    .option('--append', 'load into a database that already holds other rows (their ids must not clash)')
    .option('--no-verify', 'skip comparing row counts and checksums with the archive afterwards')
    .addHelpText(
      'after',
      `\nExamples:\n  aimdb import backup.aimdb --to postgresql://aimdb@db/restored\n  aimdb import predictions.aimdb --append\n\n` +
        `A file is checked completely before anything is written, so a damaged archive changes nothing.\n`,
    )
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const output = context.output(command);
      const target = flags.to ?? (await configuredDatabase(context, command));
      // Loaded when the command runs: `aimdb serve` and the other commands never need it (decision 1305).
      const { importDatabase } = await import('../../transfer/index.js');
      const display = startTransferDisplay(output, 'the tables imported so far stay; import again into an empty database');
      let report;
      try {
        report = await importDatabase(file === '-' ? process.stdin : file, target, {
          append: flags.append === true,
          verify: flags.verify,
          onProgress: display.listener,
        });
      } finally {
        display.stop();
      }
      if (output.json) {
        output.printJson(report);
        return;
      }
      output.note(`archive from ${report.manifest.sourceBackend}, written ${report.manifest.createdAt}${report.manifest.since === null ? '' : `, rows since ${new Date(report.manifest.since).toISOString()}`}`);
      printTransferSummary(output, 'imported', report.tables, report.elapsedMs, report.verification === null ? null : report.verification.ok);
    });
}
