/**
 * Prediction rollups (docs/decisions/1100-prediction-rollups.md): per (model version, minute, hour,
 * day) counts, sums, an exact maximum, a log-bucket latency sketch and a confidence histogram, kept
 * at write time; and the client's prediction key. The backfill is set-based SQL over the stored
 * predictions, so statistics are right from the first read after the upgrade. The sketch's constants
 * are copied here on purpose: a migration describes the format as it was when it ran.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

/** (1 + 0.01) / (1 − 0.01): the relative accuracy of the latency sketch is 1 %. */
const LN_GAMMA = Math.log((1 + 0.01) / (1 - 0.01));
const WIDTHS = [60_000, 3_600_000, 86_400_000] as const;
const DOUBLE = 'double precision';

/** The SQL that differs between the backends, for this migration only. */
function dialectOf(backend: Backend) {
  const name = backend.name;
  return {
    /** ceil() of a double as an integer. */
    integerCeil: (expression: RawBuilder<unknown>) =>
      name === 'postgresql'
        ? sql`cast(ceil(${expression}) as bigint)`
        : name === 'mysql'
          ? sql`cast(ceil(${expression}) as signed)`
          : sql`cast(ceil(${expression}) as integer)`,
    /** Text values of a group joined by commas. */
    joinComma: (expression: RawBuilder<unknown>) =>
      name === 'postgresql'
        ? sql`string_agg(${expression}, ',')`
        : name === 'mysql'
          ? sql`group_concat(${expression} separator ',')`
          : sql`group_concat(${expression}, ',')`,
    /** 1 when the metadata document's `error` field is present and not null, else 0. */
    isError:
      name === 'postgresql'
        ? sql`case when jsonb_typeof(metadata -> 'error') <> 'null' then 1 else 0 end`
        : name === 'mysql'
          ? sql`case when json_type(json_extract(metadata, '$.error')) <> 'NULL' then 1 else 0 end`
          : sql`case when json_type(metadata, '$.error') <> 'null' then 1 else 0 end`,
    /** Whole-document equality of output and ground truth (jsonb on PostgreSQL, stored text elsewhere). */
    isCorrect: sql`case when ground_truth is not null and output = ground_truth then 1 else 0 end`,
  };
}

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.alterTable('predictions').addColumn('prediction_key', 'varchar(200)').execute();
  await db.schema
    .createIndex('predictions_version_key_idx')
    .on('predictions')
    .columns(['model_version_id', 'prediction_key'])
    .unique()
    .execute();

  await backend
    .withTableOptions(db.schema.createTable('prediction_rollups'))
    .addColumn('model_version_id', 'bigint', (c) => c.notNull().references('model_versions.id').onDelete('cascade'))
    .addColumn('width_ms', 'bigint', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('error_count', 'bigint', (c) => c.notNull())
    .addColumn('latency_count', 'bigint', (c) => c.notNull())
    .addColumn('latency_sum', DOUBLE, (c) => c.notNull())
    .addColumn('latency_max', DOUBLE)
    .addColumn('latency_zero', 'bigint', (c) => c.notNull())
    .addColumn('latency_bins', backend.textType, (c) => c.notNull())
    .addColumn('confidence_count', 'bigint', (c) => c.notNull())
    .addColumn('confidence_sum', DOUBLE, (c) => c.notNull())
    .addColumn('confidence_bins', 'varchar(250)', (c) => c.notNull())
    .addColumn('labelled_count', 'bigint', (c) => c.notNull())
    .addColumn('correct_count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('prediction_rollups_pk', ['model_version_id', 'width_ms', 'period_start'])
    .execute();

  const dialect = dialectOf(backend);
  // The Migrator runs a MySQL migration on one connection, so the session setting holds for the backfill.
  if (backend.name === 'mysql') await sql`set session group_concat_max_len = 16777216`.execute(db);
  for (const width of WIDTHS) {
    const w = sql.lit(width);
    // Floor to the period (the inner modulo keeps negative times in the earlier period, as Math.floor does).
    const period = sql`(predicted_at - ((predicted_at % ${w}) + ${w}) % ${w})`;
    const bin = dialect.integerCeil(sql`ln(latency_ms) / ${sql.lit(LN_GAMMA)}`);
    const confidenceBins = sql.join(
      Array.from({ length: 10 }, (_, index) =>
        index === 9
          ? sql`sum(case when confidence is not null and floor(confidence * 10) >= 9 then 1 else 0 end)`
          : sql`sum(case when floor(confidence * 10) = ${sql.lit(index)} then 1 else 0 end)`,
      ),
      sql`, ',', `,
    );
    await sql`
      insert into prediction_rollups (model_version_id, width_ms, period_start, count, error_count, latency_count,
        latency_sum, latency_max, latency_zero, latency_bins, confidence_count, confidence_sum, confidence_bins,
        labelled_count, correct_count)
      select s.model_version_id, ${w}, s.period_start, s.n, s.errors, s.latency_n, s.latency_sum, s.latency_max,
        s.latency_zero, coalesce(b.bins, ''), s.confidence_n, s.confidence_sum, s.confidence_bins, s.labelled, s.correct
      from (
        select model_version_id, ${period} as period_start, count(*) as n, sum(${dialect.isError}) as errors,
          count(latency_ms) as latency_n, coalesce(sum(latency_ms), 0) as latency_sum, max(latency_ms) as latency_max,
          sum(case when latency_ms = 0 then 1 else 0 end) as latency_zero,
          count(confidence) as confidence_n, coalesce(sum(confidence), 0) as confidence_sum,
          concat(${confidenceBins}) as confidence_bins,
          count(ground_truth) as labelled, sum(${dialect.isCorrect}) as correct
        from predictions group by 1, 2
      ) s
      left join (
        select model_version_id, period_start, ${dialect.joinComma(sql`concat(bin, ':', n)`)} as bins
        from (
          select model_version_id, ${period} as period_start, ${bin} as bin, count(*) as n
          from predictions where latency_ms > 0 group by 1, 2, 3
        ) x group by 1, 2
      ) b on b.model_version_id = s.model_version_id and b.period_start = s.period_start
    `.execute(db);
  }
}

export async function down(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema.dropTable('prediction_rollups').execute();
  const drop = db.schema.dropIndex('predictions_version_key_idx');
  await (backend.capabilities.tableScopedIndexNames ? drop.on('predictions') : drop).execute();
  await db.schema.alterTable('predictions').dropColumn('prediction_key').execute();
}
