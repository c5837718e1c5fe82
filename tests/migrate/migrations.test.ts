/**
 * Schema migrations on every backend: a fresh database migrates on open, `migrate: false` refuses an
 * outdated schema with the command to run, the DDL a DBA would apply by hand works, down/up round
 * trips, metric rollups are filled in for metrics stored before they existed, and a schema newer
 * than this aimdb is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Kysely, sql } from 'kysely';
import {
  LATEST_SCHEMA_VERSION,
  SchemaOutdatedError,
  createAiDatabase,
  migrationSql,
  schemaStatus,
  toConnectionSpec,
  type AiDatabase,
} from '../../src/index.js';
import { createBackend } from '../../src/store/index.js';
import { migrateDown, migrateToLatest, MIGRATION_TABLE } from '../../src/migrate/migrator.js';
import type { Backend } from '../../src/store/backends/backend.js';
import * as artifactsMigration from '../../src/migrate/migrations/0005-artifacts.js';
import * as predictionRollupsMigration from '../../src/migrate/migrations/0007-prediction-rollups.js';
import * as lifecycleMigration from '../../src/migrate/migrations/0008-lifecycle.js';
import * as interningMigration from '../../src/migrate/migrations/0011-metric-name-interning.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';

/** Every migration, oldest first. */
const MIGRATION_NAMES = ['0001-initial', '0002-metric-rollups', '0003-query-language', '0004-lifecycle-aliases-step-values', '0005-artifacts', '0006-metric-batch-receipts', '0007-prediction-rollups', '0008-lifecycle', '0010-run-inputs', '0011-metric-name-interning', '0013-search-sort-index'];

const TABLES = [
  'models',
  'model_versions',
  'datasets',
  'training_runs',
  'hyperparameters',
  'metric_keys',
  'metrics',
  'metric_summaries',
  'metric_rollups',
  'metric_batch_receipts',
  'experiments',
  'experiment_runs',
  'run_inputs',
  'predictions',
  'prediction_rollups',
];

function backendFor(url: string): Backend {
  const spec = toConnectionSpec({ url });
  if (spec.backend === 'http') throw new Error('not a SQL url');
  return createBackend(spec);
}

async function tableNames(db: Kysely<any>): Promise<string[]> {
  return (await db.introspection.getTables()).map((table) => table.name).sort();
}

