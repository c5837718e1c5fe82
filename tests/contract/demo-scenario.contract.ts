/**
 * The seed's demo, end to end: three models, two versions with configs, two datasets with splits,
 * two runs that change status, hyperparameters, five epochs of metrics, predictions, an experiment
 * holding both runs, and the statistics that sum it all up.
 */
import { describe, expect, it } from 'vitest';
import type { ContractTarget } from './suite.js';
import { useDatabase } from '../support/fixtures.js';
import { expectDate, expectId } from './expectations.js';

export function defineDemoScenarioContract(target: ContractTarget): void {
  describe(`${target.label}: the seed's demo scenario`, () => {
    const db = useDatabase(target);

    it('records a whole training story and reports it back', async () => {
      const vit = await db().createModel({
        name: 'VisionTransformer-CAD',
        description: 'Vision transformer for CAD drawing understanding',
        framework: 'pytorch',
        task: 'classification',
        architecture: 'ViT-B/16',
        tags: { team: 'vision' },
        metadata: { parameters: 86_000_000, pretrained: 'imagenet-21k' },
      });
      const vae = await db().createModel({ name: 'VAE-3D-Generator', framework: 'pytorch', task: 'generation', architecture: 'VAE' });
      const gnn = await db().createModel({ name: 'GNN-Structural-Analysis', framework: 'pytorch-geometric', task: 'regression' });
      for (const model of [vit, vae, gnn]) {
        expectId(model.id);
        expectDate(model.createdAt);
        expect(model.latestVersion).toBe(0);
      }

      const vitV1 = await db().createModelVersion({
        modelId: vit.id,
        description: 'baseline',
        checkpointUri: 's3://models/vit-cad/v1.pt',
        sizeBytes: 343_000_000,
        config: { patch_size: 16, hidden_dim: 768, num_layers: 12, dropout: 0.1 },
        status: 'staging',
      });
      const vaeV1 = await db().createModelVersion({
        modelId: vae.id,
        config: { latent_dim: 256, encoder: { channels: [32, 64, 128] }, beta: 1.5 },
      });
      expect(vitV1.version).toBe(1);
      expect(vaeV1.version).toBe(1);
      expect(vitV1.config).toEqual({ patch_size: 16, hidden_dim: 768, num_layers: 12, dropout: 0.1 });
      expect(vaeV1.config).toEqual({ latent_dim: 256, encoder: { channels: [32, 64, 128] }, beta: 1.5 });
      expect(vaeV1.status).toBe('none');

      const drawings = await db().createDataset({
        name: 'CAD-Drawings',
        version: '2024.1',
        format: 'png',
        sampleCount: 10_000,
        splits: { train: 8000, val: 1000, test: 1000 },
      });
      const shapes = await db().createDataset({
        name: 'ShapeNet-Subset',
        sampleCount: 5_000,
        splits: { train: { count: 4000, seed: 7 }, test: { count: 1000, seed: 7 } },
      });
      expect(drawings.splits).toEqual({ train: 8000, val: 1000, test: 1000 });
      expect(shapes.version).toBe('1');
      expect(await db().getDataset('CAD-Drawings', '2024.1')).toEqual(drawings);

      const vitRun = await db().createTrainingRun({
        name: 'vit-cad-baseline',
        modelId: vit.id,
        modelVersionId: vitV1.id,
        datasetId: drawings.id,
        status: 'queued',
        config: { gpus: 4 },
      });
      const vaeRun = await db().createTrainingRun({ name: 'vae-3d', modelId: vae.id, modelVersionId: vaeV1.id, datasetId: shapes.id });
      expect(vitRun.status).toBe('queued');
      expect(vitRun.startedAt).toBeNull();
      expect(vaeRun.status).toBe('running');
      expectDate(vaeRun.startedAt);

      await db().logHyperparameters(vitRun.id, { learning_rate: 0.001, batch_size: 32, optimizer: 'adamw', epochs: 5 });
      await db().logHyperparameters(vaeRun.id, { learning_rate: 0.0005, batch_size: 64, beta: 1.5, kl_warmup: true });

      const started = await db().updateTrainingRun(vitRun.id, { status: 'running' });
      expect(started.status).toBe('running');
      expectDate(started.startedAt);

      for (let epoch = 0; epoch < 5; epoch++) {
        await db().logMetric(vitRun.id, 'loss', 2.0 / (epoch + 1), { step: epoch, epoch });
        await db().logMetric(vitRun.id, 'accuracy', 0.5 + epoch * 0.1, { step: epoch, epoch });
        await db().logMetrics(vaeRun.id, [
          { name: 'reconstruction_loss', value: 1.0 - epoch * 0.15, step: epoch, epoch },
          { name: 'kl_loss', value: 0.2 + epoch * 0.01, step: epoch, epoch },
        ]);
      }

      const completed = await db().updateTrainingRun(vitRun.id, { status: 'completed', notes: 'converged' });
      const failed = await db().updateTrainingRun(vaeRun.id, { status: 'failed', error: 'CUDA out of memory' });
      expect(completed.status).toBe('completed');
      expectDate(completed.endedAt);
      expect(completed.durationMs).toBe(completed.endedAt!.getTime() - completed.startedAt!.getTime());
      expect(failed.error).toBe('CUDA out of memory');

      const vitLoss = await db().getMetrics(vitRun.id, { name: 'loss' });
      expect(vitLoss.map((point) => point.step)).toEqual([0, 1, 2, 3, 4]);
      expect(vitLoss.map((point) => point.epoch)).toEqual([0, 1, 2, 3, 4]);
      expect(vitLoss.map((point) => point.value)).toEqual([2, 1, 2 / 3, 0.5, 0.4]);
      const vitAll = await db().getMetrics(vitRun.id);
      expect(vitAll).toHaveLength(10);
      expect(vitAll.map((point) => point.name)).toEqual([...Array(5).fill('accuracy'), ...Array(5).fill('loss')]);

      const summaries = await db().getMetricSummaries([vitRun.id, vaeRun.id]);
      expect(summaries).toHaveLength(4);
      const accuracy = summaries.find((summary) => summary.runId === vitRun.id && summary.name === 'accuracy')!;
      expect(accuracy.count).toBe(5);
      expect(accuracy.lastStep).toBe(4);
      expect(accuracy.lastValue).toBeCloseTo(0.9, 12);
      expect(accuracy.min).toBeCloseTo(0.5, 12);
      expect(accuracy.max).toBeCloseTo(0.9, 12);

      await db().logPredictions([
        { modelVersionId: vitV1.id, input: { drawing: 'plan-001.png' }, output: { label: 'floor_plan' }, groundTruth: { label: 'floor_plan' }, confidence: 0.97, latencyMs: 12.5 },
        { modelVersionId: vitV1.id, input: { drawing: 'plan-002.png' }, output: { label: 'section' }, confidence: 0.61, latencyMs: 11 },
      ]);
      const single = await db().logPrediction({ modelVersionId: vaeV1.id, input: { latent: [0.1, -0.2] }, output: { mesh: 'mesh-1.obj' } });
      expectId(single.id);
      expect(single.groundTruth).toBeNull();
      const vitPredictions = await db().getPredictions({ modelVersionId: vitV1.id });
      expect(vitPredictions.items.map((prediction) => prediction.output)).toEqual([{ label: 'section' }, { label: 'floor_plan' }]);

      const experiment = await db().createExperiment({
        name: 'vit-vs-vae',
        description: 'Compare the two architectures',
        hypothesis: 'Attention beats latent variables on CAD',
        tags: { quarter: 'Q1' },
      });
      await db().addExperimentRun(experiment.id, vitRun.id);
      await db().addExperimentRun(experiment.id, vaeRun.id);
      const members = await db().getExperimentRuns(experiment.id);
      expect(members.map((run) => run.id)).toEqual([vitRun.id, vaeRun.id]);
      expect(members.map((run) => run.status)).toEqual(['completed', 'failed']);
      expectDate(members[0]!.addedAt);

      expect(await db().getHyperparameters(vitRun.id)).toEqual({ batch_size: 32, epochs: 5, learning_rate: 0.001, optimizer: 'adamw' });

      const statistics = await db().getStatistics();
      expect(statistics.counts).toEqual({
        models: 3,
        modelVersions: 2,
        datasets: 2,
        trainingRuns: 2,
        hyperparameters: 8,
        metricPoints: 20,
        metricSeries: 4,
        experiments: 1,
        predictions: 3,
      });
      expect(statistics.runsByStatus).toEqual({ queued: 0, running: 0, completed: 1, failed: 1, killed: 0 });
      expect(statistics.modelVersionsByStatus).toEqual({ none: 1, staging: 1, production: 0, archived: 0 });
      expectDate(statistics.latest.modelCreatedAt);
      expect(statistics.latest.modelCreatedAt.getTime()).toBe(gnn.createdAt.getTime());
      expectDate(statistics.latest.runUpdatedAt);
      expect(statistics.latest.runUpdatedAt.getTime()).toBe(failed.updatedAt.getTime());
      expectDate(statistics.latest.predictionAt);
      expect(statistics.latest.predictionAt.getTime()).toBe(single.timestamp.getTime());
    });
  });

  describe(`${target.label}: statistics of an empty database`, () => {
    const db = useDatabase(target);
    it('counts nothing and names no newest activity', async () => {
      const statistics = await db().getStatistics();
      expect(Object.values(statistics.counts).every((count) => count === 0)).toBe(true);
      expect(statistics.runsByStatus).toEqual({ queued: 0, running: 0, completed: 0, failed: 0, killed: 0 });
      expect(statistics.latest).toEqual({ modelCreatedAt: null, runCreatedAt: null, runUpdatedAt: null, predictionAt: null });
    });
  });
}
