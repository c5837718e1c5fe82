/** `aimdb predictions list|show|stats|export`: the inference log, its statistics and its export. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { findModelVersion, idOrName, parseId } from '../lookup.js';
import { formatJson, sparkline, type Output } from '../output.js';
import type { AiDatabase } from '../../store/index.js';
import type { PredictionStats } from '../../core/entities.js';
import { PREDICTION_EXPORT_COLUMNS } from '../../core/prediction-export.js';

interface StatsOptions {
  model?: string;
  modelVersion?: string[];
  since?: string;
  until?: string;
  bucket?: string;
  buckets?: string;
  accuracyField?: string;
}

interface ExportOptions {
  model?: string;
  modelVersion?: string;
  since?: string;
  until?: string;
  format: string;
}

const milliseconds = (value: number | null): string => (value === null ? '–' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toPrecision(2));
const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);

/** Human output of statistics: the window and bucket, sparklines, then one line per bucket. */
function printStats(output: Output, stats: PredictionStats, label: (versionId: number | null) => string): void {
  output.heading(`Predictions ${stats.since.toISOString()} → ${stats.until.toISOString()}, per ${stats.bucket} (quantiles within ${stats.quantileError * 100} %)`);
  for (const series of stats.series) {
    output.line();
    output.line(output.bold(label(series.modelVersionId)));
    const { total } = series;
    output.fields([
      ['predictions', total.count],
      ['errors', total.errorCount],
      ['latency p50 / p95 / p99 / max ms', `${milliseconds(total.latency.p50)} / ${milliseconds(total.latency.p95)} / ${milliseconds(total.latency.p99)} / ${milliseconds(total.latency.max)}`],
      ['confidence mean', total.confidence.mean === null ? null : total.confidence.mean.toFixed(3)],
      ['accuracy', total.labelled === 0 ? 'no ground truth yet' : `${percent(total.accuracy)} of ${total.labelled} labelled`],
    ]);
    if (series.buckets.length === 0) continue;
    // Every bucket of the window in the charts, empty ones as zero (count) or a gap (latency).
    const byStart = new Map(series.buckets.map((bucket) => [bucket.start.getTime(), bucket]));
    const starts: number[] = [];
    for (let start = stats.since.getTime(); start < stats.until.getTime(); start += stats.bucketMs) starts.push(start);
    const width = Math.min(60, starts.length);
    output.line(`${output.dim('count'.padEnd(6))} ${sparkline(starts.map((start) => byStart.get(start)?.count ?? 0), width)}`);
    output.line(`${output.dim('p99'.padEnd(6))} ${sparkline(starts.map((start) => byStart.get(start)?.latency.p99 ?? Number.NaN), width)}`);
    output.table(
      ['BUCKET START', 'COUNT', 'ERRORS', 'P50 MS', 'P95 MS', 'P99 MS', 'MAX MS', 'CONF', 'ACCURACY'],
      series.buckets.map((bucket) => [
        bucket.start.toISOString().replace(':00.000Z', 'Z'),
        bucket.count,
        bucket.errorCount,
        milliseconds(bucket.latency.p50),
        milliseconds(bucket.latency.p95),
        milliseconds(bucket.latency.p99),
        milliseconds(bucket.latency.max),
        bucket.confidence.mean === null ? '–' : bucket.confidence.mean.toFixed(3),
        bucket.labelled === 0 ? '–' : percent(bucket.accuracy),
      ]),
      { alignRight: [1, 2, 3, 4, 5, 6, 7, 8] },
    );
  }
}

/** Model versions of `--model` (all of them) or `--model-version` (each given). */
async function versionsOf(db: AiDatabase, options: { model?: string; modelVersion?: string | string[] }): Promise<number[] | undefined> {
  const refs = options.modelVersion === undefined ? [] : Array.isArray(options.modelVersion) ? options.modelVersion : [options.modelVersion];
  if (refs.length > 0) return Promise.all(refs.map(async (ref) => (await findModelVersion(db, ref)).id));
  if (options.model !== undefined) return (await db.getModelVersions(idOrName(options.model))).map((version) => version.id);
  return undefined;
}

interface ListOptions extends PageOptions {
  modelVersion?: string;
  since?: string;
  until?: string;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A time: ISO 8601, or a duration before now such as `30m`, `24h`, `7d`, `2w`. */
export function parseTime(value: string, option: string, now = Date.now()): Date {
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (relative !== null) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(`${option}: expected a duration before now such as 24h or 7d, or an ISO date or time such as 2026-01-31T12:00:00Z, got '${value}'`, {
      exitCode: EXIT_CODES.usage,
    });
  }
  return date;
}

