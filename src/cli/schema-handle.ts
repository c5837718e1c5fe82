/**
 * A bare connection for the commands that inspect or change the schema itself (`migrate`,
 * `doctor`): unlike opening an AiDatabase it never applies migrations behind the user's back.
 */
import { Kysely, sql } from 'kysely';
import { describeConnection, type ServerConnection, type SqliteConnection } from '../config/connection.js';
import type { AimdbError } from '../core/errors.js';
import { checkSqlitePath, createBackend, translateError, type Backend } from '../store/index.js';
import { atStage } from './cli-error.js';

export interface SchemaHandle {
  db: Kysely<any>;
  backend: Backend;
  /** A driver error as the typed error the store would throw. */
  translate(error: unknown): AimdbError;
  close(): Promise<void>;
}

/**
 * Connects (and checks the connection with `select 1`); failures carry the 'connect' stage. A SQLite
 * file is created only with `create: true` (applying migrations), never by a command that inspects.
 */
export async function openSchemaHandle(spec: SqliteConnection | ServerConnection, options: { create: boolean }): Promise<SchemaHandle> {
  if (spec.backend === 'sqlite') {
    try {
      checkSqlitePath(spec, options);
    } catch (error) {
      throw atStage(error, 'connect');
    }
  }
  const backend = createBackend(spec);
  const db = new Kysely<any>({ dialect: backend.dialect });
  const translate = (error: unknown) => translateError({ db, backend, inTransaction: false, now: Date.now }, error);
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const typed = translate(error);
    typed.message = `${typed.message} (${describeConnection(spec)})`;
    throw atStage(typed, 'connect');
  }
  return { db, backend, translate, close: () => db.destroy() };
}
