/**
 * Negative metric steps (MLflow allows them; docs/decisions/0910): stored, read in step order,
 * filtered by negative step ranges, summarised, and downsampled exactly — rollup blocks of negative
 * steps are floor(step / block size), in the database's SQL as in memory, for appends and rewrites.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError, type MetricBucket, type MetricPointInput } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection } from './expectations.js';

/** The bucket of exactly these points (ascending steps), computed by brute force. */
function bruteBucket(points: ReadonlyArray<readonly [number, number]>): MetricBucket {
  const finite = points.map(([, value]) => value).filter(Number.isFinite);
  const [lastStep, last] = points[points.length - 1]!;
  return {
    stepStart: points[0]![0],
    stepEnd: lastStep,
    min: finite.length === 0 ? null : Math.min(...finite),
    max: finite.length === 0 ? null : Math.max(...finite),
    last,
    lastStep,
    count: points.length,
  };
}

/**
 * Buckets are checked without assuming their edges: at most `asked`, ascending and disjoint, every
 * stored point of the range in exactly one, each bucket exactly the points between its ends.
 */
function expectExactBuckets(series: ReadonlyMap<number, number>, buckets: MetricBucket[], query: { buckets: number; minStep?: number; maxStep?: number }) {
  const points = [...series.entries()]
    .filter(([step]) => step >= (query.minStep ?? Number.MIN_SAFE_INTEGER) && step <= (query.maxStep ?? Number.MAX_SAFE_INTEGER))
    .sort(([a], [b]) => a - b);
  expect(buckets.length).toBeGreaterThan(0);
  expect(buckets.length).toBeLessThanOrEqual(query.buckets);
  let next = 0;
  let previousEnd = Number.NEGATIVE_INFINITY;
  for (const bucket of buckets) {
    expect(bucket.stepStart).toBeGreaterThan(previousEnd);
    const group: Array<readonly [number, number]> = [];
    while (next < points.length && points[next]![0] <= bucket.stepEnd) group.push(points[next++]!);
    expect(group.length).toBeGreaterThan(0);
    expect(bucket).toEqual(bruteBucket(group));
    previousEnd = bucket.stepEnd;
  }
  expect(next).toBe(points.length);
}

export function defineNegativeStepsContract(target: ContractTarget): void {
  describe(`${target.label}: negative metric steps`, () => {
    const db = useDatabase(target);

    it('stores negative steps and reads them in step order, with negative step filters, summaries and latest values', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [
        { name: 'warmup', value: 3, step: -3 },
        { name: 'warmup', value: 1, step: -1 },
        { name: 'warmup', value: 2, step: -2 },
        { name: 'warmup', value: -1e300, step: Number.MIN_SAFE_INTEGER },
      ]);
      await db().logMetric(run.id, 'warmup', 4, { step: -65 });
      const steps = (query?: Parameters<ReturnType<typeof db>['getMetrics']>[1]) =>
        db().getMetrics(run.id, { name: 'warmup', ...query }).then((points) => points.map((point) => point.step));
      expect(await steps()).toEqual([Number.MIN_SAFE_INTEGER, -65, -3, -2, -1]);
      expect(await steps({ minStep: -3, maxStep: -2 })).toEqual([-3, -2]);
      expect(await steps({ maxStep: -64, limit: 1 })).toEqual([Number.MIN_SAFE_INTEGER]);
      expect(await steps({ minStep: -64 })).toEqual([-3, -2, -1]);
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ name: 'warmup', lastStep: -1, lastValue: 1, count: 5, min: -1e300, max: 4 });
      expect(await db().getLatestMetrics(run.id)).toEqual([{ runId: run.id, name: 'warmup', value: 1, step: -1 }]);
    });

    it('gives an omitted step one past the highest, never below 0', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [{ name: 'loss', value: 1, step: -10 }]);
      await db().logMetric(run.id, 'loss', 2);
      await db().logMetric(run.id, 'loss', 3);
      expect((await db().getMetrics(run.id)).map((point) => [point.step, point.value])).toEqual([
        [-10, 1],
        [0, 2],
        [1, 3],
      ]);
      await expectRejection(db().logMetric(run.id, 'loss', 1, { step: -1.5 }), ValidationError, { field: 'points.0.step' });
      await expectRejection(db().logMetrics(run.id, [{ name: 'loss', value: 1, step: Number.MIN_SAFE_INTEGER - 2 }]), ValidationError, {
        field: 'points.0.step',
      });
    });

    it('downsamples series across negative blocks exactly, after appends and after rewrites', async () => {
      const run = await db().createTrainingRun();
      const series = new Map<number, number>();
      const log = async (points: Array<[number, number]>) => {
        await db().logMetrics(run.id, points.map(([step, value]): MetricPointInput => ({ name: 'loss', step, value })));
        for (const [step, value] of points) series.set(step, value);
      };
      // Appended in rising batches from -20,000 (rollups serve the long reads), with a gap at -6,000…-5,001.
      for (let start = -20_000; start < 4_000; start += 1_000) {
        const batch: Array<[number, number]> = [];
        for (let step = start; step < start + 1_000; step++) if (step < -6_000 || step > -5_001) batch.push([step, Math.sin(step / 37) * 100]);
        await log(batch);
      }
      const queries = [
        { buckets: 1 },
        { buckets: 7 },
        { buckets: 60 },
        { buckets: 5, minStep: -12_345, maxStep: -1_001 },
        { buckets: 4, minStep: -129, maxStep: 64 },
        { buckets: 30, minStep: -200, maxStep: -1 },
      ];
      for (const query of queries) expectExactBuckets(series, await db().getMetricBuckets(run.id, 'loss', query), query);

      // Rewrites of stored negative steps recompute their blocks from the stored points (in SQL),
      // among them a new extreme in block -1 (steps -64…-1) and block -2's first step.
      await log([
        [-1, 1e6],
        [-64, -1e6],
        [-65, 5e5],
        [-128, -5e5],
        [-19_999, Number.NaN],
        [-7_000, 77],
      ]);
      for (const query of queries) expectExactBuckets(series, await db().getMetricBuckets(run.id, 'loss', query), query);
      const [bulk] = await db().getMetricBucketsBulk({ runIds: [run.id], names: ['loss'], buckets: 7 });
      expect(bulk!.buckets).toEqual(await db().getMetricBuckets(run.id, 'loss', { buckets: 7 }));
    });

    it('reads a short series with negative steps in bulk as getMetricBuckets does', async () => {
      const run = await db().createTrainingRun();
      // Three points whose count equals lastStep + 1, yet they span four steps.
      await db().logMetrics(run.id, [
        { name: 'acc', value: 1, step: -1 },
        { name: 'acc', value: 2, step: 0 },
        { name: 'acc', value: 3, step: 2 },
      ]);
      for (const buckets of [2, 3, 4]) {
        const [bulk] = await db().getMetricBucketsBulk({ runIds: [run.id], names: ['acc'], buckets });
        const single = await db().getMetricBuckets(run.id, 'acc', { buckets });
        expect(bulk!.buckets).toEqual(single);
        expectExactBuckets(
          new Map([
            [-1, 1],
            [0, 2],
            [2, 3],
          ]),
          single,
          { buckets },
        );
      }
    });
  });
}
