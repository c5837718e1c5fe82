/** PostgreSQL through pg: a pooled driver, loaded with the first connection; JSONB; BIGINTs parsed to numbers. */
import { PostgresDialect, sql, type Expression, type Kysely } from 'kysely';
import type { ServerConnection } from '../../config/connection.js';
import {
  classifySocketError,
  errorProperty,
  escapeLike,
  likePatternText,
  loadDriver,
  onConflictKeep,
  onConflictMerge,
  onConflictUpdate,
  type Backend,
  type BulkColumn,
  type FailureKind,
  type PackedSeriesRow,
} from './backend.js';
import { wantsArrayRows } from './array-rows.js';
import { keptStatementName } from './kept-statements.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const JSON_OID = 114;
const JSONB_OID = 3802;

const ARRAY_TYPES: Record<BulkColumn['kind'], string> = { integer: 'int8[]', double: 'float8[]', text: 'text[]', json: 'jsonb[]' };

export function createPostgresBackend(spec: ServerConnection): Backend {
  return {
    name: 'postgresql',
    capabilities: {
      returning: true,
      lockingReads: true,
      dataModifyingCtes: true,
      alterAddForeignKey: true,
      transactionalDdl: true,
      maxBindParameters: 65_535,
      rowValueRangeScan: true,
      tableScopedIndexNames: false,
    },
    dialect: new PostgresDialect({
      pool: async () => {
        const { default: pg } = await loadDriver('pg', () => import('pg'));
        const pool = new pg.Pool({
          host: spec.host,
          port: spec.port,
          database: spec.database,
          user: spec.user,
          password: spec.password,
          ssl: spec.ssl,
          max: spec.pool.size + spec.pool.maxOverflow,
          // pool.size idle connections are kept (as MySQL's maxIdle); only the overflow is closed
          // after idleTimeoutMs.
          min: spec.pool.size,
          idleTimeoutMillis: spec.pool.idleTimeoutMs,
          connectionTimeoutMillis: spec.pool.acquireTimeoutMs,
          keepAlive: spec.pool.keepAlive,
          application_name: 'aimdb',
          types: {
            getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
              // JSON stays text so every backend hands the mappers the same thing to parse.
              if (oid === JSON_OID || oid === JSONB_OID) return (value: string) => value;
              if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
              return pg.types.getTypeParser(oid, format as 'text');
            }) as typeof pg.types.getTypeParser,
          },
        });
        // An idle client that loses its server emits here; the pool drops it and opens a new one.
        pool.on('error', () => undefined);
        pool.on('connect', withStatementOptions);
        return pool;
      },
    }),
    jsonType: 'jsonb',
    textType: 'text',
    idType: 'bigint',
    idColumn: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
    withTableOptions: (builder) => builder,
    upsert: onConflictUpdate,
    upsertMerge: onConflictMerge,
    insertOrKeep: onConflictKeep,
    integerDivide: (dividend: Expression<number>, divisor: Expression<number>) =>
      sql<number>`(${dividend}::bigint / ${divisor}::bigint - (${dividend}::bigint % ${divisor}::bigint < 0)::int)`,
    containsInsensitive: (column, text) => sql<boolean>`${sql.ref(column)} ilike ${`%${escapeLike(text)}%`} escape '\\'`,
    jsonStringAt: (column, key) => sql<string | null>`(${column} ->> ${key}::text)`,
    jsonWithKey: (column, key, value) =>
      value === null
        ? sql<string>`(${column} - ${key}::text)`
        : sql<string>`(${column} || jsonb_build_object(${key}::text, ${value}::text))`,
    likeMatch: (expression, parts, caseInsensitive) =>
      sql<boolean>`${expression} ${sql.raw(caseInsensitive ? 'ilike' : 'like')} ${likePatternText(parts)} escape '\\'`,
    numberParameter: (value) => sql<number>`cast(${value} as double precision)`,
    // The cast types a bare parameter, which a COLLATE alone cannot.
    integerText: (expression) => sql<string>`cast(${expression} as text)`,
    tableAlongIndex: (table, alias) => sql`${sql.table(table)} ${sql.ref(alias)}`,
    orderedText: (expression) => sql<string>`(cast(${expression} as text) collate "C")`,
    textIndexKey: () => undefined,
    // The 'simple' configuration: lower-cased words, no stemming or stop words, as on the others.
    textMatch: (words) => ({
      predicate: sql<boolean>`to_tsvector('simple', d.body) @@ plainto_tsquery('simple', ${words.join(' ')})`,
      rank: sql<number>`ts_rank(to_tsvector('simple', d.body), plainto_tsquery('simple', ${words.join(' ')}))`,
    }),
    createTextIndex: async (db) => {
      await sql`create index search_documents_body_idx on search_documents using gin (to_tsvector('simple', body))`.execute(db);
    },
    dropTextIndex: async (db) => {
      await sql`drop index search_documents_body_idx`.execute(db);
    },
    classifyError,
    serverVersion: async (db: Kysely<any>) => {
      const result = await sql<{ version: string }>`show server_version`.execute(db);
      return `PostgreSQL ${(result.rows[0] as Record<string, string> | undefined)?.server_version ?? '?'}`;
    },
    // One array per column through UNNEST (the one bulk-insert path, src/store/sql/bulk-insert.ts, chunks the rows).
    columnarInsert: (table, columns, rows) => {
      const arrays = columns.map((column, index) => sql`${rows.map((row) => row[index] ?? null)}::${sql.raw(ARRAY_TYPES[column.kind])}`);
      return sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column.name)))}) select * from unnest(${sql.join(arrays)})`;
    },
    // Aggregated from the ordered subquery without an ORDER BY of their own: PostgreSQL 15 would sort
    // the points again for one. Nothing guarantees that order, so the store checks the steps.
    packedSeries: (points) => sql<PackedSeriesRow>`select count(*) as count,
      string_agg(int8send(p.step), ''::bytea) as step,
      string_agg(float8send(case p.value_kind when 0 then p.value when 1 then 'NaN' when 2 then 'Infinity' else '-Infinity' end), ''::bytea) as value,
      case when count(p.epoch) > 0 then string_agg(int4send(coalesce(p.epoch, 0)), ''::bytea) end as epoch,
      case when count(p.epoch) > 0 then string_agg(case when p.epoch is null then '\\x01'::bytea else '\\x00'::bytea end, ''::bytea) end as epoch_null,
      string_agg(int8send(p.logged_at), ''::bytea) as logged_at
      from (${points}) p`,
    // Identity columns do not advance when ids are given explicitly; point the sequence past the maximum.
    resetIdSequence: async (db: Kysely<any>, table: string, column: string) => {
      await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce(max(${sql.ref(column)}), 0) + 1, false) from ${sql.table(table)}`.execute(db);
    },
  };
}

