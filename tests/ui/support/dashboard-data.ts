/**
 * What the dashboard tests look at: the real `aimdb demo` scenario plus what the demo is too small
 * to show: a hyperparameter sweep in an experiment (for compare), a long 5,000-step history (for
 * server-side downsampling), a running run (live refresh), a failed run with its error, a metric
 * with NaN, and a few hours of predictions with latencies (percentiles over time).
 */
import type { AiDatabase } from '../../../src/index.js';
import type { Experiment, ModelVersion, Prediction, TrainingRun } from '../../../src/core/entities.js';
import { runDemoScenario, type DemoReporter, type DemoResult } from '../../../src/cli/demo-scenario.js';

const silent: DemoReporter = { section() {}, entity() {}, line() {}, table() {}, tick() {} };

export const SWEEP_EXPERIMENT = 'lr-sweep';
export const SWEEP_LEARNING_RATES = [0.1, 0.03, 0.01, 0.003] as const;
export const LONG_RUN_NAME = 'long-pretraining';
export const LONG_RUN_STEPS = 5000;
export const LONG_RUN_METRICS = ['train/loss', 'val/accuracy', 'lr'] as const;
export const RUNNING_RUN_NAME = 'live-finetune';
export const FAILED_RUN_NAME = 'diverged-run';
export const FAILED_RUN_ERROR = 'RuntimeError: loss became NaN at step 12';
export const PREDICTION_HOURS = 6;
export const SERVED_VERSION_SIZE = 345 * 1024 * 1024;
export const SERVED_VERSION_SHA256 = 'c0ffee'.repeat(10) + 'beef';

export interface DashboardData {
  demo: DemoResult;
  sweep: { experiment: Experiment; runs: TrainingRun[] };
  longRun: TrainingRun;
  runningRun: TrainingRun;
  failedRun: TrainingRun;
  /** The version the extra predictions were logged against. */
  servedVersion: ModelVersion;
  predictions: Prediction[];
}

/** Sweep curves: a lower learning rate converges slower but further; deterministic. */
export function sweepLoss(learningRate: number, step: number): number {
  return 0.2 + 2 * Math.exp(-step * learningRate * 0.5) + learningRate;
}

