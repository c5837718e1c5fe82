/**
 * Prediction statistics from write-time rollups: counts, sums, maxima and accuracy equal a
 * brute-force computation over the stored predictions, latency quantiles stay within the stated
 * relative error of the exact percentiles (heavy tails included), versions compare side by side,
 * and ground truth that arrives later moves accuracy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type JsonValue, type PredictionInput } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The exact percentile the sketch approximates: rank ⌊q·(n−1)⌋ of the sorted values. */
function exactQuantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithinRelative(actual: number | null, exact: number | null, error: number): void {
  if (exact === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(error * exact * (1 + 1e-9) + 1e-300);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Brute force over stored predictions: the aggregates of those in [start, start + width). */
function bruteForce(predictions: readonly PredictionInput[], start: number, width: number, field?: string) {
  const inBucket = predictions.filter((p) => {
    const time = (p.timestamp as Date).getTime();
    return time >= start && time < start + width;
  });
  const latencies = inBucket.flatMap((p) => (p.latencyMs == null ? [] : [p.latencyMs])).sort((a, b) => a - b);
  const confidences = inBucket.flatMap((p) => (p.confidence == null ? [] : [p.confidence]));
  const histogram = new Array<number>(10).fill(0);
  for (const confidence of confidences) histogram[Math.min(9, Math.floor(confidence * 10))]! += 1;
  const labelled = inBucket.filter((p) => p.groundTruth != null);
  const at = (value: unknown) => (field === undefined ? value : (value as Record<string, unknown> | null)?.[field]);
  const correct = labelled.filter((p) => at(p.groundTruth) !== undefined && jsonEqual(at(p.output), at(p.groundTruth))).length;
  return {
    count: inBucket.length,
    errorCount: inBucket.filter((p) => (p.metadata as Record<string, unknown> | undefined)?.error != null).length,
    latencies,
    latencyMax: latencies.length === 0 ? null : latencies.at(-1)!,
    latencyMean: latencies.length === 0 ? null : latencies.reduce((a, b) => a + b, 0) / latencies.length,
    confidenceCount: confidences.length,
    confidenceMean: confidences.length === 0 ? null : confidences.reduce((a, b) => a + b, 0) / confidences.length,
    histogram,
    labelled: labelled.length,
    correct,
  };
}

/** Latencies of every shape a service produces: ordinary, sub-millisecond, zero, absent, and Pareto tails. */
const latency = fc.oneof(
  fc.double({ min: 0.5, max: 500, noNaN: true }),
  fc.double({ min: 1e-6, max: 1e-3, noNaN: true }),
  fc.constant(0),
  fc.constant(null),
  // Pareto with shape 1.1: most values near 10 ms, a few seconds to hours.
  fc.double({ min: 1e-9, max: 1, noNaN: true }).map((u) => 10 / u ** (1 / 1.1)),
);
const label = fc.constantFrom('cat', 'dog', 'bird');

export function definePredictionStatsContract(target: ContractTarget): void {
  describe(`${target.label}: prediction statistics`, () => {
    const db = useDatabase(target);
    const newModel = async () => db().createModel({ name: uniqueName('monitored') });
    const newVersion = async (modelId?: number) => db().createModelVersion({ modelId: modelId ?? (await newModel()).id });

    it('counts, sums, maxima and accuracy equal brute force; quantiles are within 1 % of exact percentiles', async () => {
      const prediction = fc.record({
        offset: fc.integer({ min: 0, max: 3 * HOUR - 1 }),
        latencyMs: latency,
        confidence: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        output: label,
        truth: fc.option(label, { nil: null }),
        error: fc.boolean(),
        single: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(prediction, { minLength: 1, maxLength: 400 }), async (drawn) => {
          const version = await newVersion();
          const inputs: PredictionInput[] = drawn.map((item) => ({
            modelVersionId: version.id,
            input: { offset: item.offset },
            // Objects whose keys come in another order than the ground truth's still match.
            output: { label: item.output, score: 1 },
            groundTruth: item.truth === null ? null : { score: 1, label: item.truth },
            latencyMs: item.latencyMs,
            confidence: item.confidence,
            timestamp: new Date(T0 + item.offset),
            metadata: item.error ? { error: 'timeout' } : { ok: true },
          }));
          const singles = inputs.filter((_input, index) => drawn[index]!.single).slice(0, 5);
          for (const single of singles) await db().logPrediction(single);
          const rest = inputs.filter((input) => !singles.includes(input));
          for (let index = 0; index < rest.length; index += 150) await db().logPredictions(rest.slice(index, index + 150));

          for (const bucket of ['minute', 'hour'] as const) {
            const width = bucket === 'minute' ? MINUTE : HOUR;
            const stats = await db().getPredictionStats({ modelVersionId: version.id, since: new Date(T0), until: new Date(T0 + 3 * HOUR), bucket });
            expect(stats.bucketMs).toBe(width);
            expect(stats.since).toEqual(new Date(T0));
            expect(stats.until).toEqual(new Date(T0 + 3 * HOUR));
            expect(stats.quantileError).toBe(0.01);
            expect(stats.series).toHaveLength(1);
            const [series] = stats.series;
            expect(series!.modelVersionId).toBe(version.id);
            const starts = [...new Set(inputs.map((input) => Math.floor((input.timestamp as Date).getTime() / width) * width))].sort((a, b) => a - b);
            expect(series!.buckets.map((b) => b.start.getTime())).toEqual(starts);
            for (const got of series!.buckets) {
              const want = bruteForce(inputs, got.start.getTime(), width);
              expect(got.end.getTime() - got.start.getTime()).toBe(width);
              expect(got.count).toBe(want.count);
              expect(got.errorCount).toBe(want.errorCount);
              expect(got.latency.count).toBe(want.latencies.length);
              expect(got.latency.max).toBe(want.latencyMax);
              if (want.latencyMean === null) expect(got.latency.mean).toBeNull();
              else expect(Math.abs(got.latency.mean! - want.latencyMean)).toBeLessThanOrEqual(1e-9 * Math.max(1, want.latencyMean));
              for (const [q, key] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
                expectWithinRelative(got.latency[key], exactQuantile(want.latencies, q), 0.01);
              }
              expect(got.confidence.count).toBe(want.confidenceCount);
              expect(got.confidence.histogram).toEqual(want.histogram);
              if (want.confidenceMean === null) expect(got.confidence.mean).toBeNull();
              else expect(got.confidence.mean!).toBeCloseTo(want.confidenceMean, 9);
              expect(got.labelled).toBe(want.labelled);
              expect(got.correct).toBe(want.correct);
              expect(got.accuracy).toBe(want.labelled === 0 ? null : want.correct / want.labelled);
            }
            const total = bruteForce(inputs, T0, 3 * HOUR);
            expect(series!.total.count).toBe(inputs.length);
            expect(series!.total.latency.max).toBe(total.latencyMax);
            expectWithinRelative(series!.total.latency.p99, exactQuantile(total.latencies, 0.99), 0.01);
            expect(series!.total.correct).toBe(total.correct);
          }
        }),
        { numRuns: 4 },
      );
    });

    it('compares versions side by side, merges a model, and picks a round bucket width for a target count', async () => {
      const model = await newModel();
      const a = await newVersion(model.id);
      const b = await newVersion(model.id);
      const other = await newVersion();
      const log = (versionId: number, minute: number, latencyMs: number) => ({
        modelVersionId: versionId,
        input: minute,
        output: 1,
        latencyMs,
        timestamp: new Date(T0 + minute * MINUTE),
      });
      await db().logPredictions([log(a.id, 0, 10), log(a.id, 1, 20), log(b.id, 0, 100), log(b.id, 90, 200), log(other.id, 5, 7)]);

      const compared = await db().getPredictionStats({ modelVersionIds: [a.id, b.id], since: new Date(T0), until: new Date(T0 + 2 * HOUR), bucket: 'hour' });
      expect(compared.series.map((series) => series.modelVersionId)).toEqual([a.id, b.id]);
      expect(compared.series[0]!.buckets.map((bucket) => bucket.count)).toEqual([2]);
      expect(compared.series[1]!.buckets.map((bucket) => bucket.count)).toEqual([1, 1]);
      expect(compared.series[1]!.total.latency.max).toBe(200);

      const merged = await db().getPredictionStats({ modelId: model.id, since: new Date(T0), until: new Date(T0 + 2 * HOUR), bucket: 'hour' });
      expect(merged.series).toHaveLength(1);
      expect(merged.series[0]!.modelVersionId).toBeNull();
      expect(merged.series[0]!.total.count).toBe(4);

      // 2 hours in at most 10 buckets: 15-minute buckets, the window on the 15-minute grid.
      const targeted = await db().getPredictionStats({ modelVersionId: a.id, since: new Date(T0 + 1000), until: new Date(T0 + 2 * HOUR), buckets: 10 });
      expect(targeted.bucketMs).toBe(15 * MINUTE);
      expect(targeted.bucket).toBe('15m');
      expect(targeted.since).toEqual(new Date(T0));
      expect(targeted.series[0]!.buckets).toHaveLength(1);
      expect(targeted.series[0]!.buckets[0]!.count).toBe(2);

      const empty = await db().getPredictionStats({ modelVersionId: a.id, since: new Date(T0 - 5 * HOUR), until: new Date(T0 - 4 * HOUR), bucket: 'minute' });
      expect(empty.series[0]!.buckets).toEqual([]);
      expect(empty.series[0]!.total.count).toBe(0);
      expect(empty.series[0]!.total.latency.p50).toBeNull();
      expect(empty.series[0]!.total.accuracy).toBeNull();

      await expectRejection(db().getPredictionStats({ since: new Date(T0), until: new Date(T0) }), ValidationError, { field: 'query.since' });
      await expectRejection(
        db().getPredictionStats({ since: new Date(T0 - 30 * 24 * HOUR), until: new Date(T0), bucket: 'minute' }),
        ValidationError,
        { field: 'query.bucket' },
      );
      await expectRejection(db().getPredictionStats({ modelVersionId: a.id, modelId: model.id }), ValidationError);
    });

    it('concurrent batches into the same minutes all count (rows are merged one writer at a time)', async () => {
      const version = await newVersion();
      const batch = (writer: number) =>
        Array.from({ length: 50 }, (_unused, index) => ({
          modelVersionId: version.id,
          input: { writer, index },
          output: 'ok',
          groundTruth: index % 2 === 0 ? 'ok' : null,
          latencyMs: writer * 100 + index,
          timestamp: new Date(T0 + (index % 3) * MINUTE),
        }));
      await Promise.all(Array.from({ length: 6 }, (_unused, writer) => db().logPredictions(batch(writer + 1))));
      const stats = await db().getPredictionStats({ modelVersionId: version.id, since: new Date(T0), until: new Date(T0 + 3 * MINUTE), bucket: 'minute' });
      expect(stats.series[0]!.buckets.map((bucket) => bucket.count)).toEqual([6 * 17, 6 * 17, 6 * 16]);
      expect(stats.series[0]!.total).toMatchObject({ count: 300, labelled: 150, correct: 150 });
      expect(stats.series[0]!.total.latency.max).toBe(649);
      const hourly = await db().getPredictionStats({ modelVersionId: version.id, since: new Date(T0), until: new Date(T0 + HOUR), bucket: 'hour' });
      expect(hourly.series[0]!.total.count).toBe(300);
    });

    it('takes ground truth later, by id, in a batch and by the client key; accuracy follows', async () => {
      const version = await newVersion();
      const at = (minute: number) => new Date(T0 + minute * MINUTE);
      const first = await db().logPrediction({ modelVersionId: version.id, input: 1, output: 'cat', timestamp: at(0), key: 'req-1' });
      expect(first.key).toBe('req-1');
      await db().logPredictions([
        { modelVersionId: version.id, input: 2, output: 'dog', timestamp: at(1), key: 'req-2' },
        { modelVersionId: version.id, input: 3, output: { label: 'bird', p: 0.9 }, timestamp: at(2), key: 'req-3' },
        { modelVersionId: version.id, input: 4, output: 'cat', timestamp: at(3) },
      ]);
      const hour = async (accuracyField?: string) =>
        (await db().getPredictionStats({ modelVersionId: version.id, since: at(0), until: at(60), bucket: 'hour', ...(accuracyField ? { accuracyField } : {}) }))
          .series[0]!.total;
      expect(await hour()).toMatchObject({ count: 4, labelled: 0, correct: 0, accuracy: null });

      const labelled = await db().recordGroundTruth(first.id, 'cat');
      expect(labelled.groundTruth).toBe('cat');
      expect(await hour()).toMatchObject({ labelled: 1, correct: 1, accuracy: 1 });

      const byKey = await db().recordGroundTruthByKey(version.id, 'req-2', 'cat');
      expect(byKey.groundTruth).toBe('cat');
      expect(await hour()).toMatchObject({ labelled: 2, correct: 1, accuracy: 0.5 });

      const result = await db().recordGroundTruths([
        { modelVersionId: version.id, key: 'req-3', value: { p: 0.4, label: 'bird' } },
        { predictionId: first.id, value: 'dog' },
        { predictionId: first.id, value: 'cat' },
        { modelVersionId: version.id, key: 'req-2', value: 'dog' },
      ]);
      expect(result.written).toBe(4);
      // req-3's whole output differs from its truth (p differs), but the label field matches.
      expect(await hour()).toMatchObject({ labelled: 3, correct: 2 });
      expect(await hour('label')).toMatchObject({ labelled: 3, correct: 1 });

      await db().recordGroundTruth(first.id, null);
      expect(await hour()).toMatchObject({ labelled: 2, correct: 1, accuracy: 0.5 });
      const minuteStats = await db().getPredictionStats({ modelVersionId: version.id, since: at(0), until: at(4), bucket: 'minute' });
      expect(minuteStats.series[0]!.buckets.map((bucket) => [bucket.labelled, bucket.correct])).toEqual([[0, 0], [1, 1], [1, 0], [0, 0]]);

      await expectRejection(db().recordGroundTruth(987_654_321, 'x'), NotFoundError);
      await expectRejection(
        db().recordGroundTruths([
          { predictionId: first.id, value: 'cat' },
          { modelVersionId: version.id, key: 'nobody', value: 'cat' },
        ]),
        NotFoundError,
        { field: 'groundTruth.1.key' },
      );
      // The failed batch changed nothing.
      expect((await db().getPredictions({ modelVersionId: version.id })).items.find((p) => p.id === first.id)!.groundTruth).toBeNull();
      await expectRejection(db().logPrediction({ modelVersionId: version.id, input: 5, output: 'x', key: 'req-1' }), ConflictError);
      await expectRejection(
        db().logPredictions([{ modelVersionId: version.id, input: 5, output: 'x', key: 'req-9' }, { modelVersionId: version.id, input: 6, output: 'x', key: 'req-9' }]),
        ConflictError,
      );
      // Keys are unique per version only.
      const otherVersion = await newVersion();
      await db().logPrediction({ modelVersionId: otherVersion.id, input: 1, output: 'x', key: 'req-1' });
      const value: JsonValue = { nested: [1, 2] };
      expect((await db().recordGroundTruthByKey(otherVersion.id, 'req-1', value)).groundTruth).toEqual(value);
    });
  });
}
