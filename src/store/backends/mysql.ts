/** MySQL and MariaDB through mysql2: pooled, lazily loaded; JSON read as text; utf8mb4 throughout. */
import { sql, type Expression, type Kysely } from 'kysely';
import type { ServerConnection } from '../../config/connection.js';
import { AimdbMysqlDialect } from './mysql-driver.js';
import { classifySocketError, errorProperty, escapeLike, likePatternText, loadDriver, type Backend, type FailureKind } from './backend.js';

/** InnoDB's default innodb_ft_min_token_size. */
const MIN_TOKEN_LENGTH = 3;

export function createMysqlBackend(spec: ServerConnection): Backend {
  return {
    name: 'mysql',
    capabilities: {
      returning: false,
      lockingReads: true,
      dataModifyingCtes: false,
      alterAddForeignKey: true,
      transactionalDdl: false,
      maxBindParameters: 65_535,
      rowValueRangeScan: false,
      tableScopedIndexNames: true,
    },
    dialect: new AimdbMysqlDialect(async () => {
      const mysql = await loadDriver('mysql2', () => import('mysql2'));
      return mysql.createPool({
        host: spec.host,
        port: spec.port,
        database: spec.database,
        user: spec.user,
        password: spec.password,
        ssl: typeof spec.ssl === 'object' ? spec.ssl : spec.ssl === true ? {} : undefined,
        connectionLimit: spec.pool.size + spec.pool.maxOverflow,
        maxIdle: spec.pool.size,
        idleTimeout: spec.pool.idleTimeoutMs,
        connectTimeout: spec.pool.acquireTimeoutMs,
        enableKeepAlive: spec.pool.keepAlive,
        charset: 'utf8mb4_bin',
        supportBigNumbers: true,
        bigNumberStrings: false,
        decimalNumbers: true,
        // mysql2 parses JSON columns (MySQL's JSON type, and MariaDB's LONGTEXT flagged json in its
        // extended metadata). Text everywhere keeps the mappers single: a JSON string value such as
        // "adamw" would otherwise come back unquoted and fail to parse.
        jsonStrings: true,
      });
    }, PIN_SQL_MODE),
    jsonType: 'json',
    textType: sql`mediumtext`,
    idType: 'bigint',
    idColumn: (column) => column.primaryKey().autoIncrement(),
    withTableOptions: (builder) =>
      builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`) as typeof builder,
    upsert: (query, _key, update) =>
      query.onDuplicateKeyUpdate(
        Object.fromEntries(update.map((column) => [column, sql`values(${sql.ref(column)})`])) as any,
      ) as typeof query,
    upsertMerge: (query, _table, _key, merge) =>
      query.onDuplicateKeyUpdate(
        merge(
          (column) => sql.ref(column),
          (column) => sql`values(${sql.ref(column)})`,
        ) as any,
      ) as typeof query,
    insertOrKeep: (query, key) =>
      // Not INSERT IGNORE: that would also swallow foreign-key and range errors.
      query.onDuplicateKeyUpdate({ [key[0]!]: sql.ref(key[0]!) } as any) as typeof query,
    integerDivide: (dividend: Expression<number>, divisor: Expression<number>) => sql<number>`(${dividend} div ${divisor} - (${dividend} % ${divisor} < 0))`,
    containsInsensitive: (column, text) =>
      sql<boolean>`lower(${sql.ref(column)}) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\\\'`,
    jsonStringAt: (column, key) =>
      // MariaDB's JSON paths cannot name a key that starts with '-' (read as a negative array index:
      // a syntax error when bound, NULL when inlined). Such a key is found in JSON_KEYS instead, and
      // its value taken at the same position of the object's values (both in document order).
      key.startsWith('-')
        ? sql<string | null>`json_unquote(json_extract(json_extract(${column}, '$.*'), json_unquote(json_search(json_keys(${column}), 'one', ${key.replace(/[%_\\]/g, (special) => `\\${special}`)}))))`
        : sql<string | null>`json_unquote(json_extract(${column}, ${`$."${key.replace(/["\\]/g, (special) => `\\${special}`)}"`}))`,
    jsonWithKey: (column, key, value) => sql<string>`json_merge_patch(${column}, json_object(${key}, ${value}))`,
    likeMatch: (expression, parts, caseInsensitive) =>
      caseInsensitive
        ? sql<boolean>`lower(${expression}) like lower(${likePatternText(parts)}) escape '\\\\'`
        : sql<boolean>`${expression} like ${likePatternText(parts)} escape '\\\\'`,
    numberParameter: (value) => sql<number>`${value}`,
    integerText: (expression) => sql<string>`cast(${expression} as char)`,
    tableAlongIndex: (table, alias, index) => sql`${sql.table(table)} ${sql.ref(alias)} force index (${sql.ref(index)})`,
    orderedText: (expression) => sql<string>`${expression}`,
    // InnoDB indexes at most 3072 bytes of a key: 250 four-byte characters of the text and the name.
    textIndexKey: (column) => sql`${sql.ref(column)}(250)`,
    textMatch: (words) => {
      // InnoDB indexes words of at least innodb_ft_min_token_size (3) characters; shorter ones are
      // matched as substrings, a superset of the whole-word match the other backends make.
      const indexed = words.filter((word) => [...word].length >= MIN_TOKEN_LENGTH);
      const short = words.filter((word) => [...word].length < MIN_TOKEN_LENGTH);
      const against = indexed.map((word) => `+${word}`).join(' ');
      const conditions = [
        ...(indexed.length > 0 ? [sql`match(d.body) against (${against} in boolean mode)`] : []),
        ...short.map((word) => sql`d.body like ${`%${escapeLike(word)}%`} escape '\\\\'`),
      ];
      return {
        predicate: sql<boolean>`(${sql.join(conditions, sql` and `)})`,
        rank: indexed.length > 0 ? sql<number>`match(d.body) against (${against} in boolean mode)` : sql<number>`0`,
      };
    },
    createTextIndex: async (db) => {
      // Without stop words, so 'the' or 'with' are found as on the other backends; the setting is
      // read when the index is built, on this connection.
      await db.connection().execute(async (connection) => {
        await sql`set session innodb_ft_enable_stopword = 0`.execute(connection);
        await sql`create fulltext index search_documents_body_idx on search_documents (body)`.execute(connection);
      });
    },
    dropTextIndex: async (db) => {
      await sql`drop index search_documents_body_idx on search_documents`.execute(db);
    },
    classifyError,
    serverVersion: async (db: Kysely<any>) => {
      const result = await sql<{ version: string }>`select version() as version`.execute(db);
      const version = result.rows[0]?.version ?? '?';
      return version.toLowerCase().includes('mariadb') ? `MariaDB ${version}` : `MySQL ${version}`;
    },
    // InnoDB usually raises the counter past explicit ids already; setting it makes that certain
    // (an in-place metadata change, no table rebuild).
    resetIdSequence: async (db: Kysely<any>, table: string, column: string) => {
      const result = await sql<{ highest: number | string | null }>`select max(${sql.ref(column)}) as highest from ${sql.table(table)}`.execute(db);
      const next = Number(result.rows[0]?.highest ?? 0) + 1;
      if (!Number.isSafeInteger(next)) return;
      await sql`alter table ${sql.table(table)} auto_increment = ${sql.lit(next)}`.execute(db);
    },
  };
}