export async function seedDashboardData(db: AiDatabase): Promise<DashboardData> {
  const demo = await runDemoScenario(db, silent);
  const [vit] = demo.models;
  const [cadDataset] = demo.datasets;
  if (vit === undefined || cadDataset === undefined) throw new Error('the demo created no models or datasets');

  const experiment = await db.createExperiment({
    name: SWEEP_EXPERIMENT,
    description: 'Learning-rate sweep on the CAD drawings',
    hypothesis: 'A smaller learning rate reaches a lower loss within 200 steps',
  });
  const sweepRuns: TrainingRun[] = [];
  for (const learningRate of SWEEP_LEARNING_RATES) {
    const run = await db.createTrainingRun({
      name: `sweep-lr-${learningRate}`,
      modelId: vit.id,
      datasetId: cadDataset.id,
      tags: { sweep: 'lr' },
    });
    await db.logHyperparameters(run.id, { learning_rate: learningRate, batch_size: 32, optimizer: 'adamw', warmup_steps: 10 });
    const start = Date.UTC(2026, 10, 20, 8, 0, 0);
    await db.logMetrics(
      run.id,
      Array.from({ length: 200 }, (_, step) => [
        { name: 'loss', value: sweepLoss(learningRate, step), step, epoch: Math.floor(step / 40), timestamp: new Date(start + step * 1000) },
        { name: 'accuracy', value: 1 - sweepLoss(learningRate, step) / 3, step, epoch: Math.floor(step / 40), timestamp: new Date(start + step * 1000) },
      ]).flat(),
    );
    await db.addExperimentRun(experiment.id, run.id);
    sweepRuns.push(await db.updateTrainingRun(run.id, { status: 'completed' }));
  }

  const longRun = await db.createTrainingRun({ name: LONG_RUN_NAME, modelId: vit.id, datasetId: cadDataset.id, notes: 'Pre-training before the sweep' });
  await db.logHyperparameters(longRun.id, { learning_rate: 0.001, batch_size: 256, optimizer: 'adamw' });
  const longStart = Date.UTC(2026, 10, 19, 0, 0, 0);
  await db.logMetrics(
    longRun.id,
    Array.from({ length: LONG_RUN_STEPS }, (_, step) => {
      const epoch = Math.floor(step / 500);
      const timestamp = new Date(longStart + step * 2000);
      // Deterministic noise, so the min/max band is visible.
      const noise = Math.sin(step * 12.9898) * 0.05;
      return [
        { name: 'train/loss', value: 3 * Math.exp(-step / 800) + 0.1 + noise, step, epoch, timestamp },
        { name: 'val/accuracy', value: step === 2500 ? Number.NaN : 0.5 + 0.45 * (1 - Math.exp(-step / 1200)), step, epoch, timestamp },
        { name: 'lr', value: 0.001 * Math.cos((Math.PI / 2) * (step / LONG_RUN_STEPS)) + 1e-6, step, epoch, timestamp },
      ];
    }).flat(),
  );
  const finishedLongRun = await db.updateTrainingRun(longRun.id, { status: 'completed' });

  const runningRun = await db.createTrainingRun({ name: RUNNING_RUN_NAME, modelId: vit.id, datasetId: cadDataset.id });
  await db.logHyperparameters(runningRun.id, { learning_rate: 0.0005, batch_size: 16 });
  await db.logMetrics(runningRun.id, Array.from({ length: 10 }, (_, step) => ({ name: 'loss', value: 1 / (step + 1), step })));

  const failed = await db.createTrainingRun({ name: FAILED_RUN_NAME, modelId: vit.id, datasetId: cadDataset.id });
  await db.logMetrics(failed.id, [
    { name: 'loss', value: 2.5, step: 0 },
    { name: 'loss', value: 40, step: 6 },
    { name: 'loss', value: Number.NaN, step: 12 },
  ]);
  const failedRun = await db.updateTrainingRun(failed.id, { status: 'failed', error: FAILED_RUN_ERROR });

  // The demo registers checkpoints without size or checksum; a real upload has both.
  const servedVersion = await db.updateModelVersion(demo.versions[0]!.id, {
    sizeBytes: SERVED_VERSION_SIZE,
    sha256: SERVED_VERSION_SHA256,
    status: 'production',
  });
  const predictionStart = Date.UTC(2026, 10, 25, 6, 0, 0);
  const perHour = 40;
  const extra = Array.from({ length: PREDICTION_HOURS * perHour }, (_, index) => ({
    modelVersionId: servedVersion.id,
    input: { drawing: `batch-${index}.png` },
    output: { label: index % 3 === 0 ? 'door' : 'wall' },
    confidence: 0.5 + (index % 50) / 100,
    // Latency grows through the day, with a slow tail every 20th request.
    latencyMs: 10 + Math.floor(index / perHour) * 2 + (index % 20 === 0 ? 80 : index % 7),
    timestamp: new Date(predictionStart + index * (3_600_000 / perHour)),
  }));
  await db.logPredictions(extra);
  const predictions = (await db.getPredictions({ limit: 10_000 })).items;

  return {
    demo,
    sweep: { experiment, runs: sweepRuns },
    longRun: finishedLongRun,
    runningRun,
    failedRun,
    servedVersion,
    predictions,
  };
}

/** Many small runs (one metric, one hyperparameter each) for the 10,000-run table. */
export async function seedManyRuns(db: AiDatabase, count: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let index = 0; index < count; index += 1) {
      const run = await tx.createTrainingRun({ name: `bulk-${String(index).padStart(5, '0')}` });
      await tx.logMetrics(run.id, [{ name: 'score', value: (index * 7919) % 10_007, step: 0 }]);
    }
  });
}
