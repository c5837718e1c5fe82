/**
 * `collectGarbage` leaves no orphan row (docs/decisions/1201-gc-and-retention.md): every table is
 * counted before entities are created, those entities get every kind of child row there is, are
 * soft-deleted and purged, and every table must be back to its count. An interrupted purge
 * (`maxBatches`) is finished by the next call, and a restore during the purge keeps what is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openSqlDatabase } from '../../src/database/open.js';
import type { SqlAiDatabase } from '../../src/store/sql/sql-ai-database.js';
import { TABLE_NAMES } from '../../src/store/sql/tables.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';

const DAY = 24 * 3_600_000;
const TABLES = [...TABLE_NAMES, 'metric_batch_receipts', 'metric_keys'] as const;

async function countAll(db: SqlAiDatabase): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db.kysely);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

/** A run, experiment, model and versions with a row in every table that can hold one of theirs. */
async function createEverything(db: SqlAiDatabase, tag: string) {
  const dataset = await db.createDataset({ name: `data-${tag}`, version: '1' });
  const model = await db.createModel({ name: `model-${tag}`, description: 'everything' });
  const run = await db.createTrainingRun({ name: `run-${tag}`, notes: 'searchable', datasetId: dataset.id, modelId: model.id });
  await db.logHyperparameters(run.id, { lr: 0.1, depth: 3 });
  await db.logMetrics(run.id, Array.from({ length: 300 }, (_unused, step) => ({ name: 'loss', value: 1 / (step + 1), step })));
  await db.logMetrics(run.id, [{ name: 'acc', value: 0.5 }], { batchId: `batch-${tag}` });
  await db.logMetrics(run.id, [{ name: 'acc', value: 0.7, step: 0, timestamp: 5 }], { sameStep: 'keep' });
  const experiment = await db.createExperiment({ name: `exp-${tag}`, tags: { team: 'a' } });
  await db.addExperimentRun(experiment.id, run.id);
  const v1 = await db.createModelVersion({ modelId: model.id, trainingRunId: run.id, datasetId: dataset.id });
  const v2 = await db.createModelVersion({ modelId: model.id });
  await db.updateTrainingRun(run.id, { modelVersionId: v1.id });
  await db.setModelAlias(model.id, 'champion', 1);
  await db.updateModelVersion(v2.id, { status: 'production' });
  await db.logPredictions(Array.from({ length: 40 }, (_unused, index) => ({ modelVersionId: v1.id, input: index, output: index })));
  await db.logPredictions(Array.from({ length: 5 }, (_unused, index) => ({ modelVersionId: v2.id, input: index, output: index })));
  return { dataset, model, run, experiment, v1, v2 };
}

describe.each(testBackends())('gc leaves no orphans on $name', (backend) => {
  let provisioned: ProvisionedDatabase;
  let db: SqlAiDatabase;
  let clock = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    provisioned = await backend.provision();
    db = await openSqlDatabase({ url: provisioned.url, now: () => clock });
  });
  afterAll(async () => {
    await db?.close();
    await provisioned?.drop();
  });

  it('brings every table back to its count, even when interrupted and run again', async () => {
    const kept = await createEverything(db, 'kept');
    const before = await countAll(db);
    const doomed = await createEverything(db, 'doomed');
    expect((await countAll(db)).metrics).toBeGreaterThan(before.metrics!);
    await db.updateTrainingRun(doomed.run.id, { deleted: true });
    await db.updateExperiment(doomed.experiment.id, { deleted: true });
    await db.updateModel(doomed.model.id, { deleted: true });
    // The dataset has no soft delete; it goes for good as before.
    await db.deleteDataset(doomed.dataset.id);
    clock += 31 * DAY;

    const interrupted = await db.collectGarbage({ batchRows: 50, maxBatches: 3 });
    expect(interrupted.complete).toBe(false);
    const finished = await db.collectGarbage({ batchRows: 50 });
    expect(finished.complete).toBe(true);
    expect(interrupted.runs + finished.runs).toBe(1);
    expect(interrupted.modelVersions + finished.modelVersions).toBe(2);
    expect(interrupted.metricPoints + finished.metricPoints).toBe(301);
    expect(interrupted.predictions + finished.predictions).toBe(45);
    expect(await countAll(db)).toEqual(before);
    // What was kept is whole.
    expect(await db.getMetrics(kept.run.id)).toHaveLength(301);
    expect((await db.getModel(kept.model.id)).aliases).toEqual({ champion: 1 });
  });

  it('lets a restore during a purge win: the run keeps what was not yet purged', async () => {
    const run = await db.createTrainingRun({ name: 'second-thoughts' });
    await db.logMetrics(run.id, Array.from({ length: 100 }, (_unused, step) => ({ name: 'loss', value: step, step })));
    await db.updateTrainingRun(run.id, { deleted: true });
    clock += 31 * DAY;
    const first = await db.collectGarbage({ batchRows: 30, maxBatches: 1 });
    expect(first.metricPoints).toBe(30);
    await db.updateTrainingRun(run.id, { deleted: false });
    const second = await db.collectGarbage({ batchRows: 30 });
    expect(second).toMatchObject({ runs: 0, metricPoints: 0 });
    expect(await db.getMetrics(run.id)).toHaveLength(70);
  });
});