/**
 * Runs the kept statements (kept-statements.ts) of `client` as named ones, which pg prepares on the
 * client's first use and then only binds and executes, and the reads marked by `arrayRows`
 * (array-rows.ts) with `rowMode: 'array'`. Kysely passes SQL text and values; everything else goes
 * through unchanged.
 */
function withStatementOptions(client: { query: (...args: any[]) => unknown }): void {
  const query = client.query.bind(client);
  client.query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string') return query(config, values, callback);
    const name = keptStatementName(config);
    const rowMode = wantsArrayRows(config) ? 'array' : undefined;
    if (name === undefined && rowMode === undefined) return query(config, values, callback);
    return query({ text: config, values, ...(name === undefined ? {} : { name }), ...(rowMode === undefined ? {} : { rowMode }) }, callback);
  };
}

function classifyError(error: unknown): FailureKind {
  const code = String(errorProperty(error, 'code') ?? '');
  switch (code) {
    case '23505':
      return 'unique-violation';
    case '23503':
      return 'foreign-key-violation';
    case '28P01':
    case '28000':
      return 'authentication-failed';
    case '3D000':
      return 'database-missing';
    case '40001':
    case '40P01':
    case '57P01':
      return 'retryable';
  }
  return classifySocketError(error) ?? 'other';
}