/**
 * The session's sql_mode without NO_BACKSLASH_ESCAPES. mysql2's `query` writes values into the SQL
 * text, escaping quotes with backslashes; under NO_BACKSLASH_ESCAPES (a server default some DBAs set)
 * a backslash is an ordinary character, so `x\' OR 1=1 -- ` would end the string early. Every other
 * mode is kept as the server has it.
 */
export const PIN_SQL_MODE =
  "set session sql_mode = trim(both ',' from replace(concat(',', @@session.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

function classifyError(error: unknown): FailureKind {
  // A failed handshake may reach us wrapped (as the `cause` of a pool error) or with only its code.
  const cause = errorProperty(error, 'cause');
  if (errorProperty(error, 'errno') === undefined && cause !== undefined) return classifyError(cause);
  const code = errorProperty(error, 'code');
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') return 'authentication-failed';
  switch (Number(errorProperty(error, 'errno'))) {
    case 1062:
      return 'unique-violation';
    case 1451:
    case 1452:
      return 'foreign-key-violation';
    // 1045 with a password, 1698 without one (MariaDB answers either for an unknown user), 1044 when
    // the user exists but may not use the database.
    case 1044:
    case 1045:
    case 1698:
      return 'authentication-failed';
    case 1049:
      return 'database-missing';
    case 1205:
    case 1213:
      return 'retryable';
  }
  return classifySocketError(error) ?? 'other';
}
