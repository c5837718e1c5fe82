/**
 * SQLite through better-sqlite3 (loaded with the first connection): one connection (one writer), WAL,
 * busy retries, foreign keys on.
 */
import { sql, type Expression, type Kysely } from 'kysely';
import type { SqliteConnection } from '../../config/connection.js';
import { errorProperty, escapeLike, likePatternText, loadDriver, onConflictKeep, onConflictMerge, onConflictUpdate, type Backend, type FailureKind } from './backend.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import type { LikePart } from '../../core/query/values.js';

/** How long a statement waits for another writer's lock on the file before failing. */
const BUSY_TIMEOUT_MS = 10_000;
/** A SQL function registered on every connection: Unicode-aware lower case. */
const UNICODE_LOWER = 'aimdb_lower';

/** A LIKE pattern as a GLOB pattern: `*` and `?` for the wildcards, bracketed GLOB specials as literals. */
function globPattern(parts: readonly LikePart[]): string {
  return parts
    .map((part) => (part.kind === 'any' ? '*' : part.kind === 'one' ? '?' : part.text.replace(/[*?[]/g, (special) => `[${special}]`)))
    .join('');
}

export function createSqliteBackend(spec: SqliteConnection): Backend {
  return {
    name: 'sqlite',
    capabilities: {
      returning: true,
      lockingReads: false,
      dataModifyingCtes: false,
      alterAddForeignKey: false,
      transactionalDdl: true,
      maxBindParameters: 32_766,
      rowValueRangeScan: true,
      tableScopedIndexNames: false,
    },
    dialect: new ImmediateSqliteDialect(
      {
        database: async () => {
          const { default: Database } = await loadDriver('better-sqlite3', () => import('better-sqlite3'));
          const database = new Database(spec.filename);
          // Waiting for a lock is done by the dialect, asynchronously; SQLite itself must not block.
          database.pragma('busy_timeout = 0');
          if (spec.filename !== ':memory:') await retryWhileBusy(() => database.pragma('journal_mode = WAL'));
          database.pragma('foreign_keys = ON');
          database.pragma('synchronous = NORMAL');
          // SQLite's lower() folds ASCII only; this one folds every script, as the other backends do.
          database.function(UNICODE_LOWER, { deterministic: true }, (value: unknown) =>
            typeof value === 'string' ? value.toLowerCase() : value,
          );
          return database;
        },
      },
      BUSY_TIMEOUT_MS,
    ),
    jsonType: 'text',
    textType: 'text',
    idType: 'integer',
    idColumn: (column) => column.primaryKey().autoIncrement(),
    withTableOptions: (builder) => builder,
    upsert: onConflictUpdate,
    upsertMerge: onConflictMerge,
    insertOrKeep: onConflictKeep,
    integerDivide: (dividend: Expression<number>, divisor: Expression<number>) =>
      sql<number>`(cast(${dividend} as integer) / cast(${divisor} as integer) - (cast(${dividend} as integer) % cast(${divisor} as integer) < 0))`,
    containsInsensitive: (column, text) =>
      sql<boolean>`${sql.raw(UNICODE_LOWER)}(${sql.ref(column)}) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\'`,
    // json_each compares the key as a value, so any key works (a path would need quoting rules).
    jsonStringAt: (column, key) => sql<string | null>`(select value from json_each(${column}) where key = ${key})`,
    // RFC 7396 merge patch: a string sets the key, null removes it.
    jsonWithKey: (column, key, value) =>
      sql<string>`json_patch(${column}, json_object(${key}, ${value}))`,
    likeMatch: (expression, parts, caseInsensitive) =>
      caseInsensitive
        ? sql<boolean>`${sql.raw(UNICODE_LOWER)}(${expression}) like ${likePatternText(parts).toLowerCase()} escape '\\'`
        : // SQLite's LIKE ignores ASCII case; GLOB is the case-sensitive form.
          sql<boolean>`${expression} glob ${globPattern(parts)}`,
    numberParameter: (value) => sql<number>`${value}`,
    integerText: (expression) => sql<string>`cast(${expression} as text)`,
    tableAlongIndex: (table, alias, index) => sql`${sql.table(table)} ${sql.ref(alias)} indexed by ${sql.ref(index)}`,
    orderedText: (expression) => sql<string>`${expression}`,
    textIndexKey: (column) => sql.ref(column),
    // An FTS5 index over search_documents (external content), kept current by triggers.
    textMatch: (words) => {
      const match = words.map((word) => `"${word}"`).join(' ');
      return {
        predicate: sql<boolean>`d.rowid in (select rowid from search_index where search_index match ${match})`,
        rank: sql<number>`-(select bm25(search_index) from search_index where search_index match ${match} and rowid = d.rowid)`,
      };
    },
    createTextIndex: async (db) => {
      // unicode61 without diacritic folding, so 'päivä' matches as on the other backends.
      await sql`create virtual table search_index using fts5(body, content='search_documents', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')`.execute(db);
      await sql`create trigger search_documents_insert after insert on search_documents begin insert into search_index(rowid, body) values (new.rowid, new.body); end`.execute(db);
      await sql`create trigger search_documents_delete after delete on search_documents begin insert into search_index(search_index, rowid, body) values ('delete', old.rowid, old.body); end`.execute(db);
      await sql`create trigger search_documents_update after update on search_documents begin insert into search_index(search_index, rowid, body) values ('delete', old.rowid, old.body); insert into search_index(rowid, body) values (new.rowid, new.body); end`.execute(db);
      await sql`insert into search_index(search_index) values ('rebuild')`.execute(db);
    },
    dropTextIndex: async (db) => {
      for (const trigger of ['search_documents_insert', 'search_documents_delete', 'search_documents_update']) await sql`drop trigger ${sql.raw(trigger)}`.execute(db);
      await sql`drop table search_index`.execute(db);
    },
    classifyError,
    serverVersion: async (db: Kysely<any>) => {
      const result = await sql<{ version: string }>`select sqlite_version() as version`.execute(db);
      return `SQLite ${result.rows[0]?.version ?? '?'}`;
    },
    // AUTOINCREMENT tables keep sqlite_sequence at the highest id ever inserted, explicit ones included.
    resetIdSequence: async () => undefined,
  };
}

function classifyError(error: unknown): FailureKind {
  const code = String(errorProperty(error, 'code') ?? '');
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique-violation';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key-violation';
  if (code === 'SQLITE_CANTOPEN') return 'database-missing';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'retryable';
  return 'other';
}

/** Switching to WAL needs a moment of exclusive access; another opener may hold the file briefly. */
async function retryWhileBusy<T>(fn: () => T): Promise<T> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      if (classifyError(error) !== 'retryable' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
