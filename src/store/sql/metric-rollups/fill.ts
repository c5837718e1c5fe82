/** Rollups built for points stored without them (an import; migration 0002 keeps its own copy). */
import { sql, type Kysely } from 'kysely';
import type { Backend } from '../../backends/backend.js';
import { ROLLUP_BLOCK_STEPS, blockAggregates } from './blocks.js';

/**
 * Builds the rollups of every stored point in one set-based statement (migration 0002, and anyone
 * who loaded points without their rollups): the points grouped by block, each block's highest step
 * joined back for its last value. `metric_rollups` must hold no rows of those series yet, or pass
 * `missingOnly` to build only the series that have none (an import into a database with data).
 */
export async function fillMetricRollups(db: Kysely<any>, backend: Backend, options: { missingOnly?: boolean } = {}): Promise<void> {
  // floor(step / block size): integerDivide rounds down, so negative steps fall in negative blocks.
  const block = backend.integerDivide(sql.ref('step'), sql.lit(ROLLUP_BLOCK_STEPS));
  const blocks = db
    .selectFrom('metrics')
    .select((eb) => [
      'run_id',
      'key_id',
      block.as('block'),
      ...blockAggregates(eb),
    ])
    .$if(options.missingOnly === true, (query) =>
      query.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('metric_rollups as r')
              .select(sql.lit(1).as('one'))
              .whereRef('r.run_id', '=', 'metrics.run_id')
              .whereRef('r.key_id', '=', 'metrics.key_id'),
          ),
        ),
      ),
    )
    .groupBy([sql`1`, sql`2`, sql`3`]);
  await db
    .insertInto('metric_rollups')
    .columns(['run_id', 'key_id', 'block', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value', 'last_kind', 'count', 'max_logged_at'])
    .expression(
      db
        .selectFrom(blocks.as('b'))
        .innerJoin('metrics as m', (join) =>
          join.onRef('m.run_id', '=', 'b.run_id').onRef('m.key_id', '=', 'b.key_id').onRef('m.step', '=', 'b.last_step'),
        )
        .select([
          'b.run_id',
          'b.key_id',
          'b.block',
          'b.first_step',
          'b.last_step',
          'b.min_value',
          'b.max_value',
          'm.value',
          'm.value_kind',
          'b.count',
          'b.max_logged_at',
        ]),
    )
    .execute();
}
