/**
 * Metric time series: points keyed by (run, name, step), retries that never duplicate, omitted steps,
 * NaN and ±Infinity round trips, summaries kept with every write, and downsampled buckets.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, type MetricBucket, type MetricPointInput } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectRejection } from './expectations.js';

/** What a correct downsampling returns, computed here from the raw points. */
function expectedBuckets(points: Array<{ step: number; value: number }>, buckets: number): MetricBucket[] {
  const lo = Math.min(...points.map((point) => point.step));
  const hi = Math.max(...points.map((point) => point.step));
  const span = hi - lo + 1;
  // Equal ranges of a whole number of steps; the last may be shorter.
  const width = Math.ceil(span / Math.min(buckets, span));
  const groups = new Map<number, Array<{ step: number; value: number }>>();
  for (const point of points) {
    const index = Math.floor((point.step - lo) / width);
    groups.set(index, [...(groups.get(index) ?? []), point]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => bucketOf(group));
}

/** The bucket of exactly these points, computed by brute force. */
function bucketOf(points: Array<{ step: number; value: number }>): MetricBucket {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const finite = sorted.map((point) => point.value).filter(Number.isFinite);
  const last = sorted.at(-1)!;
  return {
    stepStart: sorted[0]!.step,
    stepEnd: last.step,
    min: finite.length === 0 ? null : finite.reduce((a, b) => Math.min(a, b)),
    max: finite.length === 0 ? null : finite.reduce((a, b) => Math.max(a, b)),
    last: last.value,
    lastStep: last.step,
    count: sorted.length,
  };
}

/**
 * Checks downsampled buckets without assuming where their edges fall: at most `asked` of them,
 * ascending and disjoint, every point in [minStep, maxStep] in exactly one, and each bucket's
 * min/max/last/count exactly those of the points between its stepStart and stepEnd.
 */
function expectExactBuckets(
  series: ReadonlyMap<number, number>,
  buckets: MetricBucket[],
  query: { buckets: number; minStep?: number; maxStep?: number },
): void {
  const points = [...series.entries()]
    .filter(([step]) => step >= (query.minStep ?? 0) && step <= (query.maxStep ?? Number.MAX_SAFE_INTEGER))
    .sort(([a], [b]) => a - b)
    .map(([step, value]) => ({ step, value }));
  expect(buckets.length).toBeLessThanOrEqual(query.buckets);
  let next = 0;
  let previousEnd = -1;
  for (const bucket of buckets) {
    expect(bucket.stepStart).toBeGreaterThan(previousEnd);
    const group: Array<{ step: number; value: number }> = [];
    while (next < points.length && points[next]!.step <= bucket.stepEnd) group.push(points[next++]!);
    expect(group.length).toBeGreaterThan(0);
    expect(bucket).toEqual(bucketOf(group));
    previousEnd = bucket.stepEnd;
  }
  expect(next).toBe(points.length);
}

/** A small seeded generator, so a failing random case can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function defineMetricsContract(target: ContractTarget): void {
  describe(`${target.label}: metrics`, () => {
    const db = useDatabase(target);

    it('stores points with their epoch and timestamp and returns them ordered by name then step', async () => {
      const run = await db().createTrainingRun();
      const at = new Date('2024-03-01T12:00:00.123Z');
      await db().logMetrics(run.id, [
        { name: 'val_loss', value: 0.9, step: 1, epoch: 0, timestamp: at },
        { name: 'loss', value: 1.5, step: 1, epoch: 0, timestamp: at.getTime() },
        { name: 'loss', value: 2.5, step: 0, epoch: 0, timestamp: at.toISOString() },
      ]);
      const points = await db().getMetrics(run.id);
      expect(points.map((point) => [point.name, point.step, point.value, point.epoch])).toEqual([
        ['loss', 0, 2.5, 0],
        ['loss', 1, 1.5, 0],
        ['val_loss', 1, 0.9, 0],
      ]);
      for (const point of points) {
        expect(point.runId).toBe(run.id);
        expectDate(point.timestamp);
        expect(point.timestamp.getTime()).toBe(at.getTime());
      }
      const defaulted = await db().createTrainingRun();
      await db().logMetric(defaulted.id, 'loss', 1);
      const [point] = await db().getMetrics(defaulted.id);
      expectDate(point!.timestamp);
      expect(point!.epoch).toBeNull();
    });

    it('does not duplicate a re-sent batch and keeps the summary exact', async () => {
      const run = await db().createTrainingRun();
      const batch: MetricPointInput[] = Array.from({ length: 10 }, (_unused, step) => ({ name: 'loss', value: 10 - step, step }));
      expect(await db().logMetrics(run.id, batch)).toEqual({ written: 10 });
      await db().logMetrics(run.id, batch);
      await db().logMetrics(run.id, batch.slice(3, 7));
      const points = await db().getMetrics(run.id, { name: 'loss' });
      expect(points.map((point) => point.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const [summary] = await db().getMetricSummaries(run.id);
      expect(summary).toMatchObject({ runId: run.id, name: 'loss', count: 10, min: 1, max: 10, lastStep: 9, lastValue: 1 });
      expectDate(summary!.lastTimestamp);

      // A retry that carries a corrected value replaces the point and the summary follows.
      await db().logMetrics(run.id, [{ name: 'loss', value: 0.25, step: 4 }, { name: 'loss', value: 50, step: 9 }]);
      expect((await db().getMetrics(run.id, { name: 'loss' })).map((point) => point.value)).toEqual([10, 9, 8, 7, 0.25, 5, 4, 3, 2, 50]);
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 10, min: 0.25, max: 50, lastStep: 9, lastValue: 50 });
    });

    it('keeps the last of two points with the same step inside one batch', async () => {
      const run = await db().createTrainingRun();
      expect(await db().logMetrics(run.id, [{ name: 'acc', value: 0.1, step: 3 }, { name: 'acc', value: 0.2, step: 3 }])).toEqual({ written: 1 });
      expect((await db().getMetrics(run.id)).map((point) => point.value)).toEqual([0.2]);
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 1, min: 0.2, max: 0.2 });
    });

    it('fills omitted steps with one past the highest step of each series', async () => {
      const run = await db().createTrainingRun();
      await db().logMetric(run.id, 'loss', 3);
      await db().logMetric(run.id, 'loss', 2);
      await db().logMetric(run.id, 'acc', 0.5);
      await db().logMetric(run.id, 'loss', 1, { step: 10 });
      await db().logMetrics(run.id, [{ name: 'loss', value: 0.9 }, { name: 'loss', value: 0.8 }, { name: 'acc', value: 0.6 }]);
      await db().logMetric(run.id, 'loss', 5, { step: 4 });
      await db().logMetric(run.id, 'loss', 0.7);
      const steps = (name: string) => db().getMetrics(run.id, { name }).then((points) => points.map((point) => point.step));
      expect(await steps('loss')).toEqual([0, 1, 4, 10, 11, 12, 13]);
      expect(await steps('acc')).toEqual([0, 1]);
      expect((await db().getMetricSummaries(run.id)).find((summary) => summary.name === 'loss')).toMatchObject({
        count: 7,
        lastStep: 13,
        lastValue: 0.7,
        min: 0.7,
        max: 5,
      });
    });

    it('round-trips NaN, Infinity and -Infinity in points, summaries and buckets', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [
        { name: 'grad_norm', value: 1.5, step: 0 },
        { name: 'grad_norm', value: Number.NaN, step: 1 },
        { name: 'grad_norm', value: Number.POSITIVE_INFINITY, step: 2 },
        { name: 'grad_norm', value: Number.NEGATIVE_INFINITY, step: 3 },
        { name: 'grad_norm', value: -2.5, step: 4 },
        { name: 'grad_norm', value: Number.NaN, step: 5 },
      ]);
      await db().logMetric(run.id, 'diverged', Number.POSITIVE_INFINITY);
      await db().logMetric(run.id, 'diverged', Number.NaN);
      const values = (await db().getMetrics(run.id, { name: 'grad_norm' })).map((point) => point.value);
      expect(values).toEqual([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2.5, Number.NaN]);
      expect(Object.is(values[1], Number.NaN)).toBe(true);

      const summaries = await db().getMetricSummaries(run.id);
      const grad = summaries.find((summary) => summary.name === 'grad_norm')!;
      expect(grad.count).toBe(6);
      expect(grad.min).toBe(-2.5);
      expect(grad.max).toBe(1.5);
      expect(grad.lastStep).toBe(5);
      expect(Number.isNaN(grad.lastValue)).toBe(true);
      const diverged = summaries.find((summary) => summary.name === 'diverged')!;
      expect(diverged).toMatchObject({ count: 2, min: null, max: null, lastStep: 1 });
      expect(Number.isNaN(diverged.lastValue)).toBe(true);

      // Rewriting a step recomputes the summary from history: the non-finite values still do not count as min/max.
      await db().logMetric(run.id, 'grad_norm', Number.NEGATIVE_INFINITY, { step: 5 });
      const rewritten = (await db().getMetricSummaries(run.id)).find((summary) => summary.name === 'grad_norm')!;
      expect(rewritten).toMatchObject({ count: 6, min: -2.5, max: 1.5, lastStep: 5, lastValue: Number.NEGATIVE_INFINITY });

      const buckets = await db().getMetricBuckets(run.id, 'grad_norm', { buckets: 3 });
      expect(buckets).toEqual([
        { stepStart: 0, stepEnd: 1, min: 1.5, max: 1.5, last: Number.NaN, lastStep: 1, count: 2 },
        { stepStart: 2, stepEnd: 3, min: null, max: null, last: Number.NEGATIVE_INFINITY, lastStep: 3, count: 2 },
        { stepStart: 4, stepEnd: 5, min: -2.5, max: -2.5, last: Number.NEGATIVE_INFINITY, lastStep: 5, count: 2 },
      ]);
    });

    it('downsamples a few hundred points into buckets with exact min, max, last and count', async () => {
      const run = await db().createTrainingRun();
      const points = Array.from({ length: 300 }, (_unused, step) => ({
        name: 'loss',
        step,
        value: Math.round((Math.sin(step / 7) * 100 + (step % 13) - step / 10) * 1000) / 1000,
      }));
      await db().logMetrics(run.id, points);
      const ten = await db().getMetricBuckets(run.id, 'loss', { buckets: 10 });
      expect(ten).toHaveLength(10);
      expect(ten).toEqual(expectedBuckets(points, 10));
      expect(ten.every((bucket) => bucket.count === 30)).toBe(true);

      // Uneven divisions and a step range, where integer division must truncate on every backend.
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 7 })).toEqual(expectedBuckets(points, 7));
      const ranged = points.filter((point) => point.step >= 45 && point.step <= 251);
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 11, minStep: 45, maxStep: 251 })).toEqual(expectedBuckets(ranged, 11));

      // Never more buckets than asked for, whatever the division leaves over.
      for (const count of [3, 6, 7, 13, 99, 299]) {
        const result = await db().getMetricBuckets(run.id, 'loss', { buckets: count });
        expect(result.length).toBeLessThanOrEqual(count);
        expect(result.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(300);
      }

      // Steps far apart (microsecond timestamps, say) with many buckets must not overflow.
      const sparse = await db().createTrainingRun();
      const far = [0, 1_700_000_000_000_000, 4_000_000_000_000_000, Number.MAX_SAFE_INTEGER - 1].map((step, index) => ({ name: 'us', value: index, step }));
      await db().logMetrics(sparse.id, far);
      const sparseBuckets = await db().getMetricBuckets(sparse.id, 'us', { buckets: 100_000 });
      expect(sparseBuckets.map((bucket) => [bucket.stepStart, bucket.last, bucket.count])).toEqual(far.map((point) => [point.step, point.value, 1]));

      // More buckets than steps: one bucket per point.
      const short = await db().createTrainingRun();
      await db().logMetrics(short.id, [{ name: 'x', value: 1, step: 5 }, { name: 'x', value: 2, step: 6 }, { name: 'x', value: 3, step: 9 }]);
      expect((await db().getMetricBuckets(short.id, 'x', { buckets: 100 })).map((bucket) => [bucket.stepStart, bucket.count, bucket.last])).toEqual([
        [5, 1, 1],
        [6, 1, 2],
        [9, 1, 3],
      ]);
      expect(await db().getMetricBuckets(short.id, 'absent', { buckets: 10 })).toEqual([]);
      await expectRejection(db().getMetricBuckets(short.id, 'x', { buckets: 0 }), ValidationError, { field: 'query.buckets' });
      await expectRejection(db().getMetricBuckets(987_654, 'x', { buckets: 10 }), NotFoundError);
    });

    it('downsamples long series exactly across batches, block edges, rewrites and non-finite last values', async () => {
      const run = await db().createTrainingRun();
      const random = seededRandom(7);
      const series = new Map<number, number>();
      const log = async (points: Array<{ step: number; value: number }>) => {
        await db().logMetrics(run.id, points.map((point) => ({ name: 'loss', ...point })));
        for (const point of points) series.set(point.step, point.value);
      };
      const stepsFrom = (from: number, count: number) =>
        Array.from({ length: count }, (_unused, index) => ({ step: from + index, value: Math.round(random() * 2e6 - 1e6) / 1000 }));
      // Uneven batches, so batch edges fall inside blocks, on block edges and one step past them.
      let step = 0;
      for (const size of [1, 63, 64, 200, 1000, 1, 1671]) {
        await log(stepsFrom(step, size));
        step += size;
      }
      const check = async (query: { buckets: number; minStep?: number; maxStep?: number }) =>
        expectExactBuckets(series, await db().getMetricBuckets(run.id, 'loss', query), query);
      for (const buckets of [1, 2, 7, 11, 100]) await check({ buckets });
      // Contiguous steps fill every bucket: exactly as many as asked for.
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 11 })).toHaveLength(11);

      // A retried batch changes nothing; changed values (a new minimum, non-finite values at the
      // last step of a block and of the series) show up in the buckets that hold them.
      const retried = [...series.entries()].filter(([at]) => at >= 128 && at < 328).map(([at, value]) => ({ step: at, value }));
      await log(retried);
      await check({ buckets: 7 });
      await log([
        { step: 1000, value: -1e6 },
        { step: 191, value: Number.POSITIVE_INFINITY },
        { step: 255, value: Number.NaN },
        { step: 2999, value: Number.NEGATIVE_INFINITY },
      ]);
      await log([{ step: 130, value: Number.NaN }]);
      for (const buckets of [1, 3, 7, 11]) await check({ buckets });
      // A batch that both rewrites and extends the series.
      await log(stepsFrom(2990, 120));
      for (const buckets of [1, 5, 12]) await check({ buckets });

      // Step ranges that cut blocks at one end, at both, or inside a single block.
      await check({ buckets: 3, minStep: 100, maxStep: 1900 });
      await check({ buckets: 2, minStep: 70, maxStep: 700 });
      await check({ buckets: 1, minStep: 5, maxStep: 300 });
      await check({ buckets: 1, minStep: 65, maxStep: 66 });
      await check({ buckets: 4, minStep: 1000, maxStep: 5000 });
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 4, minStep: 5000 })).toEqual([]);
    });

    it('downsamples series with omitted steps and gaps exactly', async () => {
      const run = await db().createTrainingRun();
      const series = new Map<number, number>();
      let next = 0;
      const logOmitted = async (count: number) => {
        const values = Array.from({ length: count }, (_unused, index) => Math.cos(next + index));
        await db().logMetrics(run.id, values.map((value) => ({ name: 'acc', value })));
        for (const value of values) series.set(next++, value);
      };
      await logOmitted(500);
      await logOmitted(777);
      const far = Array.from({ length: 500 }, (_unused, index) => ({ step: 10_000 + index * 3, value: index % 17 }));
      await db().logMetrics(run.id, far.map((point) => ({ name: 'acc', ...point })));
      for (const point of far) series.set(point.step, point.value);
      next = 10_000 + 499 * 3 + 1;
      await logOmitted(300);
      for (const buckets of [1, 4, 9, 30, 1000]) {
        const query = { buckets };
        expectExactBuckets(series, await db().getMetricBuckets(run.id, 'acc', query), query);
      }
      const ranged = { buckets: 6, minStep: 1200, maxStep: 11_000 };
      expectExactBuckets(series, await db().getMetricBuckets(run.id, 'acc', ranged), ranged);
    });

    it('downsamples random series with random rewrites exactly as a brute-force computation', async () => {
      const random = seededRandom(20_260_502);
      const run = await db().createTrainingRun();
      // Three series ending in different blocks, so a batch's stored blocks are looked up both ways.
      const names = ['a', 'b', 'c'];
      const series = new Map(names.map((name) => [name, new Map<number, number>()]));
      const valueOf = () => {
        const roll = random();
        if (roll < 0.02) return Number.NaN;
        if (roll < 0.03) return roll < 0.025 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
        return Math.round((random() - 0.5) * 1e6) / 100;
      };
      const nextStep = new Map(names.map((name) => [name, 0]));
      for (let round = 0; round < 8; round++) {
        const batch: MetricPointInput[] = [];
        for (const name of names) {
          const known = [...series.get(name)!.keys()];
          const rewrite = round > 0 && random() < 0.5;
          for (let count = Math.floor(random() * 700); count > 0; count--) {
            let at: number;
            if (rewrite && random() < 0.3 && known.length > 0) at = known[Math.floor(random() * known.length)]!;
            else {
              at = nextStep.get(name)! + Math.floor(random() * 4);
              nextStep.set(name, at + 1);
            }
            batch.push({ name, step: at, value: valueOf() });
          }
        }
        await db().logMetrics(run.id, batch);
        for (const point of batch) series.get(point.name)!.set(point.step!, point.value as number);
        for (const name of names) {
          const top = nextStep.get(name)!;
          const low = Math.floor(random() * top * 0.3);
          const high = low + Math.floor(random() * (top - low));
          for (const query of [
            { buckets: 1 + Math.floor(random() * 20) },
            { buckets: 1 + Math.floor(random() * 5), minStep: low, maxStep: high },
          ]) {
            expectExactBuckets(series.get(name)!, await db().getMetricBuckets(run.id, name, query), query);
          }
        }
      }
    });

    it('single points logged one call at a time keep history, summary and buckets exact (appends, gaps, omitted steps, rewrites)', async () => {
      const random = seededRandom(20_261_127);
      const run = await db().createTrainingRun();
      const series = new Map<number, number>();
      const valueOf = () => {
        const roll = random();
        if (roll < 0.05) return Number.NaN;
        if (roll < 0.1) return roll < 0.075 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
        return Math.round((random() - 0.5) * 1e6) / 100;
      };
      let top = -1;
      for (let call = 0; call < 260; call++) {
        const value = valueOf();
        const roll = random();
        let step: number | undefined;
        if (roll < 0.3) step = undefined; // omitted: one past the last
        else if (roll < 0.45 && top >= 0) step = Math.floor(random() * (top + 1)); // a rewrite or a gap filled
        else step = top + 1 + Math.floor(random() * 9); // an append, across block edges
        await db().logMetric(run.id, 'loss', value, step === undefined ? {} : { step });
        const stored = step ?? top + 1;
        series.set(stored, value);
        top = Math.max(top, stored);
      }
      const points = await db().getMetrics(run.id, { name: 'loss' });
      const expected = [...series.entries()].sort(([a], [b]) => a - b);
      expect(points.map((point) => [point.step, point.value])).toEqual(expected);
      const finite = expected.map(([, value]) => value).filter(Number.isFinite);
      const [summary] = await db().getMetricSummaries(run.id);
      expect(summary).toMatchObject({
        count: expected.length,
        lastStep: top,
        lastValue: series.get(top),
        min: Math.min(...finite),
        max: Math.max(...finite),
      });
      for (const query of [{ buckets: 3 }, { buckets: 7 }, { buckets: 2, minStep: 100, maxStep: top - 50 }, { buckets: 40 }]) {
        expectExactBuckets(series, await db().getMetricBuckets(run.id, 'loss', query), query);
      }
    });

    it('reads back exactly what was logged: doubles to the bit, NaN and ±Infinity, epochs, timestamps out of step order, several series and values', async () => {
      const run = await db().createTrainingRun();
      const at = Date.UTC(2026, 0, 1, 0, 0, 0, 1);
      const values = [0.1, -1e-300, 5e-324, 1.7976931348623157e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1 / 3, -2.5, 123456789.123];
      const points: MetricPointInput[] = values.flatMap((value, index) => [
        { name: 'val/acc', value, step: index * 3, epoch: index % 2 === 0 ? null : index, timestamp: at + (index % 4) * 1000 - index },
        { name: 'a loss', value: -value, step: 10 + index, timestamp: at - index * 86_400_000 },
      ]);
      await db().logMetrics(run.id, points);
      await db().logMetrics(run.id, [{ name: 'a loss', value: 7, step: 12, timestamp: at + 5 }], { sameStep: 'keep' });
      const read = await db().getMetrics(run.id);
      const expected = [...points.filter((point) => point.name === 'a loss'), ...points.filter((point) => point.name === 'val/acc')];
      expect(read.map((point) => [point.name, point.step, point.value, point.epoch ?? null, point.timestamp.getTime()])).toEqual(
        expected.map((point) => {
          const replaced = point.name === 'a loss' && point.step === 12; // the later value kept by sameStep: 'keep' wins
          return [point.name, point.step, replaced ? 7 : point.value, point.epoch ?? null, replaced ? at + 5 : point.timestamp];
        }),
      );
      const all = await db().getMetrics(run.id, { name: 'a loss', allValues: true });
      expect(all.filter((point) => point.step === 12).map((point) => point.value)).toEqual([-values[2]!, 7]);
    });

    it('concurrent single points with omitted steps get distinct steps and an exact summary', async () => {
      const run = await db().createTrainingRun();
      await Promise.all(Array.from({ length: 20 }, (_unused, index) => db().logMetric(run.id, 'loss', index)));
      const points = await db().getMetrics(run.id, { name: 'loss' });
      expect(points.map((point) => point.step)).toEqual(Array.from({ length: 20 }, (_unused, step) => step));
      expect(points.map((point) => point.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_unused, index) => index));
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 20, min: 0, max: 19, lastStep: 19 });
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 1 })).toEqual([
        { stepStart: 0, stepEnd: 19, min: 0, max: 19, last: points[19]!.value, lastStep: 19, count: 20 },
      ]);
      await expectRejection(db().logMetric(run.id + 1_000_000, 'loss', 1), NotFoundError);
    });

    it('deleting a run takes its downsampled history with it', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, Array.from({ length: 2000 }, (_unused, step) => ({ name: 'loss', step, value: step })));
      expect(await db().getMetricBuckets(run.id, 'loss', { buckets: 4 })).toHaveLength(4);
      await db().deleteTrainingRun(run.id);
      await expectRejection(db().getMetricBuckets(run.id, 'loss', { buckets: 4 }), NotFoundError);
    });

    it('filters raw points by name, names, step range and limit', async () => {
      const run = await db().createTrainingRun();
      const batch: MetricPointInput[] = [];
      for (let step = 0; step < 20; step++) {
        batch.push({ name: 'a', value: step, step }, { name: 'b', value: -step, step }, { name: 'c', value: step * 2, step });
      }
      expect(await db().logMetrics(run.id, batch)).toEqual({ written: 60 });
      const get = (query: Parameters<ReturnType<typeof db>['getMetrics']>[1]) =>
        db().getMetrics(run.id, query).then((points) => points.map((point) => `${point.name}${point.step}`));
      expect(await get({ name: 'b', minStep: 17 })).toEqual(['b17', 'b18', 'b19']);
      expect(await get({ names: ['a', 'c'], minStep: 5, maxStep: 6 })).toEqual(['a5', 'a6', 'c5', 'c6']);
      expect(await get({ name: 'c', limit: 2 })).toEqual(['c0', 'c1']);
      expect(await get({ name: 'missing' })).toEqual([]);
    });

    it('stores nothing from a batch with one invalid point, naming the point', async () => {
      const run = await db().createTrainingRun();
      await db().logMetric(run.id, 'loss', 1, { step: 0 });
      const invalid = [
        { name: 'loss', value: 0.9, step: 1 },
        { name: 'acc', value: 0.5, step: 1 },
        { name: 'loss', value: 0.8, step: 2 },
        { name: 'loss', value: 'high' as unknown as number, step: 3 },
      ];
      await expectRejection(db().logMetrics(run.id, invalid), ValidationError, { field: 'points.3.value' });
      await expectRejection(db().logMetrics(run.id, [{ name: 'loss', value: 1, step: 2 ** 53 }]), ValidationError, { field: 'points.0.step' });
      await expectRejection(db().logMetrics(run.id, [{ name: '', value: 1 }]), ValidationError, { field: 'points.0.name' });
      await expectRejection(db().logMetric(run.id, 'loss', 1, { step: 1.5 }), ValidationError);
      expect((await db().getMetrics(run.id)).map((point) => point.step)).toEqual([0]);
      expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 1, lastStep: 0 });
      await expectRejection(db().logMetrics(987_654, [{ name: 'loss', value: 1 }]), NotFoundError, { field: 'runId' });
      await expectRejection(db().getMetrics(987_654), NotFoundError);
    });

    it('reads many series in one call, each exactly as getMetricBuckets answers it', async () => {
      const first = await db().createTrainingRun();
      const second = await db().createTrainingRun();
      const batch: MetricPointInput[] = [];
      // Dense and short (answered point by point), long (rollups), sparse (grouped ranges), non-finite values.
      for (let step = 0; step < 50; step++) batch.push({ name: 'layers.0.grad', value: Math.sin(step), step });
      for (let step = 0; step < 40; step++) batch.push({ name: 'layers.1.grad', value: step % 7 === 0 ? Number.NaN : -step, step });
      for (let step = 0; step < 5000; step++) batch.push({ name: 'loss', value: 1 / (step + 1), step });
      for (let step = 0; step < 30; step++) batch.push({ name: 'layers_x', value: step, step: step * 97 });
      batch.push({ name: 'layers.2.grad', value: Number.POSITIVE_INFINITY, step: 0 });
      await db().logMetrics(first.id, batch);
      await db().logMetrics(second.id, [{ name: 'loss', value: 2, step: 3 }, { name: 'loss', value: -0.5, step: 9 }]);

      const names = ['layers.0.grad', 'layers.1.grad', 'layers.2.grad', 'loss', 'layers_x', 'missing'];
      for (const query of [{ buckets: 64 }, { buckets: 20, minStep: 5, maxStep: 35 }, { buckets: 3000 }]) {
        const answer = await db().getMetricBucketsBulk({ runIds: [second.id, first.id], names, ...query });
        expect(answer.map((series) => [series.runId, series.name])).toEqual([
          ...names.map((name) => [second.id, name]),
          ...names.map((name) => [first.id, name]),
        ]);
        for (const series of answer) {
          const expected =
            (await db().getMetricSummaries(series.runId)).some((summary) => summary.name === series.name)
              ? await db().getMetricBuckets(series.runId, series.name, query)
              : [];
          expect(series.buckets, `${series.runId}/${series.name} ${JSON.stringify(query)}`).toEqual(expected);
        }
      }

      // A prefix is a prefix: '_' and '%' are not wildcards.
      const section = await db().getMetricBucketsBulk({ runIds: [first.id], namePrefix: 'layers.', buckets: 10 });
      expect(section.map((series) => series.name)).toEqual(['layers.0.grad', 'layers.1.grad', 'layers.2.grad']);
      expect(section[2]!.buckets).toEqual([{ stepStart: 0, stepEnd: 0, min: null, max: null, last: Number.POSITIVE_INFINITY, lastStep: 0, count: 1 }]);
      expect(await db().getMetricBucketsBulk({ runIds: [first.id], namePrefix: 'layers%', buckets: 10 })).toEqual([]);
    });

    it('refuses bulk reads that are unbounded, ambiguous or for unknown runs', async () => {
      const run = await db().createTrainingRun();
      await db().logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
      await expectRejection(db().getMetricBucketsBulk({ runIds: [run.id, 987_654], names: ['loss'], buckets: 10 }), NotFoundError);
      await expectRejection(db().getMetricBucketsBulk({ runIds: [run.id], buckets: 10 }), ValidationError, { field: 'query.names' });
      await expectRejection(
        db().getMetricBucketsBulk({ runIds: [run.id], names: ['loss'], namePrefix: 'l', buckets: 10 }),
        ValidationError,
        { field: 'query.names' },
      );
      const manyNames = Array.from({ length: 501 }, (_unused, index) => `m${index}`);
      await expectRejection(
        db().getMetricBucketsBulk({ runIds: [run.id, run.id + 1], names: manyNames, buckets: 10 }),
        ValidationError,
        { field: 'query.names', message: /1000 series/ },
      );
      await expectRejection(db().getMetricBucketsBulk({ runIds: [run.id], names: ['loss'], buckets: 0 }), ValidationError, { field: 'query.buckets' });
    });

    it('summarises many runs at once without mixing them', async () => {
      const first = await db().createTrainingRun();
      const second = await db().createTrainingRun();
      await db().logMetrics(first.id, [{ name: 'loss', value: 3 }, { name: 'loss', value: 1 }, { name: 'loss', value: 2 }]);
      await db().logMetrics(second.id, [{ name: 'loss', value: 7 }, { name: 'acc', value: 0.4 }]);
      const summaries = await db().getMetricSummaries([first.id, second.id]);
      expect(summaries.map((summary) => [summary.runId, summary.name, summary.count, summary.lastValue, summary.min, summary.max])).toEqual([
        [first.id, 'loss', 3, 2, 1, 3],
        [second.id, 'acc', 1, 0.4, 0.4, 0.4],
        [second.id, 'loss', 1, 7, 7, 7],
      ]);
      expect(await db().getMetricSummaries([])).toEqual([]);
    });
  });
}
