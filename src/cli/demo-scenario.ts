/**
 * The seed's demo, step by step: 3 models, 2 versions with configurations, 2 datasets with splits,
 * 2 training runs taken through their statuses with hyperparameters and 5 epochs of metrics,
 * predictions, an experiment holding both runs, then statistics and example queries.
 *
 * Re-runnable on the same database: models, datasets and the experiment are looked up by name and
 * reused; each run of the demo adds new versions (numbered on), training runs, metrics and
 * predictions, as a real second training session would.
 */
import type {
  Dataset,
  Experiment,
  Model,
  ModelVersion,
  Prediction,
  Statistics,
  TrainingRun,
} from '../core/entities.js';
import { NotFoundError } from '../core/errors.js';
import type { CreateDatasetInput, CreateModelInput, PredictionInput } from '../core/schemas.js';
import type { AiDatabase } from '../store/index.js';

export const DEMO_EPOCHS = 5;
export const DEMO_EXPERIMENT_NAME = 'CAD-Generative-Baseline';

export const DEMO_MODELS: readonly CreateModelInput[] = [
  {
    name: 'VisionTransformer-CAD',
    description: 'Vision Transformer classifying 2D CAD drawings by element type',
    framework: 'pytorch',
    task: 'image-classification',
    architecture: 'ViT-B/16',
    tags: { domain: 'cad', modality: 'image' },
    metadata: { parameters: 86_000_000, input_size: [224, 224] },
  },
  {
    name: 'VAE-3D-Generator',
    description: 'Variational autoencoder generating 3D voxel models from a latent code',
    framework: 'pytorch',
    task: '3d-generation',
    architecture: 'VAE',
    tags: { domain: 'cad', modality: 'voxel' },
    metadata: { parameters: 24_500_000, voxel_resolution: 64 },
  },
  {
    name: 'GNN-Structural-Analysis',
    description: 'Graph neural network predicting stresses in structural frames',
    framework: 'pytorch-geometric',
    task: 'graph-regression',
    architecture: 'GraphSAGE',
    tags: { domain: 'structural', modality: 'graph' },
    metadata: { parameters: 3_200_000 },
  },
];

export const DEMO_DATASETS: readonly CreateDatasetInput[] = [
  {
    name: 'CAD-Drawings-10K',
    version: '1.0',
    description: '10,000 labelled 2D CAD drawings',
    sourceUri: 's3://aimdb-demo/cad-drawings-10k/',
    format: 'png',
    sampleCount: 10_000,
    splits: { train: 8000, val: 1000, test: 1000 },
    schema: { image: 'png 224x224', label: 'string' },
    metadata: { classes: ['wall', 'door', 'window', 'stair', 'column'] },
  },
  {
    name: 'ShapeNet-Voxels-64',
    version: '2.1',
    description: 'ShapeNet meshes voxelised at 64³',
    sourceUri: 's3://aimdb-demo/shapenet-voxels-64/',
    format: 'npz',
    sampleCount: 5000,
    splits: { train: 4000, val: 500, test: 500 },
    schema: { voxels: 'uint8[64,64,64]', category: 'string' },
    metadata: { categories: 13 },
  },
];

const VIT_VERSION_CONFIG = { patch_size: 16, hidden_dim: 768, num_layers: 12, num_heads: 12, num_classes: 5, image_size: 224 };
const VAE_VERSION_CONFIG = { latent_dim: 128, encoder_channels: [32, 64, 128, 256], decoder_channels: [256, 128, 64, 32], voxel_resolution: 64 };

const VIT_HYPERPARAMETERS = { learning_rate: 0.0003, batch_size: 32, epochs: DEMO_EPOCHS, optimizer: 'adamw', weight_decay: 0.05, warmup_epochs: 1, scheduler: 'cosine' };
const VAE_HYPERPARAMETERS = { learning_rate: 0.001, batch_size: 64, epochs: DEMO_EPOCHS, optimizer: 'adam', beta: 1.0, latent_dim: 128 };

/** Deterministic learning curves, so every backend and every run shows the same numbers. */
export function vitMetricsAt(epoch: number): { loss: number; accuracy: number } {
  return { loss: round(2.3 * Math.pow(0.62, epoch) + 0.05), accuracy: round(0.52 + 0.42 * (1 - Math.pow(0.55, epoch + 1))) };
}

