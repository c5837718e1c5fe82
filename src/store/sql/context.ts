/**
 * What every aggregate function takes first: the Kysely handle (a pool or a transaction) and the
 * backend. The same function serves plain and transactional use.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import {
  AimdbError,
  BackendError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.js';
import type { Backend } from '../backends/backend.js';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Tables } from './tables.js';

export interface StoreContext {
  readonly db: Kysely<Tables>;
  readonly backend: Backend;
  /** True inside `transaction()`; nested calls then join the open transaction. */
  readonly inTransaction: boolean;
  /** Milliseconds since the epoch; injectable so lifecycle times can be tested. */
  readonly now: () => number;
  /** The artifact blob store, opened on first use (absent: artifacts are refused). */
  readonly blobs?: () => Promise<BlobStore>;
  /** The silence after which a running run counts as lost, for runs created without their own. */
  readonly heartbeatTimeoutMs?: number;
}

/**
 * Optimistic concurrency (decision 1203): locks the row and refuses the update when its
 * `updated_at` is not the one the caller read.
 */
export async function assertUnchanged(
  tx: StoreContext,
  table: 'training_runs' | 'models' | 'model_versions' | 'datasets' | 'experiments',
  id: number,
  expected: Date | undefined,
  entity: string,
): Promise<void> {
  if (expected === undefined) return;
  let select = tx.db.selectFrom(table as 'models').select('updated_at').where('id', '=', id);
  if (tx.backend.capabilities.lockingReads) select = select.forUpdate();
  const row = await select.executeTakeFirst();
  if (row === undefined) throw new NotFoundError(entity, id);
  const actual = Number(row.updated_at);
  if (actual !== expected.getTime()) {
    throw new ConflictError(
      `${entity} #${id} was changed at ${new Date(actual).toISOString()}, after the version you edited ` +
        `(${expected.toISOString()}); reload it and apply your change again`,
      { field: 'expectedUpdatedAt' },
    );
  }
}

/** Runs `fn` in a transaction, or in the caller's when one is open. */
export async function withTransaction<T>(ctx: StoreContext, fn: (tx: StoreContext) => Promise<T>): Promise<T> {
  if (ctx.inTransaction) return fn(ctx);
  return ctx.db.transaction().execute((trx: Transaction<Tables>) => fn({ ...ctx, db: trx, inTransaction: true }));
}

/** Inserts one row and returns its generated id, with or without RETURNING. */
export async function insertReturningId<T extends 'models' | 'model_versions' | 'datasets' | 'training_runs' | 'experiments' | 'predictions'>(
  ctx: StoreContext,
  table: T,
  values: Insertable<Tables[T]>,
): Promise<number> {
  const query = ctx.db.insertInto(table).values(values);
  if (ctx.backend.capabilities.returning) {
    const row = await query.returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }
  const result = await query.executeTakeFirstOrThrow();
  return Number(result.insertId);
}

/**
 * What to say when a write breaks a constraint: the entity and key the caller was writing.
 */
export interface WriteDescription {
  entity: string;
  key: string;
  field?: string;
}

/**
 * The one seam where driver errors become typed errors. Errors aimdb threw on purpose pass through;
 * the driver's error is kept as `cause` and its text (which may hold SQL) never reaches the message.
 */
export function translateError(ctx: StoreContext, error: unknown, write?: WriteDescription): AimdbError {
  if (error instanceof AimdbError) return error;
  const kind = ctx.backend.classifyError(error);
  const fieldOption = write?.field === undefined ? {} : { field: write.field };
  switch (kind) {
    case 'unique-violation':
      return new ConflictError(
        write === undefined ? 'the row already exists' : `${write.entity} ${write.key} already exists`,
        { ...fieldOption, cause: error },
      );
    case 'foreign-key-violation':
      return new ValidationError(
        write === undefined
          ? 'a referenced row does not exist'
          : `${write.entity} ${write.key} refers to a row that does not exist (or is still referenced)`,
        { ...fieldOption, cause: error },
      );
    case 'connection-refused':
      return new BackendError(`${ctx.backend.name} server is unreachable; is it running and is host/port right?`, {
        cause: error,
      });
    case 'authentication-failed':
      return new BackendError(`${ctx.backend.name} rejected the user name or password`, { cause: error });
    case 'database-missing':
      return new BackendError(`the ${ctx.backend.name} database does not exist; create it first`, { cause: error });
    default:
      return new BackendError(`${ctx.backend.name} failed: ${safeMessage(error)}`, { cause: error });
  }
}

function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Driver messages may quote the statement; keep the first line and cut it short.
  return message.split('\n')[0]!.slice(0, 300);
}

/** Runs a store operation through the error seam. */
export async function guarded<T>(ctx: StoreContext, fn: () => Promise<T>, write?: WriteDescription): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateError(ctx, error, write);
  }
}

/** Throws NotFoundError unless a row with `id` exists in `table`. */
export async function assertExists(
  ctx: StoreContext,
  table: 'models' | 'model_versions' | 'datasets' | 'training_runs' | 'experiments',
  id: number,
  entity: string,
  field?: string,
): Promise<void> {
  const row = await ctx.db
    .selectFrom(table as 'models')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw new NotFoundError(entity, id, field === undefined ? {} : { field });
}

/** Opaque keyset cursors: the last id of the page. */
export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify([id])).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): number | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && Number.isSafeInteger(decoded[0])) return decoded[0] as number;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor: not a cursor this list returned', { field: 'cursor' });
}

/** Newest-first keyset page: fetch one extra row to know whether another page exists. */
export function toPage<Row extends { id: number }, T>(rows: Row[], limit: number, map: (row: Row) => T) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(Number(last.id)) : null,
  };
}

const OTHER_PARAMETERS = 16;

/** Splits rows so that one statement stays under the backend's bound-parameter limit. */
export function chunksFor<T>(ctx: StoreContext, rows: T[], columnsPerRow: number): T[][] {
  // The statement binds a few parameters besides the chunk (a run id in `where run_id = ? and name in (…)`).
  const available = ctx.backend.capabilities.maxBindParameters - OTHER_PARAMETERS;
  const size = Math.max(1, Math.floor(available / columnsPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
