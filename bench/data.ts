/** Deterministic benchmark data: training-loop shaped metric series and prediction payloads. */
import type { MetricPointInput, PredictionInput } from '../src/index.js';
import type { RawMetricRow, RawPredictionRow } from './raw/raw-driver.js';

export const metricName = (index: number) => `metric_${String(index).padStart(2, '0')}`;

/** A loss-like curve with noise that needs no random source, so runs are comparable. */
export function metricValue(metric: number, step: number): number {
  return (metric + 1) / (1 + step / 100) + ((step * 7919 + metric * 104_729) % 1000) / 100_000;
}

/** One run's points in training-loop order (every metric at step 0, then step 1 …), as batches. */
export function* runBatches(metrics: number, steps: number, batchSize: number, firstStep = 0): Generator<MetricPointInput[]> {
  let batch: MetricPointInput[] = [];
  for (let step = firstStep; step < firstStep + steps; step++) {
    for (let metric = 0; metric < metrics; metric++) {
      batch.push({ name: metricName(metric), value: metricValue(metric, step), step });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

export function toRawRows(runId: number, points: MetricPointInput[], loggedAt: number): RawMetricRow[] {
  return points.map((point) => ({ run_id: runId, name: point.name, step: point.step!, value: point.value as number, logged_at: loggedAt }));
}

export function prediction(modelVersionId: number, index: number, at: number): PredictionInput {
  return {
    modelVersionId,
    input: { features: Array.from({ length: 8 }, (_, feature) => ((index * 31 + feature * 17) % 1000) / 1000), id: `sample-${index}` },
    output: { label: index % 3 === 0 ? 'cat' : 'dog', scores: [0.1, 0.7, 0.2] },
    confidence: 0.5 + (index % 50) / 100,
    latencyMs: 3 + (index % 20) / 10,
    timestamp: at,
    metadata: { batch: Math.floor(index / 1000) },
  };
}

export function toRawPrediction(input: PredictionInput): RawPredictionRow {
  return {
    model_version_id: input.modelVersionId,
    input: JSON.stringify(input.input),
    output: JSON.stringify(input.output),
    ground_truth: null,
    confidence: input.confidence!,
    latency_ms: input.latencyMs!,
    predicted_at: input.timestamp as number,
    metadata: JSON.stringify(input.metadata),
  };
}
