/**
 * Every number comes back with the bits it was stored with (docs/decisions/0110-exact-doubles.md):
 * fast-check doubles over the whole range (subnormals, values near 2^53, 1e308, random bit patterns,
 * NaN and ±Infinity where a column takes them) through every double column and through JSON
 * documents, compared with Object.is. The one documented change: -0 is stored as 0.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/index.js';
import { PROPERTY_RUNS as RUNS, anyDouble, doubleIn, finiteDouble, stored, storedJson } from '../support/doubles.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { uniqueName } from './expectations.js';

/** Fails naming the first values that differ in any bit (Object.is), with how many did. */
function expectSameDoubles(actual: readonly (number | null)[], expected: readonly (number | null)[], what: string): void {
  expect(actual.length, `${what}: count`).toBe(expected.length);
  const differ = expected.flatMap((value, index) => (Object.is(actual[index], value) ? [] : [`${String(value)} came back as ${String(actual[index])}`]));
  expect(differ, `${what}: ${differ.length} of ${expected.length} values changed`).toEqual([]);
}

/** Fails when a JSON document differs in any number's bits (toEqual compares numbers with Object.is). */
function expectSameJson(actual: unknown, expected: JsonValue, what: string): void {
  expect(actual, what).toEqual(storedJson(expected));
}

