/**
 * `aimdb demo` as a user runs it, on every backend: the seed's scenario is printed, is really in
 * the database afterwards, survives a second run on the same database, and `aimdb runs show`
 * presents it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { DEMO_EXPERIMENT_NAME, vaeMetricsAt, vitMetricsAt } from '../../src/cli/demo-scenario.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { execFile, execFileSync } from 'node:child_process';
import { AIMDB_BIN, flagsOfUrl, isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const MODEL_NAMES = ['VisionTransformer-CAD', 'VAE-3D-Generator', 'GNN-Structural-Analysis'];

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb demo on $name', (backend) => {
  let database: ProvisionedDatabase;
  let connection: string[];
  const workdir = tempWorkdir();

  beforeAll(async () => {
    database = await backend.provision();
    // Server backends get the seed's discrete options; SQLite its URL.
    connection = backend.family === 'sqlite' ? ['--url', database.url] : flagsOfUrl(database.url, backend.family);
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  async function withDb<T>(fn: (db: AiDatabase) => Promise<T>): Promise<T> {
    const db = await createAiDatabase({ url: database.url });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  it('prints every section of the scenario and exits 0, with nothing on stderr when piped', async () => {
    const result = await runCli(['demo', ...connection], { cwd: workdir.dir });
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    for (const heading of ['1. Models', '2. Model versions', '3. Datasets', '4. Training runs', '5. Predictions', '6. Experiment', '7. Statistics', '8. Example queries']) {
      expect(result.stdout).toContain(heading);
    }
    for (const name of MODEL_NAMES) expect(result.stdout).toMatch(new RegExp(`created model +#\\d+ ${name}`));
    expect(result.stdout).toContain('queued → running');
    expect(result.stdout).toContain('running → completed');
    expect(result.stdout).toContain(`database: ${backend.family}`);
    expect(result.stdout).toContain('Done: everything above is now stored in the database.');
  });

  it('leaves the whole scenario in the database', async () => {
    await withDb(async (db) => {
      const models = (await db.listModels()).items;
      expect(models.map((model) => model.name).sort()).toEqual([...MODEL_NAMES].sort());

      const vitVersions = await db.getModelVersions('VisionTransformer-CAD');
      const vaeVersions = await db.getModelVersions('VAE-3D-Generator');
      expect(vitVersions.map((version) => version.version)).toEqual([1]);
      expect(vaeVersions.map((version) => version.version)).toEqual([1]);
      expect(vitVersions[0]!.config).toMatchObject({ patch_size: 16, hidden_dim: 768 });
      expect(vaeVersions[0]!.config).toMatchObject({ latent_dim: 128 });
      expect(await db.getModelVersions('GNN-Structural-Analysis')).toEqual([]);

      const drawings = await db.getDataset('CAD-Drawings-10K', '1.0');
      expect(drawings.splits).toEqual({ train: 8000, val: 1000, test: 1000 });
      expect((await db.getDataset('ShapeNet-Voxels-64')).splits).toEqual({ train: 4000, val: 500, test: 500 });

      const runs = (await db.listTrainingRuns()).items;
      expect(runs).toHaveLength(2);
      expect(runs.every((run) => run.status === 'completed' && run.startedAt !== null && run.endedAt !== null)).toBe(true);
      const vitRun = runs.find((run) => run.name === 'vit-cad-training')!;
      const vaeRun = runs.find((run) => run.name === 'vae-3d-training')!;
      expect(vitRun.modelVersionId).toBe(vitVersions[0]!.id);
      expect(vitVersions[0]!.trainingRunId).toBe(vitRun.id);
      expect(vitVersions[0]!.datasetId).toBe(drawings.id);

      expect(await db.getHyperparameters(vitRun.id)).toMatchObject({ learning_rate: 0.0003, batch_size: 32, epochs: 5, optimizer: 'adamw' });
      expect(await db.getHyperparameters(vaeRun.id)).toMatchObject({ learning_rate: 0.001, latent_dim: 128 });

      const vitMetrics = await db.getMetrics(vitRun.id);
      expect(vitMetrics.filter((point) => point.name === 'accuracy').map((point) => point.value)).toEqual([0, 1, 2, 3, 4].map((epoch) => vitMetricsAt(epoch).accuracy));
      expect(vitMetrics.filter((point) => point.name === 'loss').map((point) => point.epoch)).toEqual([1, 2, 3, 4, 5]);
      const vaeMetrics = await db.getMetrics(vaeRun.id);
      expect(new Set(vaeMetrics.map((point) => point.name))).toEqual(new Set(['reconstruction_loss', 'kl_loss']));
      expect(vaeMetrics.filter((point) => point.name === 'kl_loss').map((point) => point.value)).toEqual([0, 1, 2, 3, 4].map((epoch) => vaeMetricsAt(epoch).kl_loss));

      const predictions = (await db.getPredictions()).items;
      expect(predictions).toHaveLength(5);
      expect(predictions.filter((prediction) => prediction.modelVersionId === vitVersions[0]!.id)).toHaveLength(3);

      const experiment = await db.getExperiment(DEMO_EXPERIMENT_NAME);
      expect((await db.getExperimentRuns(experiment.id)).map((run) => run.id)).toEqual([vitRun.id, vaeRun.id]);
    });
  });

  it('runs again on the same database, reusing models, datasets and the experiment by name', async () => {
    const result = await runCli(['demo', ...connection], { cwd: workdir.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/reused +model +#\d+ VisionTransformer-CAD/);
    expect(result.stdout).toContain('Re-run: existing models, datasets and the experiment were reused by name');
    await withDb(async (db) => {
      expect((await db.listModels()).items).toHaveLength(3);
      expect((await db.listDatasets()).items).toHaveLength(2);
      expect((await db.getModelVersions('VisionTransformer-CAD')).map((version) => version.version)).toEqual([1, 2]);
      expect((await db.listTrainingRuns()).items).toHaveLength(4);
      expect((await db.getPredictions()).items).toHaveLength(10);
      const experiment = await db.getExperiment(DEMO_EXPERIMENT_NAME);
      expect(await db.getExperimentRuns(experiment.id)).toHaveLength(4);
    });
  });

  it('runs show presents hyperparameters and the latest value of each metric', async () => {
    const runId = await withDb(async (db) => (await db.listTrainingRuns({ nameContains: 'vit-cad' })).items[0]!.id);
    const table = await runCli(['runs', 'show', String(runId), ...connection], { cwd: workdir.dir });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`Training run #${runId} vit-cad-training`);
    expect(table.stdout).toMatch(/status\s+completed/);
    expect(table.stdout).toContain('Hyperparameters (7)');
    expect(table.stdout).toMatch(/learning_rate\s+0\.0003/);
    expect(table.stdout).toMatch(/accuracy\s+0\.9189\s+5\s/);
    expect(table.stdout).toMatch(/loss\s+0\.3899\s+5\s/);

    const byName = await runCli(['runs', 'show', 'vit-cad-training', '--json', ...connection], { cwd: workdir.dir });
    expect(byName.code, byName.stderr).toBe(0);
    const details = jsonOf(byName);
    expect(details.run).toMatchObject({ id: runId, name: 'vit-cad-training', status: 'completed' });
    expect(typeof details.run.startedAt).toBe('string');
    expect(details.hyperparameters).toMatchObject({ learning_rate: 0.0003, batch_size: 32, optimizer: 'adamw' });
    const accuracy = details.metrics.find((metric: { name: string }) => metric.name === 'accuracy');
    expect(accuracy).toMatchObject({ runId, lastValue: vitMetricsAt(4).accuracy, lastStep: 5, count: 5 });
  });

  it.skipIf(!hasScript)('draws a progress bar on stderr when it is a terminal', async () => {
    // `script` gives the demo a pseudo-terminal, as an interactive user has.
    const command = ['node', AIMDB_BIN, 'demo', ...connection].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: workdir.dir, env: { ...process.env, TERM: 'xterm' } }, (error, stdout) => {
        resolve({ code: error === null ? 0 : Number(error.code), output: stdout });
      });
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/demo \[[█░]+\] \d+\/28/);
    expect(result.output).toContain('28/28');
    expect(result.output).toContain('8. Example queries');
  });

  it('prints a JSON summary with --json and nothing else', async () => {
    const result = await runCli(['demo', '--json', ...connection], { cwd: workdir.dir });
    expect(result.code, result.stderr).toBe(0);
    const summary = jsonOf(result);
    expect(summary.reused).toBe(true);
    expect(summary.models.map((model: { name: string }) => model.name)).toEqual(MODEL_NAMES);
    expect(summary.runs).toHaveLength(2);
    expect(summary.runs.every((run: { status: string }) => run.status === 'completed')).toBe(true);
    expect(summary.statistics.counts.trainingRuns).toBe(hasScript ? 8 : 6);
    expect(summary.database).not.toMatch(/:[^@/]+@/);
  });
});
