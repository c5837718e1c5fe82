/**
 * The `aimdb` command line: builds the commander program and runs it.
 *
 * Adding a command: write `src/cli/commands/<noun>.ts` exporting
 * `register(program: Command, context: CliContext): void`, which adds its (sub)commands to `program`
 * and reaches the database only through `context` (`withDatabase`, `resolveDatabase`, `output`).
 * Then add one line to COMMAND_MODULES below; the order there is the order in `aimdb --help`.
 * Commands throw on failure (typed errors from core, or CliError); `runCli` turns any error into
 * one line on stderr and an exit code from exit-codes.ts, with the stack only under --debug.
 */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { describeFailure } from './cli-error.js';
import { createCliContext, type CliContext } from './context.js';
import { EXIT_CODES, exitCodeHelp } from './exit-codes.js';
import * as artifacts from './commands/artifacts.js';
import * as datasets from './commands/datasets.js';
import * as demo from './commands/demo.js';
import * as doctor from './commands/doctor.js';
import * as experiments from './commands/experiments.js';
import * as gc from './commands/gc.js';
import * as init from './commands/init.js';
import * as metrics from './commands/metrics.js';
import * as migrate from './commands/migrate.js';
import * as models from './commands/models.js';
import * as predictions from './commands/predictions.js';
import * as runs from './commands/runs.js';
import * as search from './commands/search.js';
import * as serve from './commands/serve.js';
import * as stats from './commands/stats.js';
import * as versions from './commands/versions.js';
import * as copy from './commands/copy.js';
import * as exportCommand from './commands/export.js';
import * as importCommand from './commands/import.js';

/** A command module: one noun (or verb) of the CLI. */
export interface CommandModule {
  register(program: Command, context: CliContext): void;
}

/** Every command, in help order. One line per module. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  demo,
  init,
  doctor,
  migrate,
  stats,
  models,
  versions,
  datasets,
  runs,
  search,
  metrics,
  experiments,
  predictions,
  artifacts,
  gc,
  serve,
  copy,
  exportCommand,
  importCommand,
];

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

/** Builds the program with every command registered; does not parse. */
export function buildProgram(context: CliContext = createCliContext()): Command {
  const program = new Command('aimdb')
    .description('AI model database: models, versions, datasets, training runs, metrics, experiments and predictions on SQLite, PostgreSQL and MySQL.')
    .version(packageVersion(), '-V, --version')
    .option('-c, --config <file>', 'config file (default: $AIMDB_CONFIG, else ./aimdb.config.yaml|yml|json)')
    .option('--url <url>', 'database url: sqlite:///file.db, postgresql://user@host/db, mysql://user@host/db, http(s)://server')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('-q, --quiet', 'print only the data asked for: no notes, no progress')
    .addOption(new Option('--debug', 'print stack traces of errors'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own errors (unknown option, bad value) become our one-line format.
      outputError: (text, write) => write(`aimdb: ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} — see 'aimdb --help'\n`),
    })
    .addHelpText(
      'after',
      `\nThe database is chosen by: flags (--url, --backend, …) over AIMDB_* variables over the config file\n` +
        `(--config, $AIMDB_CONFIG, ./aimdb.config.yaml) or $AIMDB_DATABASE_URL, else ./aimdb.sqlite.\n` +
        `'aimdb doctor' shows what was chosen and why.\n\n${exitCodeHelp()}\n`,
    );
  for (const module of COMMAND_MODULES) module.register(program, context);
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit through here with code 0; commander already printed the message.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const failure = describeFailure(error);
    process.stderr.write(`aimdb: ${failure.line}\n`);
    if (argv.includes('--debug')) process.stderr.write(`${debugDetails(error)}\n`);
    return failure.exitCode;
  }
}

function debugDetails(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null) {
    lines.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push('caused by:');
  }
  return lines.join('\n');
}

/**
 * Entry point of bin/aimdb.js. Ctrl-C keeps Node's default (the process ends by SIGINT, which
 * shells report as 130); `aimdb serve` installs its own handlers to close the server cleanly.
 */
export async function main(): Promise<void> {
  // `aimdb runs list | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_CODES.ok);
    throw error;
  });
  // exitCode instead of process.exit(), so piped stdout is flushed completely.
  process.exitCode = await runCli(process.argv);
}
