/**
 * Per-block rollups of every metric series (docs/decisions/0503-metric-rollups.md), filled from the
 * points already stored so downsampled reads are exact from the first query after the upgrade.
 * Frozen: the fill is written out here, not taken from the store, whose code may change later
 * (decision 0131).
 */
import { sql, type Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

const NAME = 'varchar(250)';
const DOUBLE = 'double precision';

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await backend
    .withTableOptions(db.schema.createTable('metric_rollups'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('training_runs.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('block', 'bigint', (c) => c.notNull())
    .addColumn('first_step', 'bigint', (c) => c.notNull())
    .addColumn('last_step', 'bigint', (c) => c.notNull())
    .addColumn('min_value', DOUBLE)
    .addColumn('max_value', DOUBLE)
    .addColumn('last_value', DOUBLE)
    .addColumn('last_kind', 'smallint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('max_logged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_rollups_pk', ['run_id', 'name', 'block'])
    .execute();

  await fillRollups(db, backend);
}

/** Steps per block, as the store used it when this migration was written. */
const BLOCK_STEPS = 64;

/** The points grouped by block, each block's highest step joined back for its last value. */
async function fillRollups(db: Kysely<any>, backend: Backend): Promise<void> {
  // Steps are never negative, so integer division is floor(step / block size).
  const block =
    backend.name === 'mysql'
      ? sql<number>`(${sql.ref('step')} div ${sql.lit(BLOCK_STEPS)})`
      : backend.name === 'postgresql'
        ? sql<number>`(${sql.ref('step')}::bigint / ${sql.lit(BLOCK_STEPS)}::bigint)`
        : sql<number>`(cast(${sql.ref('step')} as integer) / cast(${sql.lit(BLOCK_STEPS)} as integer))`;
  const blocks = db
    .selectFrom('metrics')
    .select((eb) => [
      'run_id',
      'name',
      block.as('block'),
      eb.fn.min('step').as('first_step'),
      eb.fn.max('step').as('last_step'),
      eb.fn.min('value').as('min_value'),
      eb.fn.max('value').as('max_value'),
      eb.fn.countAll().as('count'),
      eb.fn.max('logged_at').as('max_logged_at'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`]);
  await db
    .insertInto('metric_rollups')
    .columns(['run_id', 'name', 'block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count', 'max_logged_at'])
    .expression(
      db
        .selectFrom(blocks.as('b'))
        .innerJoin('metrics as m', (join) =>
          join.onRef('m.run_id', '=', 'b.run_id').onRef('m.name', '=', 'b.name').onRef('m.step', '=', 'b.last_step'),
        )
        .select(['b.run_id', 'b.name', 'b.block', 'b.first_step', 'b.last_step', 'b.min_value', 'b.max_value', 'm.value', 'm.value_kind', 'b.count', 'b.max_logged_at']),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('metric_rollups').execute();
}
