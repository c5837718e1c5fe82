/**
 * The inspection commands on every backend, over the demo's data: --json shapes scripts rely on,
 * paging with --limit/--cursor, aligned tables, metric history with a sparkline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { runDemoScenario, type DemoReporter, type DemoResult } from '../../src/cli/demo-scenario.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

const silent: DemoReporter = { section: () => undefined, entity: () => undefined, line: () => undefined, table: () => undefined, tick: () => undefined };

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb inspection commands on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  let demo: DemoResult;
  const cli = (...args: string[]) => runCli([...args, '--url', database.url], { cwd: workdir.dir });

  beforeAll(async () => {
    database = await backend.provision();
    const db = await createAiDatabase({ url: database.url });
    try {
      demo = await runDemoScenario(db, silent);
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('models list: a table, and {items, nextCursor} pages that cover every model once', async () => {
    const table = await cli('models', 'list');
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+FRAMEWORK\s+TASK/);
    expect(lines[1]).toMatch(/^─+$/);
    expect(lines).toHaveLength(2 + 3);
    // Aligned: every row's NAME column starts where the header's does.
    const nameColumn = lines[0]!.indexOf('NAME');
    for (const line of lines.slice(2)) expect(line.slice(nameColumn)).toMatch(/^(VisionTransformer-CAD|VAE-3D-Generator|GNN-Structural-Analysis) /);

    const first = jsonOf(await cli('models', 'list', '--json', '--limit', '2'));
    expect(Object.keys(first).sort()).toEqual(['items', 'nextCursor']);
    expect(first.items).toHaveLength(2);
    expect(typeof first.nextCursor).toBe('string');
    const second = jsonOf(await cli('models', 'list', '--json', '--limit', '2', '--cursor', first.nextCursor));
    expect(second.nextCursor).toBeNull();
    const names = [...first.items, ...second.items].map((model: { name: string }) => model.name);
    expect(names.sort()).toEqual(demo.models.map((model) => model.name).sort());
    expect(first.items[0]).toMatchObject({ id: expect.any(Number), tags: expect.any(Object), createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('models show and versions show: by name, with versions and their configuration', async () => {
    const model = jsonOf(await cli('models', 'show', 'VisionTransformer-CAD', '--json'));
    expect(model.model).toMatchObject({ name: 'VisionTransformer-CAD', framework: 'pytorch', latestVersion: 1 });
    expect(model.versions).toHaveLength(1);
    expect(model.versions[0]).toMatchObject({ version: 1, status: 'staging', config: { patch_size: 16 } });

    const version = await cli('versions', 'show', 'VisionTransformer-CAD@1');
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toContain(`Model version #${demo.versions[0]!.id}: VisionTransformer-CAD v1`);
    expect(version.stdout).toMatch(/config\s+\{.*"patch_size": 16/);

    const versions = jsonOf(await cli('versions', 'list', '--json'));
    expect(versions.items.map((item: { id: number }) => item.id).sort()).toEqual(demo.versions.map((item) => item.id).sort());
  });

  it('datasets show: splits; experiments show: both runs with their latest metrics', async () => {
    const dataset = await cli('datasets', 'show', 'CAD-Drawings-10K@1.0');
    expect(dataset.code, dataset.stderr).toBe(0);
    expect(dataset.stdout).toMatch(/train\s+8000/);
    expect(dataset.stdout).toMatch(/test\s+1000/);

    const experiment = await cli('experiments', 'show', demo.experiment.name);
    expect(experiment.code, experiment.stderr).toBe(0);
    expect(experiment.stdout).toContain('Runs (2)');
    expect(experiment.stdout).toMatch(/vit-cad-training\s+completed.*accuracy=0\.9189 loss=0\.3899/);
    const json = jsonOf(await cli('experiments', 'show', String(demo.experiment.id), '--json'));
    expect(json.experiment.name).toBe(demo.experiment.name);
    expect(json.runs.map((run: { id: number }) => run.id)).toEqual(demo.runs.map((run) => run.id));
  });

  it('runs list: latest metrics per run, filters by status and model', async () => {
    const runs = jsonOf(await cli('runs', 'list', '--json', '--status', 'completed', '--model', 'VAE-3D-Generator'));
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({ name: 'vae-3d-training', status: 'completed', latestMetrics: { reconstruction_loss: expect.any(Number), kl_loss: expect.any(Number) } });
    const none = await cli('runs', 'list', '--status', 'failed');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no training runs yet');
  });

  it('metrics: the history of one metric with a sparkline, and summaries as JSON', async () => {
    const vitRun = demo.runs[0]!;
    const history = await cli('metrics', String(vitRun.id), 'loss');
    expect(history.code, history.stderr).toBe(0);
    const [chart, header] = history.stdout.split('\n');
    expect(chart).toMatch(/^loss +[▁▂▃▄▅▆▇█]{5} /);
    expect(chart!.match(/[▁▂▃▄▅▆▇█]{5}/)![0]).toBe('█▅▃▂▁');
    expect(header).toMatch(/^STEP\s+EPOCH\s+VALUE\s+TIME/);
    const points = jsonOf(await cli('metrics', String(vitRun.id), 'accuracy', '--json'));
    expect(points.points.map((point: { step: number }) => point.step)).toEqual([1, 2, 3, 4, 5]);
    const buckets = jsonOf(await cli('metrics', 'vit-cad-training', 'accuracy', '--buckets', '2', '--json'));
    expect(buckets.buckets.reduce((sum: number, bucket: { count: number }) => sum + bucket.count, 0)).toBe(5);
    const summaries = jsonOf(await cli('metrics', String(vitRun.id), '--json'));
    expect(summaries.metrics.map((summary: { name: string }) => summary.name).sort()).toEqual(['accuracy', 'loss']);
  });

  it('predictions list by version and show by id; stats counts', async () => {
    const listed = jsonOf(await cli('predictions', 'list', '--model-version', 'VisionTransformer-CAD@1', '--json'));
    expect(listed.items).toHaveLength(3);
    const id = listed.items[1].id;
    const shown = jsonOf(await cli('predictions', 'show', String(id), '--json'));
    expect(shown).toEqual(listed.items[1]);
    const missing = await cli('predictions', 'show', String(demo.predictions.at(-1)!.id + 100));
    expect(missing.code, missing.stderr).toBe(EXIT_CODES.notFound);

    const stats = jsonOf(await cli('stats', '--json'));
    expect(stats.counts).toMatchObject({ models: 3, modelVersions: 2, datasets: 2, trainingRuns: 2, metricPoints: 20, experiments: 1, predictions: 5 });
    expect(stats.runsByStatus.completed).toBe(2);
  });

  it('metrics: a history with negative steps (MLflow allows them) starts at the lowest step', async () => {
    const db = await createAiDatabase({ url: database.url });
    let runId: number;
    try {
      runId = (await db.createTrainingRun({ name: 'warmup-run' })).id;
      await db.logMetrics(runId, [-3, -2, -1, 0, 1].map((step) => ({ name: 'warmup', value: step * 10, step })));
    } finally {
      await db.close();
    }
    const points = jsonOf(await cli('metrics', String(runId), 'warmup', '--json'));
    expect(points.points.map((point: { step: number; value: number }) => [point.step, point.value])).toEqual([
      [-3, -30],
      [-2, -20],
      [-1, -10],
      [0, 0],
      [1, 10],
    ]);
  });
});
