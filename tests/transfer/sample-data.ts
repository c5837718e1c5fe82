/**
 * Demo-like data plus the values most likely to change on the way between backends: Unicode in
 * names and JSON, NaN and ±Infinity metrics, millisecond timestamps, doubles that need all 17
 * digits, large prediction payloads, id gaps, and the run ↔ version cycle.
 */
import type { AiDatabase, JsonObject, Page } from '../../src/index.js';

const EDGE_JSON: JsonObject = {
  unicode: 'café \u0301 日本語 🚀 \u{1F9EA} ß Ω',
  escapes: 'quote " backslash \\ newline \n tab \t',
  numbers: [0, -1, 0.1, 0.30000000000000004, 1e-300, 1.7976931348623157e308, 9007199254740991, -2.5e-8],
  nested: { b: [true, false, null], a: { z: 'last', y: [] }, '': 'empty key' },
  empty: {},
};

/** A large payload (about 1 MB of JSON). */
export function largePayload(seed: number): JsonObject {
  return { embedding: Array.from({ length: 60_000 }, (_, index) => Math.sin(index + seed) / 3), label: `payload-${seed}` };
}

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

/** Fills an empty database; returns nothing, compare with `snapshot`. */
export async function seedSampleData(db: AiDatabase): Promise<void> {
  const scratch = await db.createModel({ name: 'scratch-to-delete' });
  const resnet = await db.createModel({
    name: 'resnet-50',
    description: 'Residual network — 50 layers',
    framework: 'pytorch',
    task: 'image-classification',
    architecture: 'ResNet',
    tags: { team: 'vision', emoji: '🖼️', 'ключ': 'значение' },
    metadata: EDGE_JSON,
  });
  const bert = await db.createModel({ name: 'bert-日本語', framework: 'transformers', metadata: {} });
  await db.deleteModel(scratch.id);

  const imagenet = await db.createDataset({
    name: 'imagenet',
    version: '2012',
    sourceUri: 'https://example.org/imagenet',
    sampleCount: 1_281_167,
    splits: { train: 1_281_167, validation: 50_000 },
    schema: { image: 'jpeg', label: 'int' },
    metadata: EDGE_JSON,
  });
  const corpus = await db.createDataset({ name: 'wiki-corpus', version: 'v2 ✨', description: null });

  const run1 = await db.createTrainingRun({
    name: 'resnet baseline',
    modelId: resnet.id,
    datasetId: imagenet.id,
    config: { optimizer: 'adamw', lr: 0.001, schedule: { warmup: 500 } },
    tags: { git: 'abc123', note: 'ünïcödé' },
    notes: 'first run\nsecond line',
  });
  const run2 = await db.createTrainingRun({ name: 'bert finetune', modelId: bert.id, datasetId: corpus.id });
  const run3 = await db.createTrainingRun({ status: 'queued' });

  await db.logHyperparameters(run1.id, { lr: 0.001, layers: [64, 128, 256], optimizer: 'adamw', dropout: null, nested: EDGE_JSON, tiny: 5e-324 });
  await db.logHyperparameters(run2.id, { 'batch size': 32, 'warm-up 🔥': true });

  const loss = Array.from({ length: 300 }, (_, step) => ({
    name: 'loss',
    step,
    value: 2.5 * Math.exp(-step / 80) + 0.01 * Math.sin(step),
    epoch: Math.floor(step / 100),
    timestamp: new Date(T0 + step * 1_001),
  }));
  await db.logMetrics(run1.id, loss);
  await db.logMetrics(run1.id, [
    { name: 'grad/norm', step: 0, value: Number.NaN, timestamp: new Date(T0 + 1) },
    { name: 'grad/norm', step: 1, value: Number.POSITIVE_INFINITY, timestamp: new Date(T0 + 2) },
    { name: 'grad/norm', step: 2, value: Number.NEGATIVE_INFINITY, timestamp: new Date(T0 + 3) },
    { name: 'grad/norm', step: 3, value: 1.7976931348623157e308, timestamp: new Date(T0 + 4) },
    { name: 'grad/norm', step: 4, value: -2.2250738585072014e-308, timestamp: new Date(T0 + 5) },
    { name: 'accuracy 🎯', step: 10, value: 0.30000000000000004, timestamp: new Date(T0 + 999) },
    { name: 'Straße/ß', step: 7, value: 0.1, timestamp: new Date(T0 + 7) },
  ]);
  await db.logMetrics(run2.id, Array.from({ length: 120 }, (_, step) => ({ name: step % 2 === 0 ? 'loss' : 'f1', step, value: step / 7 })));

  const v1 = await db.createModelVersion({
    modelId: resnet.id,
    checkpointUri: 's3://models/resnet/v1.pt',
    sizeBytes: 97_800_000,
    sha256: 'a'.repeat(64),
    config: { quantized: false, 'ñ': 1 },
    status: 'production',
    trainingRunId: run1.id,
    datasetId: imagenet.id,
  });
  await db.createModelVersion({ modelId: resnet.id, description: 'second try', status: 'staging' });
  const bertV1 = await db.createModelVersion({ modelId: bert.id, trainingRunId: run2.id });
  // The cycle: the run that produced v1 also points at it.
  await db.updateTrainingRun(run1.id, { modelVersionId: v1.id, status: 'completed' });
  await db.updateTrainingRun(run2.id, { status: 'failed', error: 'CUDA out of memory — ❌' });

  const experiment = await db.createExperiment({ name: 'baselines', hypothesis: 'residual > attention?', tags: { owner: 'zoë' } });
  await db.createExperiment({ name: 'empty experiment' });
  await db.addExperimentRun(experiment.id, run1.id);
  await db.addExperimentRun(experiment.id, run3.id);

  await db.logPredictions(
    Array.from({ length: 40 }, (_, index) => ({
      modelVersionId: index % 3 === 0 ? bertV1.id : v1.id,
      input: { text: `example ${index} — 例`, pixels: [index, index + 1] },
      output: { label: index % 2 === 0 ? 'cat' : 'dog', scores: [0.1 * index, 1 - 0.1 * index] },
      groundTruth: index % 4 === 0 ? null : index % 5 === 0 ? 'cat' : { label: 'dog' },
      confidence: index % 7 === 0 ? null : index / 40,
      latencyMs: 3.25 + index / 1000,
      timestamp: new Date(T0 + index * 37),
      metadata: index === 0 ? EDGE_JSON : {},
    })),
  );
  await db.logPrediction({ modelVersionId: v1.id, input: largePayload(1), output: largePayload(2), groundTruth: largePayload(3), timestamp: new Date(T0) });
}

