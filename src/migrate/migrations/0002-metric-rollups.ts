/**
 * Per-block rollups of every metric series (docs/decisions/0503-metric-rollups.md), filled from the
 * points already stored so downsampled reads are exact from the first query after the upgrade.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';
import { fillMetricRollups } from '../../store/sql/metric-rollups.js';

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

  await fillMetricRollups(db, backend);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('metric_rollups').execute();
}
