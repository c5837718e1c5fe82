/**
 * Opening the two ends of a transfer. The source is opened without migrating (a copy never changes
 * what it reads); the target is brought to the current schema like any opened database.
 */
import { existsSync } from 'node:fs';
import { describeConnection, toConnectionSpec } from '../config/connection.js';
import { databaseConfigSchema } from '../config/config.js';
import { NotFoundError, SchemaOutdatedError, ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import { openSqlDatabase, type AiDatabaseOptions } from '../database/open.js';
import { SqlAiDatabase } from '../store/index.js';

/** Where data comes from or goes to: a URL, connection options, or an already open SQL database. */
export type DatabaseLocation = string | AiDatabaseOptions | SqlAiDatabase;

/** An opened end of a transfer; `close` closes only what this module opened. */
export interface OpenedDatabase {
  database: SqlAiDatabase;
  close(): Promise<void>;
}

function optionsOf(location: string | AiDatabaseOptions): AiDatabaseOptions {
  return typeof location === 'string' ? { url: location } : location;
}

/**
 * Checks a location's syntax without connecting, so a malformed URL fails before either side is
 * touched. Files must already exist for a source: opening a missing SQLite file would create it.
 */
export function checkLocation(location: DatabaseLocation, role: 'source' | 'target'): void {
  if (location instanceof SqlAiDatabase) return;
  const { echo: _echo, now: _now, artifacts: _artifacts, create: _create, ...config } = optionsOf(location);
  let spec;
  try {
    spec = toConnectionSpec(parseInput(databaseConfigSchema, config, role));
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`${role}: ${error.message}`, { field: role, cause: error });
    }
    throw error;
  }
  if (spec.backend === 'http') {
    throw new ValidationError(`${role}: copy, export and import need a SQL database URL (sqlite:, postgresql:, mysql:), not an aimdb server`, { field: role });
  }
  if (role === 'source' && 'filename' in spec && spec.filename !== ':memory:' && !existsSync(spec.filename)) {
    throw new NotFoundError('source database file', spec.filename, { field: role });
  }
}

function withRole(error: unknown, role: 'source' | 'target'): unknown {
  if (error instanceof Error && !error.message.startsWith(`${role}: `)) error.message = `${role}: ${error.message}`;
  return error;
}

/** Opens the source: read-only in intent, so never migrated; an outdated schema is an error. */
export async function openSource(location: DatabaseLocation): Promise<OpenedDatabase> {
  if (location instanceof SqlAiDatabase) return { database: location, close: async () => undefined };
  try {
    const database = await openSqlDatabase({ ...optionsOf(location), migrate: false, create: false });
    return { database, close: () => database.close() };
  } catch (error) {
    if (error instanceof SchemaOutdatedError && /at nothing/.test(error.message)) {
      throw new SchemaOutdatedError(`source: holds no aimdb data (no aimdb schema); is the URL right?`);
    }
    throw withRole(error, 'source');
  }
}

/** Opens the target, creating or upgrading its schema unless the options say `migrate: false`. */
export async function openTarget(location: DatabaseLocation): Promise<OpenedDatabase> {
  if (location instanceof SqlAiDatabase) return { database: location, close: async () => undefined };
  try {
    const database = await openSqlDatabase(optionsOf(location));
    return { database, close: () => database.close() };
  } catch (error) {
    throw withRole(error, 'target');
  }
}

/** A printable description of a location, password redacted. */
export function describeLocation(location: DatabaseLocation): string {
  if (location instanceof SqlAiDatabase) return `an open ${location.backend.name} database`;
  const { echo: _echo, now: _now, artifacts: _artifacts, create: _create, ...config } = optionsOf(location);
  return describeConnection(toConnectionSpec(parseInput(databaseConfigSchema, config, 'location')));
}
