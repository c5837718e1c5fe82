/**
 * What every command module receives: the output for this invocation and the ways to reach the
 * database. Commands never read process.env or parse configuration themselves.
 */
import type { Command } from 'commander';
import { createAiDatabase } from '../database/open.js';
import type { AiDatabase } from '../store/index.js';
import { atStage } from './cli-error.js';
import { resolveCliDatabaseConfig, type CliDatabaseConfig } from './database-options.js';
import { Output, type GlobalOptions } from './output.js';

export interface CliContext {
  /** The output for the command being run (from the global --json, --quiet, --debug). */
  output(command: Command): Output;
  /** The effective database configuration of the command, without connecting. */
  resolveDatabase(command: Command): Promise<CliDatabaseConfig>;
  /**
   * Opens the database, runs `fn` and closes it again, also when `fn` throws. Failures while
   * connecting are reported as connection failures (exit code 4). A SQLite file is created only
   * with `create: true` (commands that write); reading commands fail on a missing file instead.
   */
  withDatabase<T>(
    command: Command,
    fn: (db: AiDatabase, resolved: CliDatabaseConfig) => Promise<T>,
    options?: { migrate?: boolean; create?: boolean },
  ): Promise<T>;
}

export function createCliContext(): CliContext {
  const context: CliContext = {
    output: (command) => new Output(command.optsWithGlobals<GlobalOptions>()),
    resolveDatabase: (command) => resolveCliDatabaseConfig(command),
    async withDatabase(command, fn, options = {}) {
      const resolved = await resolveCliDatabaseConfig(command);
      let db: AiDatabase;
      try {
        db = await createAiDatabase({
          ...resolved.config,
          ...(resolved.artifacts === undefined ? {} : { artifacts: resolved.artifacts }),
          ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
          create: options.create ?? false,
        });
      } catch (error) {
        throw atStage(error, 'connect');
      }
      try {
        return await fn(db, resolved);
      } finally {
        await db.close();
      }
    },
  };
  return context;
}
