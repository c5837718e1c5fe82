/**
 * Metric names interned per run (docs/decisions/1303 and 1304): `metric_keys (id, run_id, name)`
 * holds each name of a run once, and `metrics`, `metric_step_values` and `metric_rollups` hold its
 * id (`key_id`) where they held the name. `metric_summaries`, one row per series, keeps the name
 * (search walks an index on it, migration 0013). The three tables are rebuilt
 * (new table, rows copied with the name looked up, old table dropped, new one renamed), because
 * SQLite cannot change a primary key in place.
 *
 * Existing rows are copied in run-id ranges of about RANGE_POINTS points each: MySQL commits each
 * statement on its own (no transactional DDL), and a 10-million-point INSERT … SELECT in one
 * statement would outgrow its default undo log. Frozen (decision 0131): every statement is written
 * out here, not taken from the store.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const NAME = 'varchar(250)';
const DOUBLE = 'double precision';

/** Points (by the series summaries' counts) copied per statement, about. */
const RANGE_POINTS = 500_000;

/** Tests pass smaller ranges, to run the range boundaries on little data. */
export interface RangeOptions {
  readonly rangePoints?: number;
}

type ColumnAdder = (table: any) => any;

/** A series table: its columns after (run_id, name | key_id), and the rest of its key. */
interface SeriesTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly keyTail: readonly string[];
  readonly add: ColumnAdder;
}

const SERIES_TABLES: readonly SeriesTable[] = [
  {
    name: 'metrics',
    columns: ['step', 'value', 'value_kind', 'epoch', 'logged_at'],
    keyTail: ['step'],
    add: (t) =>
      t
        .addColumn('step', 'bigint', (c: any) => c.notNull())
        .addColumn('value', DOUBLE)
        .addColumn('value_kind', 'smallint', (c: any) => c.notNull())
        .addColumn('epoch', 'integer')
        .addColumn('logged_at', 'bigint', (c: any) => c.notNull()),
  },
  {
    name: 'metric_step_values',
    columns: ['step', 'seq', 'value', 'value_kind', 'epoch', 'logged_at'],
    keyTail: ['step', 'seq'],
    add: (t) =>
      t
        .addColumn('step', 'bigint', (c: any) => c.notNull())
        .addColumn('seq', 'integer', (c: any) => c.notNull())
        .addColumn('value', DOUBLE)
        .addColumn('value_kind', 'smallint', (c: any) => c.notNull())
        .addColumn('epoch', 'integer')
        .addColumn('logged_at', 'bigint', (c: any) => c.notNull()),
  },
  {
    name: 'metric_rollups',
    columns: ['block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count', 'max_logged_at'],
    keyTail: ['block'],
    add: (t) =>
      t
        .addColumn('block', 'bigint', (c: any) => c.notNull())
        .addColumn('first_step', 'bigint', (c: any) => c.notNull())
        .addColumn('last_step', 'bigint', (c: any) => c.notNull())
        .addColumn('min_value', DOUBLE)
        .addColumn('max_value', DOUBLE)
        .addColumn('last_value', DOUBLE)
        .addColumn('last_kind', 'smallint', (c: any) => c.notNull())
        .addColumn('count', 'bigint', (c: any) => c.notNull())
        .addColumn('max_logged_at', 'bigint', (c: any) => c.notNull()),
  },
];

/** Run ids `> after` and, unless it is the last range, `<= upTo`. */
interface RunRange {
  readonly after: number | undefined;
  readonly upTo: number | undefined;
}

/**
 * Contiguous run-id ranges covering every run, each holding about RANGE_POINTS points by the
 * summaries' counts (a series without a summary is still copied: the ranges have no gaps).
 */
async function runRanges(db: Kysely<any>, rangePoints: number): Promise<RunRange[]> {
  const perRun = await db
    .selectFrom('metric_summaries')
    .select((eb) => ['run_id', eb.fn.sum('count').as('points')])
    .groupBy('run_id')
    .orderBy('run_id')
    .execute();
  const ranges: RunRange[] = [];
  let after: number | undefined;
  let points = 0;
  for (const row of perRun) {
    points += Number(row.points);
    if (points >= rangePoints) {
      ranges.push({ after, upTo: Number(row.run_id) });
      after = Number(row.run_id);
      points = 0;
    }
  }
  ranges.push({ after, upTo: undefined });
  return ranges;
}

