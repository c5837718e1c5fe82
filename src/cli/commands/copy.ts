/**
 * `aimdb copy --from URL --to URL`: every table into another database, ids kept, with a progress
 * bar per table on a terminal and a summary. Also home of the progress display and summary that
 * `export` and `import` share.
 */
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AiDatabaseOptions } from '../../database/open.js';
import { TABLE_NAMES } from '../../store/index.js';
import type { ProgressListener, TableTransferReport, TransferProgress } from '../../transfer/index.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatDuration, type Output } from '../output.js';

const TABLE_LABEL_WIDTH = 16;

function rate(rows: number, ms: number): string {
  if (ms <= 0 || rows === 0) return '-';
  return Math.round((rows * 1000) / ms).toLocaleString('en-US');
}

/** Progress of copy, export or import: bars per table on a terminal, a line per table otherwise. */
export interface TransferDisplay {
  listener: ProgressListener;
  stop(): void;
}

/**
 * The display for a transfer. Ctrl-C while it runs stops after the batch being written (committed
 * batches stay) with a CliError carrying `interruptHint`; a second Ctrl-C exits at once.
 */
export function startTransferDisplay(output: Output, interruptHint: string): TransferDisplay {
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(EXIT_CODES.interrupted);
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  const multibar = output.showProgress
    ? new cliProgress.MultiBar(
        {
          format: ' {table} [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          etaBuffer: 20,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, { bar: cliProgress.SingleBar | undefined; started: number; startRows: number }>();
  let verifyBar: cliProgress.SingleBar | undefined;

  const listener = (event: TransferProgress) => {
    if (interrupted) {
      throw new CliError(`interrupted during ${event.table}`, { exitCode: EXIT_CODES.interrupted, hint: interruptHint });
    }
    const label = event.table.padEnd(TABLE_LABEL_WIDTH);
    switch (event.stage) {
      case 'table-start':
        bars.set(event.table, {
          // A total of 0 draws as complete (cli-progress treats 0/0 as done).
          bar: multibar?.create(Math.max(event.rowsTotal, event.rowsDone), event.rowsDone, { table: label, rate: '-' }),
          started: Date.now(),
          startRows: event.rowsDone,
        });
        break;
      case 'rows': {
        const state = bars.get(event.table);
        if (state === undefined) break;
        if (state.bar !== undefined && event.rowsDone > state.bar.getTotal()) state.bar.setTotal(event.rowsDone);
        state.bar?.update(event.rowsDone, { table: label, rate: rate(event.rowsDone - state.startRows, Date.now() - state.started) });
        break;
      }
      case 'table-done': {
        const state = bars.get(event.table);
        const written = event.rowsDone - (state?.startRows ?? 0);
        if (state?.bar !== undefined) {
          state.bar.setTotal(event.rowsDone);
          state.bar.update(event.rowsDone, { table: label, rate: rate(written, event.elapsedMs) });
        } else {
          output.note(`  ${label} ${String(event.rowsDone).padStart(10)} rows  ${formatDuration(event.elapsedMs).padStart(7)}  ${rate(written, event.elapsedMs)} rows/s`);
        }
        break;
      }
      case 'verified':
        if (multibar !== undefined) {
          verifyBar ??= multibar.create(TABLE_NAMES.length, 0, { table: 'verify'.padEnd(TABLE_LABEL_WIDTH) }, { format: ' {table} [{bar}] {value}/{total} tables compared' });
          verifyBar.increment(1);
        } else if (!event.ok) {
          output.note(`  ${label} differs`);
        }
        break;
    }
  };
  return {
    listener,
    stop: () => {
      multibar?.stop();
      process.removeListener('SIGINT', onSignal);
    },
  };
}

/** The per-table summary and a total line. */
export function printTransferSummary(
  output: Output,
  verb: string,
  tables: readonly TableTransferReport[],
  elapsedMs: number,
  verified: boolean | null,
): void {
  output.table(
    ['TABLE', 'ROWS', 'KEPT', 'TIME', 'ROWS/S'],
    tables.map((table) => [table.table, table.rowsWritten, table.rowsKept, formatDuration(table.elapsedMs), rate(table.rowsWritten, table.elapsedMs)]),
    { alignRight: [1, 2, 3, 4] },
  );
  const total = tables.reduce((sum, table) => sum + table.rowsWritten, 0);
  output.line();
  output.line(
    `${verb} ${total.toLocaleString('en-US')} rows in ${formatDuration(elapsedMs)} (${rate(total, elapsedMs)} rows/s)` +
      (verified === null ? '; not verified (--no-verify)' : `; verified ${tables.length} tables: row counts and checksums match`),
  );
}

function parseBatchSize(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1 || number > 100_000) {
    throw new InvalidArgumentError('expected an integer from 1 to 100000, e.g. --batch-size 5000');
  }
  return number;
}

/** The database a transfer command reads or writes when no URL is given: the configured one. */
export async function configuredDatabase(context: CliContext, command: Command): Promise<AiDatabaseOptions> {
  const resolved = await context.resolveDatabase(command);
  // The configured artifact store comes along, so artifacts are read from (or written to) it.
  return { ...(resolved.config as AiDatabaseOptions), ...(resolved.artifacts === undefined ? {} : { artifacts: resolved.artifacts }) };
}

interface CopyFlags {
  from?: string;
  to: string;
  append?: boolean;
  resume?: boolean;
  verify: boolean;
  artifacts: boolean;
  batchSize?: number;
}

export function register(program: Command, context: CliContext): void {
  program
    .command('copy')
    .description('copy every table into another database (SQLite ↔ PostgreSQL ↔ MySQL), ids kept, then verify')
    .option('--from <url>', 'the database to copy (default: the configured database, as for other commands)')
    .requiredOption('--to <url>', 'the database to copy into; must be empty unless --append or --resume')
    .option('--append', 'copy into a database that already holds other rows (their ids must not clash)')
    .option('--resume', 'continue an interrupted copy into --to without copying anything twice')
    .option('--no-verify', 'skip comparing row counts and checksums of every table afterwards')
    .option('--no-artifacts', "leave artifacts out (their rows and bytes); by default each blob is copied into the target's artifact store (aimdb-artifacts beside a SQLite target) and checked by its SHA-256")
    .addOption(new Option('--batch-size <rows>', 'rows per batch and transaction (default 5000; large rows use fewer)').argParser(parseBatchSize))
    .addHelpText(
      'after',
      `\nExamples:\n  aimdb copy --from sqlite:///aimdb.sqlite --to postgresql://aimdb@db.example.org/aimodels\n` +
        `  aimdb copy --to mysql://root@127.0.0.1/aimdb            # from the configured database\n` +
        `  aimdb copy --from sqlite:///aimdb.sqlite --to postgresql://… --resume   # after an interruption\n\n` +
        `Each batch is committed on its own; after a failure or Ctrl-C, rerun with --resume to continue.\n` +
        `Give passwords through the URL only on trusted machines; they are never printed.\n`,
    )
    .action(async (flags: CopyFlags, command: Command) => {
      const output = context.output(command);
      const source = flags.from ?? (await configuredDatabase(context, command));
      // Loaded when the command runs: `aimdb serve` and the other commands never need it (decision 1305).
      const { copyDatabase } = await import('../../transfer/index.js');
      const display = startTransferDisplay(output, 'batches copied so far are kept; rerun the same command with --resume to continue');
      let report;
      try {
        report = await copyDatabase(source, flags.to, {
          append: flags.append === true,
          resume: flags.resume === true,
          verify: flags.verify,
          artifacts: flags.artifacts,
          ...(flags.batchSize === undefined ? {} : { batchRows: flags.batchSize }),
          onProgress: display.listener,
        });
      } finally {
        display.stop();
      }
      if (output.json) {
        output.printJson(report);
        return;
      }
      output.note(`copied ${report.source} → ${report.target}`);
      printTransferSummary(output, 'copied', report.tables, report.elapsedMs, report.verification === null ? null : report.verification.ok);
      if (report.artifacts !== null && report.artifacts.blobs > 0) {
        output.line(`artifacts: ${report.artifacts.copied} of ${report.artifacts.blobs} blobs copied (${report.artifacts.bytesCopied} bytes), each checked by its SHA-256`);
      }
    });
}