export function register(program: Command, context: CliContext): void {
  const predictions = program.command('predictions').description('list and inspect logged predictions');

  addPageOptions(
    databaseCommand(predictions, 'list')
      .description('predictions, newest first')
      .option('--model-version <ref>', 'only this model version: an id, or MODEL@NUMBER such as VisionTransformer-CAD@1')
      .option('--since <time>', 'only at or after this time (ISO 8601)')
      .option('--until <time>', 'only before this time (ISO 8601)'),
  ).action(async (options: ListOptions, command: Command) => {
    const output = context.output(command);
    const since = options.since === undefined ? undefined : parseTime(options.since, '--since');
    const until = options.until === undefined ? undefined : parseTime(options.until, '--until');
    await context.withDatabase(command, async (db) => {
      const modelVersionId = options.modelVersion === undefined ? undefined : (await findModelVersion(db, options.modelVersion)).id;
      const page = await db.getPredictions({
        ...pageQuery(options),
        ...(modelVersionId === undefined ? {} : { modelVersionId }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      printPage(output, page, (items) =>
        output.table(
          ['ID', 'VERSION', 'CONFIDENCE', 'LATENCY MS', 'INPUT', 'OUTPUT', 'TIME'],
          items.map((prediction) => [prediction.id, prediction.modelVersionId, prediction.confidence, prediction.latencyMs, formatJson(prediction.input, 36), formatJson(prediction.output, 36), prediction.timestamp]),
          { alignRight: [0, 1, 2, 3] },
        ),
        'no predictions yet',
      );
    });
  });

  databaseCommand(predictions, 'show')
    .description('one prediction with its full input, output and ground truth')
    .argument('<id>', 'prediction id')
    .action(async (ref: string, _options: object, command: Command) => {
      const output = context.output(command);
      const id = parseId(ref, 'prediction');
      await context.withDatabase(command, async (db) => {
        const prediction = await db.getPrediction(id);
        if (output.json) {
          output.printJson(prediction);
          return;
        }
        output.heading(`Prediction #${prediction.id}`);
        output.fields([
          ['model version', prediction.modelVersionId],
          ['time', prediction.timestamp],
          ['confidence', prediction.confidence],
          ['latency ms', prediction.latencyMs],
          ['input', formatJson(prediction.input, 2000)],
          ['output', formatJson(prediction.output, 2000)],
          ['ground truth', prediction.groundTruth === null ? null : formatJson(prediction.groundTruth, 2000)],
          ['metadata', formatJson(prediction.metadata, 2000)],
        ]);
      });
    });

  databaseCommand(predictions, 'stats')
    .description('latency percentiles, volume, errors, confidence and accuracy per time bucket, computed by the server')
    .option('--model <name|id>', 'every version of this model, merged')
    .option('--model-version <ref...>', 'these versions side by side (an id, or MODEL@NUMBER)')
    .option('--since <time>', 'window start: a duration before now (24h, 7d) or ISO 8601', '24h')
    .option('--until <time>', 'window end (default: now)')
    .option('--bucket <size>', 'minute, hour or day')
    .option('--buckets <n>', 'about this many buckets over the window (default 24)')
    .option('--accuracy-field <path>', 'accuracy compares this field of output and ground truth, e.g. label')
    .action(async (options: StatsOptions, command: Command) => {
      const output = context.output(command);
      const now = Date.now();
      const since = parseTime(options.since ?? '24h', '--since', now);
      const until = options.until === undefined ? new Date(now) : parseTime(options.until, '--until', now);
      if (options.bucket !== undefined && !['minute', 'hour', 'day'].includes(options.bucket)) {
        throw new CliError(`--bucket: expected minute, hour or day, got '${options.bucket}'`, { exitCode: EXIT_CODES.usage });
      }
      const buckets = options.buckets === undefined ? undefined : Number(options.buckets);
      if (buckets !== undefined && (!Number.isInteger(buckets) || buckets < 1)) {
        throw new CliError(`--buckets: expected a positive whole number, got '${options.buckets}'`, { exitCode: EXIT_CODES.usage });
      }
      await context.withDatabase(command, async (db) => {
        const versions = await versionsOf(db, options);
        const perVersion = options.modelVersion !== undefined && options.modelVersion.length > 0;
        if (options.model !== undefined && !perVersion && versions!.length === 0) throw new CliError(`model '${options.model}' has no versions`, { exitCode: EXIT_CODES.notFound });
        const stats = await db.getPredictionStats({
          ...(perVersion ? { modelVersionIds: versions! } : options.model !== undefined ? { modelId: (await db.getModel(idOrName(options.model))).id } : {}),
          since,
          until,
          ...(options.bucket !== undefined ? { bucket: options.bucket as 'minute' | 'hour' | 'day' } : { buckets: buckets ?? 24 }),
          ...(options.accuracyField !== undefined ? { accuracyField: options.accuracyField } : {}),
        });
        if (output.json) {
          output.printJson(stats);
          return;
        }
        printStats(output, stats, (versionId) =>
          versionId !== null ? `model version #${versionId}` : options.model !== undefined ? `model ${options.model} (all versions)` : 'all models',
        );
      });
    });

  databaseCommand(predictions, 'export')
    .description('predictions as CSV or NDJSON on stdout, streamed page by page (newest first)')
    .option('--model <name|id>', 'only the versions of this model')
    .option('--model-version <ref>', 'only this model version')
    .option('--since <time>', 'only at or after this time: a duration before now (24h) or ISO 8601')
    .option('--until <time>', 'only before this time')
    .option('--format <format>', 'csv or ndjson', 'ndjson')
    .action(async (options: ExportOptions, command: Command) => {
      const output = context.output(command);
      if (options.format !== 'csv' && options.format !== 'ndjson') {
        throw new CliError(`--format: expected csv or ndjson, got '${options.format}'`, { exitCode: EXIT_CODES.usage });
      }
      const now = Date.now();
      const since = options.since === undefined ? undefined : parseTime(options.since, '--since', now);
      const until = options.until === undefined ? undefined : parseTime(options.until, '--until', now);
      await context.withDatabase(command, async (db) => {
        const versions = await versionsOf(db, options);
        // A model without versions has nothing to export (an empty list would mean every version).
        if (versions !== undefined && versions.length === 0) {
          if (options.format === 'csv') await output.write(`${PREDICTION_EXPORT_COLUMNS.join(',')}\n`);
          return;
        }
        // Through a server this is one streamed request; embedded, the store pages through the predictions.
        for await (const text of db.exportPredictions({
          format: options.format as 'csv' | 'ndjson',
          ...(versions === undefined ? {} : { modelVersionIds: versions }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
        })) {
          await output.write(text);
        }
      });
    });
}
