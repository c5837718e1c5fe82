/**
 * What must hold after a writer was killed mid-ingestion: every acknowledged batch is stored, no batch
 * is stored in part, omitted steps stay gapless, and the summaries and rollups say exactly what the
 * points say. Batches are recognised by their values: point i of batch `tag` has value tag*1000+i
 * (`loss`) and its negation (`accuracy`).
 */
import { expect } from 'vitest';
import type { AiDatabase, MetricPoint } from '../../../src/index.js';

export const SERIES = ['loss', 'accuracy'] as const;

export interface IngestionFigures {
  storedBatches: number;
  lostAcknowledged: number;
  partialBatches: number;
}

const tagOf = (point: MetricPoint) => Math.floor(Math.abs(point.value) / 1000);

/** Checks the run against the acknowledged tags; returns the figures (and fails the test on any loss). */
export async function checkIngestion(db: AiDatabase, runId: number, acknowledged: ReadonlySet<number>, perSeries: number): Promise<IngestionFigures> {
  const storedBySeries = new Map<string, Set<number>>();
  let partialBatches = 0;
  for (const name of SERIES) {
    const points = await db.getMetrics(runId, { name });
    expect(points.map((point) => point.step), `${name}: omitted steps are gapless`).toEqual(points.map((_point, index) => index));
    const counts = new Map<number, number>();
    for (const point of points) counts.set(tagOf(point), (counts.get(tagOf(point)) ?? 0) + 1);
    for (const count of counts.values()) if (count !== perSeries) partialBatches++;
    storedBySeries.set(name, new Set(counts.keys()));

    const summary = (await db.getMetricSummaries(runId)).find((item) => item.name === name);
    if (points.length === 0) {
      expect(summary).toBeUndefined();
      continue;
    }
    const values = points.map((point) => point.value);
    expect(summary, `${name}: summary`).toMatchObject({
      count: points.length,
      lastStep: points.at(-1)!.step,
      lastValue: points.at(-1)!.value,
      min: Math.min(...values),
      max: Math.max(...values),
    });
    // Few buckets, so each spans many steps and comes from the rollups where the store keeps them.
    const buckets = await db.getMetricBuckets(runId, name, { buckets: 4 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.count, 0), `${name}: bucket counts`).toBe(points.length);
    for (const bucket of buckets) {
      const inside = points.filter((point) => point.step >= bucket.stepStart && point.step <= bucket.stepEnd);
      const insideValues = inside.map((point) => point.value);
      expect(bucket, `${name}: bucket ${bucket.stepStart}-${bucket.stepEnd}`).toMatchObject({
        count: inside.length,
        min: Math.min(...insideValues),
        max: Math.max(...insideValues),
        last: inside.at(-1)!.value,
        lastStep: inside.at(-1)!.step,
      });
    }
  }
  const [loss, accuracy] = SERIES.map((name) => storedBySeries.get(name)!);
  expect([...loss!].sort((a, b) => a - b), 'both series hold the same batches').toEqual([...accuracy!].sort((a, b) => a - b));
  const lostAcknowledged = [...acknowledged].filter((tag) => !loss!.has(tag)).length;
  expect(lostAcknowledged, 'acknowledged batches missing').toBe(0);
  expect(partialBatches, 'batches stored in part').toBe(0);
  return { storedBatches: loss!.size, lostAcknowledged, partialBatches };
}