function inRange<Q extends { where(...args: any[]): any }>(query: Q, column: string, range: RunRange): Q {
  let ranged = query;
  if (range.after !== undefined) ranged = ranged.where(column, '>', range.after);
  if (range.upTo !== undefined) ranged = ranged.where(column, '<=', range.upTo);
  return ranged;
}

/** Copies every range with `copy`, writing a progress line when there is more than one. */
async function inRanges(db: Kysely<any>, what: string, options: RangeOptions, copy: (range: RunRange) => Promise<void>): Promise<void> {
  const ranges = await runRanges(db, options.rangePoints ?? RANGE_POINTS);
  for (const [index, range] of ranges.entries()) {
    await copy(range);
    if (ranges.length > 1) process.stderr.write(`migration 0011: ${what}: ${index + 1}/${ranges.length} run ranges done\n`);
  }
}

async function createSeriesTable(db: Kysely<any>, backend: Backend, table: SeriesTable, as: string, by: 'key_id' | 'name', pk: string): Promise<void> {
  let builder = backend
    .withTableOptions(db.schema.createTable(as))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'));
  builder = by === 'key_id' ? builder.addColumn('key_id', 'bigint', (c) => c.notNull()) : builder.addColumn('name', NAME, (c) => c.notNull());
  await table.add(builder).addPrimaryKeyConstraint(pk, ['run_id', by, ...table.keyTail]).execute();
}

/** Drops `table` and puts `rebuilt` in its place. */
async function replaceTable(db: Kysely<any>, table: string, rebuilt: string): Promise<void> {
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(rebuilt).renameTo(table).execute();
}

export async function up(db: Kysely<any>, backend: Backend, options: RangeOptions = {}): Promise<void> {
  await backend
    .withTableOptions(db.schema.createTable('metric_keys'))
    .addColumn('id', backend.idType, (c) => backend.idColumn(c))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addUniqueConstraint('metric_keys_run_name_unique', ['run_id', 'name'])
    .execute();

  for (const table of SERIES_TABLES) await createSeriesTable(db, backend, table, `${table.name}_by_key`, 'key_id', `${table.name}_key_pk`);
  await inRanges(db, 'interning metric names', options, async (range) => {
    // Every name of the range's series, from all three tables: each table's rows need their key.
    const names = SERIES_TABLES.map((table) => inRange(db.selectFrom(table.name).select(['run_id', 'name']), 'run_id', range))
      .reduce((all, next) => all.union(next));
    await db.insertInto('metric_keys').columns(['run_id', 'name']).expression(names).execute();
    for (const table of SERIES_TABLES) {
      const rows = inRange(
        db
          .selectFrom(`${table.name} as t`)
          .innerJoin('metric_keys as k', (join) => join.onRef('k.run_id', '=', 't.run_id').onRef('k.name', '=', 't.name'))
          .select(['t.run_id', 'k.id', ...table.columns.map((column) => `t.${column}`)]),
        't.run_id',
        range,
      );
      await db.insertInto(`${table.name}_by_key`).columns(['run_id', 'key_id', ...table.columns]).expression(rows).execute();
    }
  });
  for (const table of SERIES_TABLES) await replaceTable(db, table.name, `${table.name}_by_key`);
}

export async function down(db: Kysely<any>, backend: Backend, options: RangeOptions = {}): Promise<void> {
  for (const table of SERIES_TABLES) await createSeriesTable(db, backend, table, `${table.name}_by_name`, 'name', `${table.name}_pk`);
  await inRanges(db, 'restoring metric names', options, async (range) => {
    for (const table of SERIES_TABLES) {
      const rows = inRange(
        db
          .selectFrom(`${table.name} as t`)
          .innerJoin('metric_keys as k', 'k.id', 't.key_id')
          .select(['t.run_id', 'k.name', ...table.columns.map((column) => `t.${column}`)]),
        't.run_id',
        range,
      );
      await db.insertInto(`${table.name}_by_name`).columns(['run_id', 'name', ...table.columns]).expression(rows).execute();
    }
  });
  for (const table of SERIES_TABLES) await replaceTable(db, table.name, `${table.name}_by_name`);
  await db.schema.dropTable('metric_keys').execute();
}