export function defineExactNumbersContract(target: ContractTarget): void {
  describe(`${target.label}: every number back exactly`, () => {
    const db = useDatabase(target);
    const checked = { metricValues: 0, predictionDoubles: 0, jsonNumbers: 0 };
    afterAll(() => {
      // The counts go into the closing note; they show the properties really ran.
      process.stdout.write(`exact numbers on ${target.label}: ${JSON.stringify(checked)}\n`);
    });

    it('metric values, and the summaries, latest values and buckets made of them', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(anyDouble, { minLength: 1, maxLength: 300, size: 'max' }), async (values) => {
          const run = await db().createTrainingRun();
          await db().logMetrics(run.id, values.map((value, step) => ({ name: 'v', value, step })));
          const expected = values.map(stored);
          const points = await db().getMetrics(run.id, { name: 'v' });
          expectSameDoubles(points.map((point) => point.value), expected, 'getMetrics');

          const finite = expected.filter(Number.isFinite);
          const min = finite.length === 0 ? null : finite.reduce((a, b) => (b < a ? b : a));
          const max = finite.length === 0 ? null : finite.reduce((a, b) => (b > a ? b : a));
          const last = expected.at(-1)!;
          const [summary] = await db().getMetricSummaries(run.id);
          expectSameDoubles([summary!.lastValue, summary!.min, summary!.max], [last, min, max], 'getMetricSummaries');
          const [latest] = await db().getLatestMetrics([run.id]);
          expectSameDoubles([latest!.value], [last], 'getLatestMetrics');
          const [bucket] = await db().getMetricBuckets(run.id, 'v', { buckets: 1 });
          expectSameDoubles([bucket!.last, bucket!.min, bucket!.max], [last, min, max], 'getMetricBuckets');
          const [series] = await db().getMetricBucketsBulk({ runIds: [run.id], names: ['v'], buckets: 1 });
          const [bulk] = series!.buckets;
          expectSameDoubles([bulk!.last, bulk!.min, bulk!.max], [last, min, max], 'getMetricBucketsBulk');
          checked.metricValues += values.length;
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });

    it('prediction confidence and latency, in batches and one at a time', async () => {
      const model = await db().createModel({ name: uniqueName('exact') });
      const version = await db().createModelVersion({ modelId: model.id });
      const prediction = fc.record({
        confidence: fc.option(doubleIn(0, 1), { nil: null }),
        latencyMs: fc.option(doubleIn(0, Number.MAX_SAFE_INTEGER), { nil: null }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(prediction, { minLength: 1, maxLength: 200, size: 'max' }), prediction, async (batch, single) => {
          const since = (await db().getPredictions({ modelVersionId: version.id, limit: 1 })).items[0]?.id ?? 0;
          await db().logPredictions(batch.map((item) => ({ modelVersionId: version.id, input: null, output: null, ...item })));
          const one = await db().logPrediction({ modelVersionId: version.id, input: null, output: null, ...single });
          expectSameDoubles([one.confidence, one.latencyMs], [single.confidence, single.latencyMs].map((v) => (v === null ? null : stored(v))), 'logPrediction');

          const read = [];
          let cursor: string | null = null;
          do {
            const page = await db().getPredictions({ modelVersionId: version.id, limit: 1000, cursor });
            read.push(...page.items.filter((item) => item.id > since));
            cursor = page.items.some((item) => item.id <= since) ? null : page.nextCursor;
          } while (cursor !== null);
          const written = [...batch, single];
          const oldestFirst = read.reverse();
          for (const field of ['confidence', 'latencyMs'] as const) {
            expectSameDoubles(
              oldestFirst.map((item) => item[field]),
              written.map((item) => (item[field] === null ? null : stored(item[field]))),
              `getPredictions ${field}`,
            );
          }
          checked.predictionDoubles += written.length * 2;
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });

    it('numbers inside JSON documents: hyperparameters, configs, metadata, prediction payloads', async () => {
      const numbers = fc.array(finiteDouble, { minLength: 1, maxLength: 40, size: 'max' });
      await fc.assert(
        fc.asyncProperty(numbers, finiteDouble, numbers, async (list, scalar, other) => {
          const document = { list, scalar, nested: { deeper: [other, { at: scalar }] } };
          const model = await db().createModel({ name: uniqueName('json'), metadata: document });
          expectSameJson((await db().getModel(model.id)).metadata, document, 'model metadata');
          const version = await db().createModelVersion({ modelId: model.id, config: document });
          expectSameJson((await db().getModelVersion(version.id)).config, document, 'version config');
          const run = await db().createTrainingRun({ config: document });
          expectSameJson((await db().getTrainingRun(run.id)).config, document, 'run config');
          await db().logHyperparameters(run.id, { scalar, list, nested: document.nested });
          expectSameJson(await db().getHyperparameters(run.id), { scalar, list, nested: document.nested }, 'hyperparameters');
          await db().logPrediction({ modelVersionId: version.id, input: list, output: scalar, groundTruth: other, metadata: document });
          const [logged] = (await db().getPredictions({ modelVersionId: version.id })).items;
          expectSameJson([logged!.input, logged!.output, logged!.groundTruth, logged!.metadata], [list, scalar, other, document], 'prediction payloads');
          checked.jsonNumbers += (list.length + other.length + 2) * 4;
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });

    it('-0 comes back as 0 from every double column and JSON document', async () => {
      const run = await db().createTrainingRun({ config: { zero: -0 } });
      await db().logMetrics(run.id, [{ name: 'z', value: -0, step: 0 }]);
      expect(Object.is((await db().getMetrics(run.id, { name: 'z' }))[0]!.value, 0)).toBe(true);
      expect(Object.is((await db().getMetricSummaries(run.id))[0]!.min, 0)).toBe(true);
      expect(Object.is((await db().getTrainingRun(run.id)).config.zero, 0)).toBe(true);
      const model = await db().createModel({ name: uniqueName('zero') });
      const version = await db().createModelVersion({ modelId: model.id });
      const logged = await db().logPrediction({ modelVersionId: version.id, input: -0, output: [-0], confidence: -0, latencyMs: -0 });
      const read = (await db().getPredictions({ modelVersionId: version.id })).items[0]!;
      for (const prediction of [logged, read]) {
        expect([prediction.input, (prediction.output as number[])[0], prediction.confidence, prediction.latencyMs].map((value) => Object.is(value, 0))).toEqual([
          true,
          true,
          true,
          true,
        ]);
      }
    });
  });
}
