/** `aimdb export --to FILE`: the database, or part of it, as a portable gzip NDJSON archive. */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatDuration } from '../output.js';
import { configuredDatabase, startTransferDisplay } from './copy.js';

/** `--since`: an ISO-8601 time or date, or epoch milliseconds. */
export function parseSince(value: string): Date {
  const text = value.trim();
  const date = /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text);
  if (text === '' || Number.isNaN(date.getTime()) || date.getTime() < 0) {
    throw new InvalidArgumentError('expected a time such as 2026-01-31, 2026-01-31T12:00:00Z or epoch milliseconds');
  }
  return date;
}

/** `--tables`: a comma-separated list (checked against the known tables by the library). */
export function parseTables(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

interface ExportFlags {
  from?: string;
  to: string;
  tables?: string[];
  since?: Date;
  artifacts: boolean;
}

export function register(program: Command, context: CliContext): void {
  program
    .command('export')
    .description('write the database (or some tables, or recent rows) to a portable, versioned archive')
    .requiredOption('--to <file>', "the archive to write (gzip NDJSON; '-' for stdout)")
    .option('--from <url>', 'the database to export (default: the configured database)')
    .option('--tables <names>', 'only these tables, comma-separated (e.g. models,model_versions,predictions)', parseTables)
    .option('--since <time>', 'only rows created or changed at or after this time (ISO-8601 or epoch ms)', parseSince)
    .option('--no-artifacts', 'leave artifacts out (their rows and bytes); by default the archive carries the bytes, each checked by its SHA-256')
    .addHelpText(
      'after',
      `\nExamples:\n  aimdb export --to backup.aimdb\n  aimdb export --from postgresql://aimdb@db/aimodels --to predictions.aimdb --tables predictions --since 2026-01-01\n` +
        `  aimdb export --to - | ssh backup-host 'cat > aimdb-$(date +%F).aimdb'\n\n` +
        `The file appears only once complete. Restore with 'aimdb import FILE'.\n`,
    )
    .action(async (flags: ExportFlags, command: Command) => {
      const output = context.output(command);
      const toStdout = flags.to === '-';
      const source = flags.from ?? (await configuredDatabase(context, command));
      // Loaded when the command runs: `aimdb serve` and the other commands never need it (decision 1305).
      const { exportDatabase } = await import('../../transfer/index.js');
      const display = startTransferDisplay(output, 'no archive was written; run the export again');
      let report;
      try {
        report = await exportDatabase(source, toStdout ? process.stdout : flags.to, {
          ...(flags.tables === undefined ? {} : { tables: flags.tables }),
          ...(flags.since === undefined ? {} : { since: flags.since }),
          artifacts: flags.artifacts,
          onProgress: display.listener,
        });
      } finally {
        display.stop();
      }
      const rows = report.tables.reduce((sum, table) => sum + table.rows, 0);
      if (toStdout) {
        output.note(`exported ${rows} rows of ${report.tables.length} tables in ${formatDuration(report.elapsedMs)}`);
        return;
      }
      if (output.json) {
        output.printJson({ file: flags.to, ...report });
        return;
      }
      output.table(
        ['TABLE', 'ROWS', 'CHECKSUM'],
        report.tables.map((table) => [table.table, table.rows, table.checksum.slice(0, 16)]),
        { alignRight: [1] },
      );
      output.line();
      output.line(`exported ${rows.toLocaleString('en-US')} rows to ${flags.to} in ${formatDuration(report.elapsedMs)}`);
    });
}
