/**
 * Turning any failure into the one line a user sees on stderr, plus an exit code. The line names
 * what went wrong (and the option, when one is to blame) and what to try next.
 */
import {
  AimdbError,
  BackendError,
  ConflictError,
  IllegalTransitionError,
  NotFoundError,
  SchemaOutdatedError,
  UnreachableError,
  ValidationError,
} from '../core/errors.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** A failure the CLI itself diagnosed, with its exit code and a hint on what to try. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT_CODES.failure;
    this.hint = options.hint;
  }
}

/** The stage a failure happened in; the same error class means different things in each. */
export type FailureStage = 'config' | 'connect' | 'command';

/** The option that sets each configuration field, to name it in messages. */
const OPTION_OF_FIELD: Record<string, string> = {
  url: '--url',
  backend: '--backend',
  host: '--host',
  port: '--port',
  database: '--database',
  user: '--user',
  password: '--password',
  path: '--database',
};

/** Marks an error with the stage it happened in, so `describeFailure` can pick the exit code. */
export function atStage(error: unknown, stage: FailureStage): unknown {
  if (error !== null && typeof error === 'object' && !('aimdbStage' in error)) {
    Object.defineProperty(error, 'aimdbStage', { value: stage, enumerable: false });
  }
  return error;
}

function stageOf(error: unknown): FailureStage {
  const stage = error !== null && typeof error === 'object' ? (error as { aimdbStage?: FailureStage }).aimdbStage : undefined;
  return stage ?? 'command';
}

/** The command listing each entity kind the store names in NotFoundError. */
const LIST_COMMAND_OF_ENTITY: Record<string, string> = {
  model: 'aimdb models list',
  'model version': 'aimdb versions list',
  dataset: 'aimdb datasets list',
  'training run': 'aimdb runs list',
  experiment: 'aimdb experiments list',
  prediction: 'aimdb predictions list',
};

export interface FailureReport {
  exitCode: ExitCode;
  /** One line, without the `aimdb:` prefix. */
  line: string;
}

/** Which exit code and which line an error deserves. */
export function describeFailure(error: unknown): FailureReport {
  const stage = stageOf(error);
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, line: withHint(error.message, error.hint) };
  }
  if (error instanceof ValidationError) {
    if (stage === 'config') {
      return { exitCode: EXIT_CODES.config, line: withHint(error.message, configHint(error.message)) };
    }
    const option = error.field === undefined ? undefined : OPTION_OF_FIELD[error.field.split('.')[0]!];
    const message = option !== undefined && stage === 'connect' ? `${option}: ${stripField(error.message)}` : error.message;
    return { exitCode: EXIT_CODES.usage, line: withHint(message, option === undefined ? 'see --help' : `check ${option}`) };
  }
  if (error instanceof NotFoundError) {
    const list = LIST_COMMAND_OF_ENTITY[error.entity];
    return { exitCode: EXIT_CODES.notFound, line: withHint(error.message, list === undefined ? "list what exists with the matching 'list' command" : `see what exists with '${list}'`) };
  }
  if (error instanceof SchemaOutdatedError) {
    return { exitCode: EXIT_CODES.schema, line: withHint(error.message, "see 'aimdb migrate status'") };
  }
  if (error instanceof ConflictError || error instanceof IllegalTransitionError) {
    return { exitCode: EXIT_CODES.conflict, line: error.message };
  }
  if (error instanceof UnreachableError) {
    // An aimdb server is contacted by the first command, not when it is opened: unreachable at any stage.
    return { exitCode: EXIT_CODES.connection, line: withHint(`cannot connect: ${error.message}`, "check --url, and that 'aimdb serve' runs there") };
  }
  if (error instanceof BackendError) {
    if (stage === 'connect') return { exitCode: EXIT_CODES.connection, line: withHint(`cannot connect: ${error.message}`, connectHint(error.message)) };
    return { exitCode: EXIT_CODES.failure, line: error.message };
  }
  if (error instanceof AimdbError) return { exitCode: EXIT_CODES.failure, line: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT_CODES.failure, line: withHint(`unexpected error: ${message}`, 'rerun with --debug for the stack trace') };
}

function stripField(message: string): string {
  return message.replace(/^[\w.]+: /, '');
}

function withHint(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message} — ${hint}`;
}

function configHint(message: string): string {
  if (/environment variable/.test(message)) return 'set the variable, or give a default in the file as ${NAME:-value}';
  if (/cannot be read/.test(message)) return 'check --config and AIMDB_CONFIG, or create one with aimdb init';
  return 'fix the file (the template from aimdb init documents every field), or pick another with --config';
}

function connectHint(message: string): string {
  if (/password|user name/i.test(message)) return 'check --user and --password (or AIMDB_PASSWORD), or the url';
  // A SQLite path is a file the user typed: point at the path, not at createdb.
  if (/SQLite database (file|path)/.test(message)) {
    return 'check the path (sqlite:///relative/file.db or sqlite:////absolute/file.db); aimdb demo or aimdb migrate up creates a new database';
  }
  if (/does not exist/i.test(message)) return "e.g. 'createdb NAME' or 'CREATE DATABASE NAME', or pass --database for another";
  if (/unreachable/i.test(message)) return "check --host and --port (or --url), or run 'aimdb doctor'";
  return "run 'aimdb doctor' to see the connection aimdb tried";
}
