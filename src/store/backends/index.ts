/** Choosing a backend for a connection, and the checks made before a driver touches a SQLite file. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionSpec, SqliteConnection } from '../../config/connection.js';
import { BackendError } from '../../core/errors.js';
import type { Backend } from './backend.js';
import { createMysqlBackend } from './mysql.js';
import { createPostgresBackend } from './postgres.js';
import { createSqliteBackend } from './sqlite.js';

/**
 * Checks a SQLite file's path before SQLite opens (and so perhaps creates) it, naming the file the
 * caller expected: SQLite itself only says "unable to open database file".
 */
export function checkSqlitePath(spec: SqliteConnection, options: { create: boolean }): void {
  if (spec.filename === ':memory:' || spec.filename === '') return;
  const file = path.resolve(spec.filename);
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new BackendError(`the SQLite database path ${file} is a folder, not a file`);
    return;
  }
  if (!options.create) {
    throw new BackendError(`the SQLite database file ${file} does not exist (this command only reads and never creates one)`);
  }
  const folder = path.dirname(file);
  if (!existsSync(folder)) {
    throw new BackendError(`cannot create the SQLite database file ${file}: its folder ${folder} does not exist`);
  }
}

/** The backend object for a connection spec. */
export function createBackend(spec: Exclude<ConnectionSpec, { backend: 'http' }>): Backend {
  switch (spec.backend) {
    case 'sqlite':
      return createSqliteBackend(spec);
    case 'postgresql':
      return createPostgresBackend(spec);
    case 'mysql':
      return createMysqlBackend(spec);
  }
}

