/**
 * exportDatabase / importDatabase on every backend: a full round trip through an archive, partial
 * archives (--tables, --since), and damaged archives that must change nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError } from '../../src/index.js';
import { TABLE_NAMES } from '../../src/store/sql/tables.js';
import { ARCHIVE_FORMAT_VERSION, exportDatabase, importDatabase } from '../../src/transfer/index.js';
import { TableChecksum } from '../../src/transfer/row-values.js';
import { tableSpec, type TableName } from '../../src/transfer/table-specs.js';
import { seedSampleData, snapshot } from './sample-data.js';
import { backendPairs, locationOf, type OpenedTestDatabase, useTestDatabases } from './transfer-fixtures.js';

vi.setConfig({ testTimeout: 180_000 });

const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-archive-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let fileNumber = 0;
const archivePath = () => path.join(folder, `archive-${(fileNumber += 1)}.aimdb`);

function archiveLines(file: string): string[] {
  return gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
}

async function rowCount(database: OpenedTestDatabase, table: 'models' | 'predictions' | 'metrics'): Promise<number> {
  const row = await database.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(backendPairs())('archive %s', (_label, sourceBackend, targetBackend) => {
  const open = useTestDatabases();

  it('exports everything and imports it elsewhere with every value intact', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    const file = archivePath();

    const exported = await exportDatabase(locationOf(source), file);
    expect(exported.tables.find((table) => table.table === 'metrics')?.rows).toBe(427);
    const lines = archiveLines(file);
    const manifest = JSON.parse(lines[0]!);
    expect(manifest).toMatchObject({ format: 'aimdb-archive', formatVersion: ARCHIVE_FORMAT_VERSION, since: null });
    expect(manifest.tables).toEqual([...TABLE_NAMES]);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ end: 'archive', tables: TABLE_NAMES.length });
    // Metric rows travel with their series' names, as before names were interned (decision 1304).
    const columnsOf = (table: string) => JSON.parse(lines.find((line) => line.startsWith(`{"table":"${table}"`))!).columns;
    expect(columnsOf('metrics')).toEqual(['run_id', 'name', 'step', 'value', 'value_kind', 'epoch', 'logged_at']);
    expect(columnsOf('metric_rollups').slice(0, 3)).toEqual(['run_id', 'name', 'block']);

    const imported = await importDatabase(file, locationOf(target));
    expect(imported.verification?.ok).toBe(true);
    expect(await snapshot(target.db)).toEqual(await snapshot(source.db));
    // Id counters follow the imported ids.
    const highest = Math.max(...(await snapshot(source.db)).models.map((model) => model.id));
    expect((await target.db.createModel({ name: 'after import' })).id).toBeGreaterThan(highest);

    // Importing into a database that already holds data needs --append.
    await expect(importDatabase(file, locationOf(target))).rejects.toThrow(ConflictError);
  });

  it('imports an archive written before metric names were interned (schema 0010), making keys and rollups', async () => {
    const target = await open(targetBackend);
    const file = archivePath();
    // Written as aimdb 0010 wrote it: the name in every metric row, no metric_keys, no rollups.
    const tables: Array<[TableName, Array<Record<string, unknown>>]> = [
      ['training_runs', [1, 2].map((id) => ({ id, name: `old-${id}`, status: 'completed', config: '{}', tags: '{}', created_at: 1000, updated_at: 2000 }))],
      [
        'metrics',
        [1, 2].flatMap((run) =>
          ['loss', 'val/acc'].flatMap((name) =>
            Array.from({ length: 100 }, (_unused, step) => ({ run_id: run, name, step, value: run + step / 100, value_kind: 0, epoch: null, logged_at: 1000 + step })),
          ),
        ),
      ],
      [
        'metric_summaries',
        [1, 2].flatMap((run) =>
          ['loss', 'val/acc'].map((name) => ({
            run_id: run, name, last_value: run + 0.99, last_kind: 0, last_step: 99, last_logged_at: 1099, min_value: run, max_value: run + 0.99, count: 100,
          })),
        ),
      ],
    ];
    const lines = [
      JSON.stringify({ format: 'aimdb-archive', formatVersion: 2, schemaVersion: '0010-run-inputs', createdAt: '2026-11-26T00:00:00.000Z', sourceBackend: 'sqlite', tables: tables.map(([name]) => name), since: null }),
    ];
    for (const [name, rows] of tables) {
      const columns = tableSpec(name).columns.map((column) => column.name);
      const checksum = new TableChecksum(tableSpec(name));
      lines.push(JSON.stringify({ table: name, columns }));
      for (const row of rows) {
        const values = columns.map((column) => (row[column] ?? null) as string | number | null);
        checksum.add(values);
        lines.push(JSON.stringify(values));
      }
      lines.push(JSON.stringify({ end: name, rows: checksum.rows, checksum: checksum.hex }));
    }
    lines.push(JSON.stringify({ end: 'archive', tables: tables.length }));
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));

    const imported = await importDatabase(file, locationOf(target));
    expect(imported.verification?.ok).toBe(true);
    const accuracy = await target.db.getMetrics(2, { name: 'val/acc', minStep: 98 });
    expect(accuracy.map((point) => [point.step, point.value])).toEqual([[98, 2.98], [99, 2.99]]);
    expect((await target.db.getMetricSummaries([1, 2])).map((summary) => `${summary.runId}:${summary.name}:${summary.count}`)).toEqual([
      '1:loss:100', '1:val/acc:100', '2:loss:100', '2:val/acc:100',
    ]);
    // Rollups were built for the imported points (long-range charts read them): 2 runs × 2 series × 2 blocks.
    const rollups = await target.db.kysely.selectFrom('metric_rollups').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rollups.n)).toBe(8);
    // New points extend the imported series.
    expect((await target.db.getMetricBuckets(1, 'loss', { buckets: 2 })).map((bucket) => bucket.count)).toEqual([50, 50]);
    await target.db.logMetric(1, 'loss', 5);
    expect((await target.db.getLatestMetrics([1], { names: ['loss'] }))[0]).toMatchObject({ step: 100, value: 5 });
  });

  it('exports chosen tables and rows since a time, and imports them on top of their parents', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    const parents = archivePath();
    await exportDatabase(locationOf(source), parents, { tables: ['model_versions', 'models', 'datasets', 'training_runs'] });
    expect(JSON.parse(archiveLines(parents)[0]!).tables).toEqual(['models', 'datasets', 'training_runs', 'model_versions']);
    await importDatabase(parents, locationOf(target));
    expect(await rowCount(target, 'predictions')).toBe(0);
    const sourceSnapshot = await snapshot(source.db);
    const targetSnapshot = await snapshot(target.db);
    expect(targetSnapshot.models).toEqual(sourceSnapshot.models);
    expect(targetSnapshot.runs).toEqual(sourceSnapshot.runs);
    expect(targetSnapshot.versions).toEqual(sourceSnapshot.versions);

    // Predictions made at or after the 21st one's time (sample predictions are 37 ms apart).
    const since = sourceSnapshot.predictions.map((prediction) => prediction.timestamp.getTime()).sort((a, b) => a - b)[20]!;
    const recent = archivePath();
    const report = await exportDatabase(locationOf(source), recent, { tables: ['predictions'], since: new Date(since) });
    const expectedPredictions = sourceSnapshot.predictions.filter((prediction) => prediction.timestamp.getTime() >= since);
    expect(report.tables).toEqual([expect.objectContaining({ table: 'predictions', rows: expectedPredictions.length })]);
    expect(expectedPredictions.length).toBeLessThan(sourceSnapshot.predictions.length);

    const imported = await importDatabase(recent, locationOf(target), { append: true });
    expect(imported.verification?.ok).toBe(true);
    const predictions = (await snapshot(target.db)).predictions;
    expect(predictions).toEqual(expectedPredictions);

    await expect(exportDatabase(locationOf(source), archivePath(), { tables: ['models', 'runs'] })).rejects.toThrow(
      /tables: unknown table 'runs'; known tables are models, datasets/,
    );
  });

  it('builds the rollups of imported points whose archive has none, leaving existing series alone', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    // Ids apart from the target's own run: the source's first run is gone before the export.
    await source.db.deleteTrainingRun((await source.db.createTrainingRun({ name: 'deleted' })).id);
    const run = await source.db.createTrainingRun({ name: 'long series' });
    const points = Array.from({ length: 2_000 }, (_, step) => ({ name: 'loss', value: Math.sin(step / 50) + (step === 1_234 ? 9 : 0), step }));
    await source.db.logMetrics(run.id, points);
    // The target already has a run of its own, with rollups kept as it was written.
    const own = await target.db.createTrainingRun({ name: 'own' });
    await target.db.logMetrics(own.id, points.slice(0, 700));
    const ownBuckets = await target.db.getMetricBuckets(own.id, 'loss', { buckets: 2 });

    // As an archive written before schema 0002 (or with --tables) would be: points and summaries, no rollups.
    const file = archivePath();
    await exportDatabase(locationOf(source), file, { tables: ['training_runs', 'metrics', 'metric_summaries'] });
    expect(JSON.parse(archiveLines(file)[0]!).tables).not.toContain('metric_rollups');
    await importDatabase(file, locationOf(target), { append: true });

    // 5 buckets of 400 steps are read from rollups (at least 4 blocks each), so they must be there.
    expect(await target.db.getMetricBuckets(run.id, 'loss', { buckets: 5 })).toEqual(await source.db.getMetricBuckets(run.id, 'loss', { buckets: 5 }));
    expect(await target.db.getMetricBuckets(own.id, 'loss', { buckets: 2 })).toEqual(ownBuckets);
  });

  it('builds the statistics of imported predictions whose archive has no rollups, leaving the target\'s own alone', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    // Ids apart from the target's own rows: the source's first model, version and prediction are gone before the export.
    const gone = await source.db.createModel({ name: 'gone' });
    await source.db.logPrediction({ modelVersionId: (await source.db.createModelVersion({ modelId: gone.id })).id, input: 0, output: 0 });
    await source.db.deleteModel(gone.id);
    const model = await source.db.createModel({ name: 'served' });
    const version = await source.db.createModelVersion({ modelId: model.id });
    const t0 = Date.UTC(2026, 0, 1);
    await source.db.logPredictions(
      Array.from({ length: 500 }, (_, index) => ({
        modelVersionId: version.id,
        input: index,
        output: index % 3,
        groundTruth: index % 4 === 0 ? index % 2 : null,
        latencyMs: index % 50 === 0 ? 0 : 1 + ((index * 37) % 400) / 7,
        confidence: (index % 10) / 9,
        timestamp: new Date(t0 + index * 400_000),
      })),
    );
    const ownModel = await target.db.createModel({ name: 'own' });
    const ownVersion = await target.db.createModelVersion({ modelId: ownModel.id });
    await target.db.logPredictions([{ modelVersionId: ownVersion.id, input: 1, output: 1, latencyMs: 3, timestamp: new Date(t0) }]);
    const window = { since: new Date(t0 - 86_400_000), until: new Date(t0 + 4 * 86_400_000) };
    const ownStats = await target.db.getPredictionStats({ modelVersionId: ownVersion.id, ...window, bucket: 'hour' });

    // As an archive written before schema 0007 (or with --tables) would be: predictions, no rollups.
    const file = archivePath();
    await exportDatabase(locationOf(source), file, { tables: ['models', 'model_versions', 'predictions'] });
    expect(JSON.parse(archiveLines(file)[0]!).tables).not.toContain('prediction_rollups');
    await importDatabase(file, locationOf(target), { append: true });

    for (const bucket of ['minute', 'hour', 'day'] as const) {
      const want = await source.db.getPredictionStats({ modelVersionId: version.id, ...window, bucket });
      const got = await target.db.getPredictionStats({ modelVersionId: version.id, ...window, bucket });
      // Sums may add in another order in SQL.
      expect(JSON.stringify(got, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value))).toBe(
        JSON.stringify(want, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value)),
      );
    }
    expect(await target.db.getPredictionStats({ modelVersionId: ownVersion.id, ...window, bucket: 'hour' })).toEqual(ownStats);
  });

  it('rejects a damaged, cut or foreign archive and changes nothing', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    const file = archivePath();
    await exportDatabase(locationOf(source), file);
    const lines = archiveLines(file);

    // One metric value changed inside the archive, its recorded checksum left as it was.
    const tampered = lines.map((line) => (line.startsWith('[') && line.includes('"loss",123,') ? line.replace(/"loss",123,[^,]+,/, '"loss",123,0.5,') : line));
    expect(tampered).not.toEqual(lines);
    const tamperedFile = archivePath();
    writeFileSync(tamperedFile, gzipSync(`${tampered.join('\n')}\n`));
    await expect(importDatabase(tamperedFile, locationOf(target))).rejects.toThrow(/table metrics is damaged/);

    // Cut short: the last table and the end marker are missing.
    const cutFile = archivePath();
    writeFileSync(cutFile, gzipSync(`${lines.slice(0, -3).join('\n')}\n`));
    await expect(importDatabase(cutFile, locationOf(target))).rejects.toThrow(ValidationError);

    // A newer format this aimdb cannot read, and a file that is not an archive at all.
    const newerFile = archivePath();
    const manifest = { ...JSON.parse(lines[0]!), formatVersion: ARCHIVE_FORMAT_VERSION + 1 };
    writeFileSync(newerFile, gzipSync(`${[JSON.stringify(manifest), ...lines.slice(1)].join('\n')}\n`));
    await expect(importDatabase(newerFile, locationOf(target))).rejects.toThrow(new RegExp(`format version ${ARCHIVE_FORMAT_VERSION + 1} is newer than this aimdb reads`));
    const plainFile = archivePath();
    writeFileSync(plainFile, 'id,name\n1,resnet\n');
    await expect(importDatabase(plainFile, locationOf(target))).rejects.toThrow(/not a gzip-compressed aimdb archive/);
    await expect(importDatabase(path.join(folder, 'no-such-file.aimdb'), locationOf(target))).rejects.toThrow(/file not found/);

    // A value of the wrong type names the column.
    const badValue = lines.map((line, index) => (index === 2 ? line.replace(/^\[\d+,/, '["seven",') : line));
    const badFile = archivePath();
    writeFileSync(badFile, gzipSync(`${badValue.join('\n')}\n`));
    await expect(importDatabase(badFile, locationOf(target))).rejects.toThrow(/archive line 3: models\.id must be an integer/);

    for (const table of ['models', 'predictions', 'metrics'] as const) expect(await rowCount(target, table)).toBe(0);
  });
});
