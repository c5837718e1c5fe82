/**
 * copyDatabase on every backend, each as source and as target: resuming an interrupted copy,
 * verification catching a tampered row, refusing a non-empty target, bad URLs, and --append.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  BackendError,
  ConflictError,
  NotFoundError,
  SchemaOutdatedError,
  ValidationError,
  openSqlDatabase,
} from '../../src/index.js';
import { copyDatabase, VerificationFailedError, verifyDatabases, type TransferProgress } from '../../src/transfer/index.js';

// Seeding, three copies and their verifications per test; generous for slow CI machines.
vi.setConfig({ testTimeout: 180_000 });
import { seedSampleData, snapshot } from './sample-data.js';
import { backendPairs, locationOf, useTestDatabases } from './transfer-fixtures.js';

class Interruption extends Error {}

describe.each(backendPairs())('copy %s', (_label, sourceBackend, targetBackend) => {
  const open = useTestDatabases();

  it('resumes an interrupted copy where it stopped, without duplicates', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    const expected = await snapshot(source.db);
    const metricsTotal = 300 + 7 + 120;

    const interruptAt = (table: string, rows: number) => (event: TransferProgress) => {
      if (event.stage === 'rows' && event.table === table && event.rowsDone >= rows) throw new Interruption(`stopped in ${table}`);
    };
    await expect(
      copyDatabase(locationOf(source), locationOf(target), { batchRows: 50, onProgress: interruptAt('metrics', 100) }),
    ).rejects.toThrow(Interruption);

    // A plain rerun refuses: the target is no longer empty.
    await expect(copyDatabase(locationOf(source), locationOf(target))).rejects.toThrow(ConflictError);

    // Resume, and get interrupted again in a table keyed by id.
    await expect(
      copyDatabase(locationOf(source), locationOf(target), { resume: true, batchRows: 10, onProgress: interruptAt('predictions', 20) }),
    ).rejects.toThrow(Interruption);

    const report = await copyDatabase(locationOf(source), locationOf(target), { resume: true });
    expect(report.verification?.ok).toBe(true);
    const metrics = report.tables.find((table) => table.table === 'metrics')!;
    expect(metrics.rowsKept + metrics.rowsWritten).toBe(metricsTotal);
    expect(metrics.rowsWritten).toBe(0);
    const predictions = report.tables.find((table) => table.table === 'predictions')!;
    expect(predictions.rowsKept).toBeGreaterThanOrEqual(20);
    expect(predictions.rowsKept + predictions.rowsWritten).toBe(41);
    expect(await snapshot(target.db)).toEqual(expected);
  });

  it('verification reports a tampered row, in the copy and on its own', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);

    // Tamper with the target right after a table was copied: the copy must fail its verification.
    const failure = copyDatabase(locationOf(source), locationOf(target), {
      onProgress: async (event) => {
        if (event.stage === 'table-done' && event.table === 'predictions') {
          await target.db.kysely.updateTable('models').set({ description: 'changed behind the copy' }).where('name', '=', 'resnet-50').execute();
        }
      },
    });
    await expect(failure).rejects.toThrow(VerificationFailedError);
    await expect(failure).rejects.toThrow(/verification failed: models has 2 rows as expected but different content/);
    const copyReport = ((await failure.catch((error: unknown) => error)) as VerificationFailedError).report;
    expect(copyReport.tables.filter((table) => !table.ok).map((table) => table.table)).toEqual(['models']);

    // One metric value changed by a rounding-sized amount is caught too.
    await target.db.kysely.updateTable('models').set({ description: 'Residual network — 50 layers' }).where('name', '=', 'resnet-50').execute();
    expect((await verifyDatabases(locationOf(source), locationOf(target))).ok).toBe(true);
    await target.db.kysely
      .updateTable('metrics')
      .set((eb) => ({ value: eb('value', '+', 1e-12) }))
      .where('key_id', 'in', (eb) => eb.selectFrom('metric_keys').select('id').where('name', '=', 'loss'))
      .where('step', '=', 123)
      .execute();
    const report = await verifyDatabases(locationOf(source), locationOf(target));
    expect(report.ok).toBe(false);
    const failed = report.tables.filter((table) => !table.ok);
    expect(failed.map((table) => table.table)).toEqual(['metrics']);
    expect(failed[0]!.actual.rows).toBe(failed[0]!.expected.rows);
  });

  it('refuses a non-empty target and changes nothing', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    await target.db.createModel({ name: 'already here' });
    const before = await snapshot(target.db);

    const failure = copyDatabase(locationOf(source), locationOf(target));
    await expect(failure).rejects.toThrow(ConflictError);
    await expect(failure).rejects.toThrow(/target: already holds data \(models, search_documents\).*--append.*--resume/);
    expect(await snapshot(target.db)).toEqual(before);
  });

  it('fails clearly on a bad source or target URL and changes nothing', async () => {
    const source = await open(sourceBackend);
    await seedSampleData(source.db);
    const sourceBefore = await snapshot(source.db);
    const provisioned = await targetBackend.provision();
    try {
      // Unreachable source: the target is never opened, so it gets no schema.
      const unreachable = copyDatabase('postgresql://postgres@127.0.0.1:1/nowhere', provisioned.url);
      await expect(unreachable).rejects.toThrow(BackendError);
      await expect(unreachable).rejects.toThrow(/^source: .*unreachable/);
      if (provisioned.url !== 'sqlite::memory:') {
        await expect(openSqlDatabase({ url: provisioned.url, migrate: false })).rejects.toThrow(SchemaOutdatedError);
      }

      // A SQLite source file that does not exist is not created by trying.
      const missing = path.join(tmpdir(), `aimdb-missing-${process.pid}`, 'nothing.sqlite');
      await expect(copyDatabase(`sqlite:///${missing}`, provisioned.url)).rejects.toThrow(NotFoundError);
      expect(existsSync(missing)).toBe(false);

      // Malformed, unsupported or unreachable targets; the source is only ever read.
      await expect(copyDatabase(locationOf(source), 'mysql://root@127.0.0.1:3306')).rejects.toThrow(/^target: database: no database name/);
      await expect(copyDatabase(locationOf(source), 'ftp://example.org/db')).rejects.toThrow(ValidationError);
      await expect(copyDatabase(locationOf(source), 'http://127.0.0.1:8765')).rejects.toThrow(/target: .*SQL database URL/);
      await expect(copyDatabase(locationOf(source), 'mysql://root@127.0.0.1:1/nowhere')).rejects.toThrow(/^target: .*unreachable/);
      await expect(copyDatabase(locationOf(source), provisioned.url, { append: true, resume: true })).rejects.toThrow(ValidationError);
      expect(await snapshot(source.db)).toEqual(sourceBefore);
    } finally {
      await provisioned.drop();
    }
  });

  it('appends into a target that holds other rows, and verifies the sum', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    const model = await source.db.createModel({ name: 'from the source', tags: { origin: 'source' } });
    const run = await source.db.createTrainingRun({ name: 'source run', modelId: model.id });
    await source.db.logMetrics(run.id, [{ name: 'loss', step: 0, value: Number.NaN }, { name: 'loss', step: 1, value: 0.5 }]);

    // The target's own rows use other ids (the first ones were deleted).
    const throwaway = await target.db.createModel({ name: 'throwaway' });
    const kept = await target.db.createModel({ name: 'target model' });
    await target.db.deleteModel(throwaway.id);
    const throwawayRun = await target.db.createTrainingRun({ name: 'throwaway' });
    const keptRun = await target.db.createTrainingRun({ name: 'target run', modelId: kept.id });
    await target.db.deleteTrainingRun(throwawayRun.id);
    await target.db.logMetrics(keptRun.id, [{ name: 'loss', step: 0, value: 1 }]);

    const report = await copyDatabase(locationOf(source), locationOf(target), { append: true });
    expect(report.verification?.ok).toBe(true);
    expect((await target.db.getModel(model.id)).name).toBe('from the source');
    expect((await target.db.getModel(kept.id)).name).toBe('target model');
    expect(await target.db.getMetrics(run.id)).toEqual(await source.db.getMetrics(run.id));
    expect(await target.db.getMetrics(keptRun.id)).toHaveLength(1);

    // Appending the same rows again clashes on their keys and says so.
    await expect(copyDatabase(locationOf(source), locationOf(target), { append: true })).rejects.toThrow(
      /target: models already holds a row with the same key/,
    );
  });
});
