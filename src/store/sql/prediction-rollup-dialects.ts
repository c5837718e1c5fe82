/**
 * Everything about prediction rollups that differs between SQLite, PostgreSQL and MySQL, written
 * once, here (docs/decisions/1110-prediction-rollup-writes.md): how a batch's rollups reach the
 * stored rows, and the SQL of the set-based build (`fillPredictionRollups`). The rollup code says
 * what each column means (a count to add, a maximum, a sketch, a histogram); this module says how
 * each backend writes that.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { BackendName } from '../../core/entities.js';
import type { Backend, BulkColumn } from '../backends/backend.js';

/** How a rollup column combines with the stored row's value. */
export type RollupMerge =
  /** Part of the key: never updated. */
  | 'key'
  /** Counts and sums: added. */
  | 'sum'
  /** The exact maximum (NULL when there were no latencies). */
  | 'max'
  /** `bin:count,…` pairs, ascending by bin: counts of the same bin added, bins kept in order. */
  | 'sketch'
  /** A fixed number of comma-separated counts: added position by position. */
  | 'histogram';

export interface RollupColumn extends BulkColumn {
  readonly merge: RollupMerge;
}

/**
 * How a batch's rollups are added to the stored rows:
 * - `sql`: one `INSERT … SELECT … FROM unnest(…) ON CONFLICT DO UPDATE` whose update adds the counts
 *   and merges the sketches in SQL. The conflict takes the row lock, so concurrent writers of the
 *   same minute add one after the other; one statement and one row version per rollup row.
 * - `lock-then-merge`: missing rows are inserted empty, all are read `FOR UPDATE`, merged in
 *   JavaScript and upserted (three statements; MariaDB's SQL has no practical way to split the
 *   sketch text inside an ON DUPLICATE KEY UPDATE).
 * - `read-then-merge`: read, merged in JavaScript, upserted (SQLite has one writer, so nothing
 *   else can change the rows between the read and the write).
 */
export type RollupWriteMode = 'sql' | 'lock-then-merge' | 'read-then-merge';

export interface PredictionRollupDialect {
  readonly write: RollupWriteMode;
  /** The single statement of the `sql` write mode (only where `write` is `sql`). */
  mergeRows?(table: string, columns: readonly RollupColumn[], rows: readonly (readonly unknown[])[]): RawBuilder<unknown>;
  /** ceil() of a double, as an integer. */
  integerCeil(expression: RawBuilder<unknown>): RawBuilder<unknown>;
  /** Text values of a group joined by commas, in `order`. */
  joinComma(expression: RawBuilder<unknown>, order: RawBuilder<unknown>): RawBuilder<unknown>;
  /** 1 when the metadata document's `error` field is present and not null, else 0. */
  readonly isError: RawBuilder<unknown>;
  /** Runs `fn` on one connection set up for the set-based build (MySQL: a long enough GROUP_CONCAT). */
  withBuildSession(db: Kysely<any>, fn: (db: Kysely<any>) => Promise<void>): Promise<void>;
}

const PG_ARRAY_TYPES: Record<BulkColumn['kind'], string> = { integer: 'int8[]', double: 'float8[]', text: 'text[]', json: 'jsonb[]' };

/** PostgreSQL's update expression of one column of `prediction_rollups as r` from `excluded`. */
function postgresMerge(column: RollupColumn): RawBuilder<unknown> {
  const stored = sql.ref(`r.${column.name}`);
  const added = sql.ref(`excluded.${column.name}`);
  switch (column.merge) {
    case 'sum':
      return sql`${stored} + ${added}`;
    case 'max':
      // greatest() ignores NULLs.
      return sql`greatest(${stored}, ${added})`;
    case 'sketch':
      // Both texts split into their pairs, counts of a bin summed, pairs joined again ascending by bin.
      return sql`coalesce((
        select string_agg(m.bin || ':' || m.n, ',' order by m.bin)
        from (
          select split_part(pair, ':', 1)::int as bin, sum(split_part(pair, ':', 2)::bigint) as n
          from unnest(string_to_array(${stored}, ',') || string_to_array(${added}, ',')) as pair
          group by 1
        ) m
      ), '')`;
    case 'histogram':
      return sql`(
        select string_agg((h.a::bigint + h.b::bigint)::text, ',' order by h.i)
        from unnest(string_to_array(${stored}, ','), string_to_array(${added}, ',')) with ordinality as h(a, b, i)
      )`;
    case 'key':
      throw new Error(`rollup column ${column.name} is part of the key`);
  }
}

const DIALECTS: Record<BackendName, PredictionRollupDialect> = {
  postgresql: {
    write: 'sql',
    mergeRows: (table, columns, rows) => {
      const arrays = columns.map((column, index) => sql`${rows.map((row) => row[index] ?? null)}::${sql.raw(PG_ARRAY_TYPES[column.kind])}`);
      const key = columns.filter((column) => column.merge === 'key').map((column) => sql.ref(column.name));
      const updates = columns.filter((column) => column.merge !== 'key').map((column) => sql`${sql.ref(column.name)} = ${postgresMerge(column)}`);
      return sql`insert into ${sql.table(table)} as r (${sql.join(columns.map((column) => sql.ref(column.name)))})
        select * from unnest(${sql.join(arrays)})
        on conflict (${sql.join(key)}) do update set ${sql.join(updates)}`;
    },
    integerCeil: (expression) => sql`cast(ceil(${expression}) as bigint)`,
    joinComma: (expression, order) => sql`string_agg(${expression}, ',' order by ${order})`,
    isError: sql`case when jsonb_typeof(metadata -> 'error') <> 'null' then 1 else 0 end`,
    withBuildSession: (db, fn) => fn(db),
  },
  mysql: {
    write: 'lock-then-merge',
    integerCeil: (expression) => sql`cast(ceil(${expression}) as signed)`,
    joinComma: (expression, order) => sql`group_concat(${expression} order by ${order} separator ',')`,
    isError: sql`case when json_type(json_extract(metadata, '$.error')) <> 'NULL' then 1 else 0 end`,
    // One connection for the session setting and the statements that need it.
    withBuildSession: (db, fn) =>
      db.connection().execute(async (connection) => {
        await sql`set session group_concat_max_len = 16777216`.execute(connection);
        await fn(connection);
      }),
  },
  sqlite: {
    write: 'read-then-merge',
    integerCeil: (expression) => sql`cast(ceil(${expression}) as integer)`,
    joinComma: (expression, order) => sql`group_concat(${expression}, ',' order by ${order})`,
    isError: sql`case when json_type(metadata, '$.error') <> 'null' then 1 else 0 end`,
    withBuildSession: (db, fn) => fn(db),
  },
};

export function predictionRollupDialect(backend: Backend): PredictionRollupDialect {
  return DIALECTS[backend.name];
}