async function allPages<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Everything in the database, read through the AiDatabase API, for field-by-field comparison. */
export async function snapshot(db: AiDatabase) {
  const models = await allPages((cursor) => db.listModels({ limit: 1_000, cursor }));
  const versions = [];
  for (const model of models) versions.push(...(await db.getModelVersions(model.id)));
  const datasets = await allPages((cursor) => db.listDatasets({ limit: 1_000, cursor }));
  const runs = await allPages((cursor) => db.listTrainingRuns({ limit: 1_000, cursor }));
  const hyperparameters: Record<number, unknown> = {};
  const metrics: Record<number, unknown> = {};
  for (const run of runs) {
    hyperparameters[run.id] = await db.getHyperparameters(run.id);
    metrics[run.id] = await db.getMetrics(run.id);
  }
  const summaries = await db.getMetricSummaries(runs.map((run) => run.id));
  const experiments = await allPages((cursor) => db.listExperiments({ limit: 1_000, cursor }));
  const experimentRuns: Record<number, unknown> = {};
  for (const experiment of experiments) experimentRuns[experiment.id] = await db.getExperimentRuns(experiment.id);
  const predictions = await allPages((cursor) => db.getPredictions({ limit: 1_000, cursor }));
  return { models, versions, datasets, runs, hyperparameters, metrics, summaries, experiments, experimentRuns, predictions };
}