export function vaeMetricsAt(epoch: number): { reconstruction_loss: number; kl_loss: number } {
  return { reconstruction_loss: round(480 * Math.pow(0.7, epoch) + 35), kl_loss: round(2 + 10 * (1 - Math.pow(0.6, epoch + 1))) };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** What a step of the demo tells the printer. */
export interface DemoReporter {
  section(title: string): void;
  /** A created-or-reused entity line. */
  entity(action: 'created' | 'reused', kind: string, text: string): void;
  line(text: string): void;
  table(headers: string[], rows: Array<Array<string | number | null>>): void;
  /** One unit of work done (for the progress bar). */
  tick(): void;
}

/** How many `tick()`s a demo makes, for the progress bar's total. */
export const DEMO_TICKS = DEMO_MODELS.length + 2 + DEMO_DATASETS.length + 2 * (3 + DEMO_EPOCHS) + 2 + 1 + 2;

export interface DemoResult {
  models: Model[];
  versions: ModelVersion[];
  datasets: Dataset[];
  runs: TrainingRun[];
  experiment: Experiment;
  predictions: Prediction[];
  statistics: Statistics;
  /** True when models, datasets or the experiment already existed (a re-run). */
  reused: boolean;
}

async function findOrCreate<T>(find: () => Promise<T>, create: () => Promise<T>): Promise<{ value: T; created: boolean }> {
  try {
    return { value: await find(), created: false };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return { value: await create(), created: true };
  }
}

/** Runs the whole scenario against `db`. */
export async function runDemoScenario(db: AiDatabase, report: DemoReporter): Promise<DemoResult> {
  let reused = false;

  report.section('1. Models');
  const models: Model[] = [];
  for (const input of DEMO_MODELS) {
    const { value: model, created } = await findOrCreate(() => db.getModel(input.name), () => db.createModel(input));
    reused ||= !created;
    models.push(model);
    report.entity(created ? 'created' : 'reused', 'model', `#${model.id} ${model.name} (${model.framework}, ${model.task}, ${model.architecture})`);
    report.tick();
  }
  const [vit, vae] = models as [Model, Model, Model];

  report.section('2. Model versions');
  const vitVersion = await db.createModelVersion({
    modelId: vit.id,
    description: 'ViT-B/16 fine-tuned on CAD-Drawings-10K',
    checkpointUri: `s3://aimdb-demo/checkpoints/${vit.name}/v${vit.latestVersion + 1}.pt`,
    config: VIT_VERSION_CONFIG,
  });
  report.entity('created', 'version', `#${vitVersion.id} ${vit.name} v${vitVersion.version} config ${JSON.stringify(VIT_VERSION_CONFIG)}`);
  report.tick();
  const vaeVersion = await db.createModelVersion({
    modelId: vae.id,
    description: 'VAE trained on ShapeNet voxels',
    checkpointUri: `s3://aimdb-demo/checkpoints/${vae.name}/v${vae.latestVersion + 1}.pt`,
    config: VAE_VERSION_CONFIG,
  });
  report.entity('created', 'version', `#${vaeVersion.id} ${vae.name} v${vaeVersion.version} config ${JSON.stringify(VAE_VERSION_CONFIG)}`);
  report.tick();

  report.section('3. Datasets');
  const datasets: Dataset[] = [];
  for (const input of DEMO_DATASETS) {
    const { value: dataset, created } = await findOrCreate(() => db.getDataset(input.name, input.version), () => db.createDataset(input));
    reused ||= !created;
    datasets.push(dataset);
    // The input's key order: PostgreSQL's JSONB sorts keys by length when it reads them back.
    report.entity(created ? 'created' : 'reused', 'dataset', `#${dataset.id} ${dataset.name} ${dataset.version}: ${Object.entries(input.splits ?? dataset.splits).map(([split, count]) => `${split} ${String(count)}`).join(', ')}`);
    report.tick();
  }
  const [drawings, voxels] = datasets as [Dataset, Dataset];

  report.section('4. Training runs, hyperparameters and 5 epochs of metrics');
  const vitRun = await trainRun(db, report, {
    name: 'vit-cad-training',
    model: vit,
    version: vitVersion,
    dataset: drawings,
    hyperparameters: VIT_HYPERPARAMETERS,
    metricsAt: vitMetricsAt,
  });
  const vaeRun = await trainRun(db, report, {
    name: 'vae-3d-training',
    model: vae,
    version: vaeVersion,
    dataset: voxels,
    hyperparameters: VAE_HYPERPARAMETERS,
    metricsAt: vaeMetricsAt,
  });
  // The versions now point at the run and dataset that produced them, as a registry would after training.
  // On a database the demo filled before, the new version takes over staging from the previous one.
  const versions = [
    await db.updateModelVersion(vitVersion.id, { trainingRunId: vitRun.id, datasetId: drawings.id, status: 'staging', archiveOthers: true }),
    await db.updateModelVersion(vaeVersion.id, { trainingRunId: vaeRun.id, datasetId: voxels.id, status: 'staging', archiveOthers: true }),
  ];

  report.section('5. Predictions');
  const predictionInputs: PredictionInput[] = [
    { modelVersionId: vitVersion.id, input: { drawing: 'floor-plan-0042.png' }, output: { label: 'wall', scores: { wall: 0.94, door: 0.04, window: 0.02 } }, groundTruth: { label: 'wall' }, confidence: 0.94, latencyMs: 12.4 },
    { modelVersionId: vitVersion.id, input: { drawing: 'elevation-0107.png' }, output: { label: 'window', scores: { window: 0.88, door: 0.1, wall: 0.02 } }, groundTruth: { label: 'window' }, confidence: 0.88, latencyMs: 11.9 },
    { modelVersionId: vitVersion.id, input: { drawing: 'section-0311.png' }, output: { label: 'door', scores: { door: 0.61, window: 0.3, wall: 0.09 } }, groundTruth: { label: 'stair' }, confidence: 0.61, latencyMs: 12.8 },
    { modelVersionId: vaeVersion.id, input: { latent_seed: 7, category: 'chair' }, output: { voxels_uri: 's3://aimdb-demo/generated/chair-7.npz', occupancy: 0.18 }, confidence: 0.72, latencyMs: 48.3 },
    { modelVersionId: vaeVersion.id, input: { latent_seed: 13, category: 'table' }, output: { voxels_uri: 's3://aimdb-demo/generated/table-13.npz', occupancy: 0.23 }, confidence: 0.69, latencyMs: 47.1 },
  ];
  const predictions: Prediction[] = [];
  for (const input of predictionInputs) predictions.push(await db.logPrediction(input));
  report.table(
    ['ID', 'MODEL VERSION', 'OUTPUT', 'CONFIDENCE', 'LATENCY MS'],
    predictions.map((prediction) => [
      prediction.id,
      prediction.modelVersionId === vitVersion.id ? `${vit.name} v${vitVersion.version}` : `${vae.name} v${vaeVersion.version}`,
      JSON.stringify((prediction.output as Record<string, unknown>).label ?? (prediction.output as Record<string, unknown>).voxels_uri),
      prediction.confidence,
      prediction.latencyMs,
    ]),
  );
  report.tick();

  report.section('6. Experiment');
  const { value: experiment, created: experimentCreated } = await findOrCreate(
    () => db.getExperiment(DEMO_EXPERIMENT_NAME),
    () =>
      db.createExperiment({
        name: DEMO_EXPERIMENT_NAME,
        description: 'Baselines for CAD drawing classification and 3D shape generation',
        hypothesis: 'A ViT reaches 90% accuracy on CAD drawings within 5 epochs; the VAE reconstruction loss halves',
        tags: { team: 'cad-ai' },
      }),
  );
  reused ||= !experimentCreated;
  await db.addExperimentRun(experiment.id, vitRun.id);
  await db.addExperimentRun(experiment.id, vaeRun.id);
  const members = await db.getExperimentRuns(experiment.id);
  report.entity(experimentCreated ? 'created' : 'reused', 'experiment', `#${experiment.id} ${experiment.name}, now holding ${members.length} runs (added #${vitRun.id} and #${vaeRun.id})`);
  report.tick();

  report.section('7. Statistics');
  const statistics = await db.getStatistics();
  report.table(
    ['ENTITY', 'COUNT'],
    [
      ['models', statistics.counts.models],
      ['model versions', statistics.counts.modelVersions],
      ['datasets', statistics.counts.datasets],
      ['training runs', statistics.counts.trainingRuns],
      ['hyperparameters', statistics.counts.hyperparameters],
      ['metric points', statistics.counts.metricPoints],
      ['experiments', statistics.counts.experiments],
      ['predictions', statistics.counts.predictions],
    ],
  );
  report.line(`runs by status: ${Object.entries(statistics.runsByStatus).map(([status, count]) => `${status} ${count}`).join(', ')}`);
  report.tick();

  report.section('8. Example queries');
  const pytorch = await db.listModels({ framework: 'pytorch' });
  report.line(`PyTorch models: ${pytorch.items.map((model) => model.name).join(', ')}`);
  const completed = await db.listTrainingRuns({ status: 'completed', limit: 5 });
  report.line(`Latest completed runs: ${completed.items.map((run) => `#${run.id} ${run.name ?? ''}`).join(', ')}`);
  const summaries = await db.getMetricSummaries([vitRun.id, vaeRun.id]);
  const accuracy = summaries.find((summary) => summary.runId === vitRun.id && summary.name === 'accuracy');
  report.line(`Best accuracy of run #${vitRun.id}: ${accuracy?.max ?? '–'} (final ${accuracy?.lastValue ?? '–'} at epoch ${accuracy?.lastStep ?? '–'})`);
  const reconstruction = summaries.find((summary) => summary.runId === vaeRun.id && summary.name === 'reconstruction_loss');
  report.line(`Lowest reconstruction loss of run #${vaeRun.id}: ${reconstruction?.min ?? '–'}`);
  const vitPredictions = await db.getPredictions({ modelVersionId: vitVersion.id });
  const confident = vitPredictions.items.filter((prediction) => (prediction.confidence ?? 0) >= 0.8);
  report.line(`Predictions of ${vit.name} v${vitVersion.version} with confidence ≥ 0.8: ${confident.length} of ${vitPredictions.items.length}`);
  const history = await db.getModelVersions(vit.id);
  report.line(`Versions of ${vit.name}: ${history.map((version) => `v${version.version} (${version.status})`).join(', ')}`);
  report.tick();
  report.tick();

  return { models, versions, datasets, runs: [await db.getTrainingRun(vitRun.id), await db.getTrainingRun(vaeRun.id)], experiment, predictions, statistics, reused };
}

interface TrainingPlan {
  name: string;
  model: Model;
  version: ModelVersion;
  dataset: Dataset;
  hyperparameters: Record<string, string | number>;
  metricsAt(epoch: number): Record<string, number>;
}

/** One training run through queued → running → completed, with hyperparameters and metrics. */
async function trainRun(db: AiDatabase, report: DemoReporter, plan: TrainingPlan): Promise<TrainingRun> {
  const run = await db.createTrainingRun({
    name: plan.name,
    modelId: plan.model.id,
    modelVersionId: plan.version.id,
    datasetId: plan.dataset.id,
    status: 'queued',
    config: { device: 'cuda:0', precision: 'bf16' },
    tags: { demo: 'true' },
  });
  report.line(`Run #${run.id} ${plan.name} (${plan.model.name} v${plan.version.version} on ${plan.dataset.name}): ${run.status}`);
  report.tick();
  await db.logHyperparameters(run.id, plan.hyperparameters);
  report.line(`  hyperparameters: ${Object.entries(plan.hyperparameters).map(([key, value]) => `${key}=${value}`).join(', ')}`);
  report.tick();
  const running = await db.updateTrainingRun(run.id, { status: 'running' });
  report.line(`  status: ${run.status} → ${running.status}`);
  const rows: Array<Array<string | number | null>> = [];
  for (let epoch = 0; epoch < DEMO_EPOCHS; epoch++) {
    const values = plan.metricsAt(epoch);
    // Epochs count from 1, as people say them; the step is the epoch.
    await db.logMetrics(run.id, Object.entries(values).map(([name, value]) => ({ name, value, step: epoch + 1, epoch: epoch + 1 })));
    rows.push([epoch + 1, ...Object.values(values)]);
    report.tick();
  }
  report.table(['EPOCH', ...Object.keys(plan.metricsAt(0))], rows);
  const completed = await db.updateTrainingRun(run.id, { status: 'completed' });
  report.line(`  status: ${running.status} → ${completed.status} (duration ${completed.durationMs ?? 0} ms)`);
  report.tick();
  return completed;
}