// Each test runs every migration up or down at least once: dozens of DDL statements, which MariaDB
// commits one by one (about a second each on a loaded machine), so the default minute is too short.
describe.each(testBackends())('$name: migrations', { timeout: 240_000 }, (testBackend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh, empty database and a raw Kysely handle on it (for SQLite in memory, the handle IS the database). */
  async function emptyDatabase(): Promise<{ provisioned: ProvisionedDatabase; backend: Backend; raw: Kysely<any> }> {
    const provisioned = await testBackend.provision();
    const backend = backendFor(provisioned.url);
    const raw = new Kysely<any>({ dialect: backend.dialect });
    cleanups.push(async () => {
      await raw.destroy();
      await provisioned.drop();
    });
    return { provisioned, backend, raw };
  }

  async function open(url: string, options: { migrate?: boolean } = {}): Promise<AiDatabase> {
    const db = await createAiDatabase({ url, ...options });
    cleanups.push(() => db.close());
    return db;
  }

  it('creates every table on first open and reports the latest schema version', async () => {
    if (testBackend.name === 'sqlite-memory') {
      // Each open of :memory: is a new database; check it through the store alone.
      const db = await open('sqlite::memory:');
      expect((await db.health()).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      return;
    }
    const { provisioned, raw } = await emptyDatabase();
    expect(await tableNames(raw)).toEqual([]);
    const db = await open(provisioned.url);
    const health = await db.health();
    expect(health).toMatchObject({ schemaVersion: LATEST_SCHEMA_VERSION, latestSchemaVersion: LATEST_SCHEMA_VERSION });
    expect(health.backend).toBe(testBackend.family);
    expect(health.serverVersion.length).toBeGreaterThan(0);
    expect(await tableNames(raw)).toEqual(expect.arrayContaining(TABLES));
    const status = await schemaStatus(raw);
    expect(status).toEqual({ current: LATEST_SCHEMA_VERSION, latest: LATEST_SCHEMA_VERSION, applied: MIGRATION_NAMES, pending: [] });
    // Opening again is a no-op, not a second migration.
    await open(provisioned.url);
    expect((await schemaStatus(raw)).applied).toEqual(MIGRATION_NAMES);
  });

  it('with migrate: false refuses an empty database, naming `aimdb migrate up`, and creates nothing', async () => {
    const { provisioned, raw } = await emptyDatabase();
    const failure = createAiDatabase({ url: provisioned.url, migrate: false });
    await expect(failure).rejects.toBeInstanceOf(SchemaOutdatedError);
    await expect(failure).rejects.toThrow(/aimdb migrate up/);
    if (testBackend.name !== 'sqlite-memory') expect(await tableNames(raw)).toEqual([]);
  });

  it('the DDL from migrationSql, applied by hand, gives a schema that opens with migrate: false', async () => {
    const { provisioned, backend, raw } = await emptyDatabase();
    const statements = await migrationSql(backend);
    const ddl = statements.filter((statement) => !statement.startsWith('--'));
    expect(statements).toContain(`-- migration ${LATEST_SCHEMA_VERSION}`);
    expect(ddl.filter((statement) => /^create table/i.test(statement)).length).toBeGreaterThanOrEqual(TABLES.length);
    const all = ddl.join(';\n');
    if (testBackend.family === 'postgresql') expect(all).toMatch(/jsonb/);
    if (testBackend.family === 'mysql') {
      expect(all).toMatch(/`models`/);
      expect(all).toMatch(/utf8mb4/);
    }
    if (testBackend.family === 'sqlite') expect(all).not.toMatch(/jsonb|utf8mb4/);
    if (testBackend.name === 'sqlite-memory') return; // a by-hand schema cannot outlive its connection

    for (const statement of ddl) await sql.raw(statement).execute(raw);
    const db = await open(provisioned.url, { migrate: false });
    const model = await db.createModel({ name: 'by-hand' });
    expect((await db.createModelVersion({ modelId: model.id })).version).toBe(1);
    expect((await db.health()).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('migrates down to nothing and up again', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    await migrateToLatest(raw, backend);
    for (const _migration of MIGRATION_NAMES) await migrateDown(raw, backend);
    const remaining = await tableNames(raw);
    for (const table of TABLES) expect(remaining).not.toContain(table);
    expect((await schemaStatus(raw)).pending).toEqual(MIGRATION_NAMES);
    await expect(createAiDatabase({ url: provisioned.url, migrate: false })).rejects.toBeInstanceOf(SchemaOutdatedError);
    const db = await open(provisioned.url);
    expect((await db.createModel({ name: 'again' })).id).toBeGreaterThan(0);
  });

  it('applies migrations numbered below ones already applied, as for a database from between merges (decision 0133)', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    await migrateToLatest(raw, backend);
    const late = [
      ['0008-lifecycle', lifecycleMigration],
      ['0007-prediction-rollups', predictionRollupsMigration],
      ['0005-artifacts', artifactsMigration],
    ] as const;
    for (const [name, migration] of late) {
      await migration.down(raw, backend);
      await raw.deleteFrom(MIGRATION_TABLE).where('name', '=', name).execute();
    }
    expect((await schemaStatus(raw)).pending).toEqual(['0005-artifacts', '0007-prediction-rollups', '0008-lifecycle']);
    expect(await tableNames(raw)).not.toContain('registry_events');
    const db = await open(provisioned.url);
    expect((await schemaStatus(raw)).pending).toEqual([]);
    expect(await tableNames(raw)).toEqual(expect.arrayContaining(['run_artifacts', 'prediction_rollups', 'registry_events', 'run_inputs']));
    const run = await db.createTrainingRun({ name: 'after the late migrations' });
    expect((await db.heartbeat(run.id)).id).toBe(run.id);
  });

  it('fills in metric rollups for metrics stored under schema 0001, equal to the ones kept on write', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    const db = await open(provisioned.url);
    const run = await db.createTrainingRun();
    const other = await db.createTrainingRun();
    // Appends across block edges, a gap, rewrites, omitted steps and non-finite values.
    await db.logMetrics(run.id, Array.from({ length: 1500 }, (_unused, step) => ({ name: 'loss', step, value: Math.sin(step) })));
    await db.logMetrics(run.id, Array.from({ length: 300 }, (_unused, index) => ({ name: 'loss', step: 5000 + index * 2, value: index })));
    await db.logMetrics(run.id, [
      { name: 'loss', step: 127, value: Number.NaN },
      { name: 'loss', step: 700, value: Number.POSITIVE_INFINITY },
      { name: 'loss', step: 5598, value: Number.NEGATIVE_INFINITY },
    ]);
    await db.logMetrics(run.id, Array.from({ length: 70 }, (_unused, index) => ({ name: 'acc', value: index / 70 })));
    await db.logMetrics(other.id, [{ name: 'loss', step: 3, value: 1 }]);
    // With their series' names: the keys are made again, in another order, when the migrations run again.
    const rollups = async () =>
      (
        await raw
          .selectFrom('metric_rollups as r')
          .innerJoin('metric_keys as k', 'k.id', 'r.key_id')
          .selectAll('r')
          .select('k.name')
          .orderBy('r.run_id')
          .orderBy('k.name')
          .orderBy('r.block')
          .execute()
      ).map(({ key_id: _keyId, ...row }) => row);
    const keptOnWrite = await rollups();
    expect(keptOnWrite.length).toBeGreaterThan(30);

    // Back to schema 0001 (the points stay, the rollups go), then up again: the migration rebuilds them.
    for (let step = 0; step < MIGRATION_NAMES.length && (await schemaStatus(raw)).current !== '0001-initial'; step++) {
      await migrateDown(raw, backend);
    }
    expect(await tableNames(raw)).not.toContain('metric_rollups');
    expect((await schemaStatus(raw)).current).toBe('0001-initial');
    await migrateToLatest(raw, backend);
    expect(await rollups()).toEqual(keptOnWrite);

    // The rollups go with their run.
    await db.deleteTrainingRun(run.id);
    expect((await rollups()).map((row) => Number(row.run_id))).toEqual([other.id]);
  });

  it('interns the metric names of data stored under schema 0010, range by range, and reads back the same series (decision 1304)', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    const db = await open(provisioned.url);
    const runs: Array<{ id: number }> = [];
    for (let index = 0; index < 5; index++) runs.push(await db.createTrainingRun({ name: `r${index}` }));
    // Four runs with two series each (one name shared by all, one by every other run), one run without any.
    for (const [index, run] of runs.entries()) {
      if (index === 2) continue;
      await db.logMetrics(run.id, Array.from({ length: 150 }, (_unused, step) => ({ name: 'loss', step, value: Math.cos(step + index) })));
      await db.logMetrics(
        run.id,
        Array.from({ length: 80 }, (_unused, step) => ({ name: `val/acc_${index % 2}`, step: step * 3, value: step === 7 ? Number.NaN : step / 80 })),
      );
    }
    await db.logMetrics(runs[0]!.id, [{ name: 'loss', step: 5, value: 42, timestamp: 1 }], { sameStep: 'keep' });
    const ids = runs.map((run) => run.id);
    const read = async () => ({
      points: await Promise.all(ids.map((id) => db.getMetrics(id, { allValues: true }))),
      limited: await db.getMetrics(ids[1]!, { limit: 160 }),
      summaries: await db.getMetricSummaries(ids),
      latest: await db.getLatestMetrics(ids, { names: ['val/acc_1', 'loss'] }),
      buckets: await db.getMetricBucketsBulk({ runIds: ids, namePrefix: 'val/', buckets: 5 }),
      search: (await db.searchRuns('metrics.loss < 0.9', { orderBy: 'metrics.loss' })).items.map((run) => run.id),
    });
    const before = await read();
    expect(before.points[0]).toHaveLength(231);
    expect(before.search.length).toBeGreaterThan(1);

    // Back to schema 0010 (a name in every row, no keys), then up again in ranges of about 200
    // points: every run with metrics ends a range of its own.
    await interningMigration.down(raw, backend, { rangePoints: 200 });
    await raw.deleteFrom(MIGRATION_TABLE).where('name', '=', '0011-metric-name-interning').execute();
    expect(await tableNames(raw)).not.toContain('metric_keys');
    const stored = await raw.selectFrom('metric_rollups').select('name').distinct().orderBy('name').execute();
    expect(stored.map((row) => row.name)).toEqual(['loss', 'val/acc_0', 'val/acc_1']);
    await interningMigration.up(raw, backend, { rangePoints: 200 });
    await raw.insertInto(MIGRATION_TABLE).values({ name: '0011-metric-name-interning', timestamp: new Date().toISOString() }).execute();

    expect(await raw.selectFrom('metric_keys').select(['run_id', 'name']).orderBy('run_id').orderBy('name').execute()).toHaveLength(8);
    expect(await read()).toEqual(before);
    // Writes after the migration extend the same series, by the short path and the general one.
    await db.logMetric(ids[0]!, 'loss', 0.25);
    await db.logMetrics(ids[0]!, [{ name: 'loss', value: 0.125 }, { name: 'new', value: 1 }]);
    const loss = await db.getMetrics(ids[0]!, { name: 'loss', minStep: 149 });
    expect(loss.map((point) => [point.step, point.value])).toEqual([
      [149, Math.cos(149)],
      [150, 0.25],
      [151, 0.125],
    ]);
    expect((await db.getMetricSummaries(ids[0]!)).map((summary) => summary.name)).toEqual(['loss', 'new', 'val/acc_0']);
  });

  it('fills in prediction rollups for predictions stored under schema 0006, giving the statistics kept on write', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    const db = await open(provisioned.url);
    const model = await db.createModel({ name: 'served' });
    const a = await db.createModelVersion({ modelId: model.id });
    const b = await db.createModelVersion({ modelId: model.id });
    const t0 = Date.UTC(2026, 0, 1, 23, 0, 0);
    // Two versions over three days, latencies from zero to a long tail, labels right and wrong, errors.
    await db.logPredictions(
      Array.from({ length: 3000 }, (_unused, index) => ({
        modelVersionId: index % 3 === 0 ? b.id : a.id,
        input: index,
        output: { label: index % 4 },
        groundTruth: index % 5 === 0 ? { label: index % 8 } : null,
        latencyMs: index % 97 === 0 ? 0 : index % 11 === 0 ? null : 1 + ((index * 7919) % 1000) ** 1.7 / 10,
        confidence: index % 13 === 0 ? null : (index % 100) / 99,
        timestamp: new Date(t0 + index * 80_000),
        metadata: index % 17 === 0 ? { error: 'oom' } : index % 19 === 0 ? { error: null } : {},
      })),
    );
    const stats = async () =>
      Promise.all(
        (['minute', 'hour', 'day'] as const).map((bucket) =>
          db.getPredictionStats({ modelVersionIds: [a.id, b.id], since: new Date(t0 - 86_400_000), until: new Date(t0 + 3 * 86_400_000), bucket }),
        ),
      );
    // Sums may add in another order in SQL: means compare to 12 significant digits.
    const rounded = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value), (_key, item: unknown) => (typeof item === 'number' && !Number.isInteger(item) ? Number(item.toPrecision(12)) : item));
    const keptOnWrite = rounded(await stats());
    const totals = (keptOnWrite as Array<{ series: Array<{ total: { count: number; errorCount: number; labelled: number } }> }>)[0]!.series;
    expect(totals.map((series) => series.total.count)).toEqual([2000, 1000]);
    expect(totals[0]!.total.errorCount + totals[1]!.total.errorCount).toBe(177);

    for (let step = 0; step < MIGRATION_NAMES.length && (await schemaStatus(raw)).current !== '0006-metric-batch-receipts'; step++) {
      await migrateDown(raw, backend);
    }
    expect(await tableNames(raw)).not.toContain('prediction_rollups');
    await migrateToLatest(raw, backend);
    expect(rounded(await stats())).toEqual(keptOnWrite);

    // The rollups go with their version.
    await db.deleteModelVersion(b.id);
    const left = await raw.selectFrom('prediction_rollups').select('model_version_id').distinct().execute();
    expect(left.map((row) => Number(row.model_version_id))).toEqual([a.id]);
  });

  it('fills in typed hyperparameter columns, version tags and search documents for data stored under schema 0002', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    const db = await open(provisioned.url);
    const model = await db.createModel({ name: 'backfilled', description: 'Vision Transformer for CAD', tags: { team: 'Vision' } });
    const version = await db.createModelVersion({ modelId: model.id });
    await db.createExperiment({ name: 'sweep-a', description: 'Learning-rate sweep' });
    await db.createDataset({ name: 'cad-10k', version: '1.0', description: 'Drawings' });
    const runs: Array<{ id: number }> = [];
    for (let index = 0; index < 3; index++) {
      const run = await db.createTrainingRun({ name: `r${index}`, notes: `Baseline number ${index}`, tags: { seed: `S${index}` } });
      await db.logHyperparameters(run.id, { lr: [0.1, '0.0001', 'adam'][index]!, nested: { depth: index }, flag: index === 0 });
      runs.push(run);
    }
    const typed = () =>
      raw.selectFrom('hyperparameters').select(['run_id', 'name', 'value_number', 'value_text']).orderBy('run_id').orderBy('name').execute();
    const writtenByTheStore = await typed();
    const documents = () =>
      raw.selectFrom('search_documents').select(['entity', 'entity_id', 'title', 'body']).orderBy('entity').orderBy('entity_id').execute();
    const documentsByTheStore = await documents();
    expect(documentsByTheStore).toHaveLength(6);
    expect(writtenByTheStore.find((row) => Number(row.run_id) === runs[1]!.id && row.name === 'lr')).toMatchObject({ value_number: 0.0001, value_text: '0.0001' });

    // Down to schema 0002, past whatever came after 0003.
    for (let step = 0; step < MIGRATION_NAMES.length && (await schemaStatus(raw)).current !== '0002-metric-rollups'; step++) {
      await migrateDown(raw, backend);
    }
    expect((await schemaStatus(raw)).current).toBe('0002-metric-rollups');
    // Schema 0001 kept value_number for JSON numbers only.
    await raw.updateTable('hyperparameters').set({ value_number: null }).where('value', '=', '"0.0001"').execute();
    await migrateToLatest(raw, backend);
    expect(await typed()).toEqual(writtenByTheStore);
    // The migration's frozen fill writes what the store writes on every change.
    expect(await documents()).toEqual(documentsByTheStore);
    expect((await db.searchText('baseline vision')).length).toBe(0);
    expect((await db.searchText('s1 baseline')).map((hit) => hit.id)).toEqual([runs[1]!.id]);
    expect((await db.getModelVersion(version.id)).tags).toEqual({});
    await db.setModelVersionTag(version.id, 'stage', 'prod');
    expect((await db.searchRuns('params.lr < 0.01', { orderBy: 'params.lr' })).items.map((run) => run.id)).toEqual([runs[1]!.id]);
    expect((await db.searchRuns("params.lr = 'adam' or params.flag = 'true'")).items.map((run) => run.id)).toEqual([runs[2]!.id, runs[0]!.id]);
  });

  it('refuses a database whose schema is newer than this aimdb', async () => {
    if (testBackend.name === 'sqlite-memory') return;
    const { provisioned, backend, raw } = await emptyDatabase();
    await migrateToLatest(raw, backend);
    await raw.insertInto(MIGRATION_TABLE).values({ name: '9999-from-the-future', timestamp: new Date().toISOString() }).execute();
    for (const migrate of [true, false]) {
      const failure = createAiDatabase({ url: provisioned.url, migrate });
      await expect(failure).rejects.toBeInstanceOf(SchemaOutdatedError);
      await expect(failure).rejects.toThrow(/9999-from-the-future.*upgrade aimdb/);
    }
  });
});
