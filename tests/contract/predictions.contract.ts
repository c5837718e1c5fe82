/** Predictions: JSON payloads of any shape, atomic batches, time windows and keyset pages. */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectDate, expectId, expectRejection, uniqueName } from './expectations.js';

export function definePredictionsContract(target: ContractTarget): void {
  describe(`${target.label}: predictions`, () => {
    const db = useDatabase(target);
    const newVersion = async () => {
      const model = await db().createModel({ name: uniqueName('serving') });
      return db().createModelVersion({ modelId: model.id });
    };

    it('logs a prediction with JSON input, output and ground truth of any shape', async () => {
      const version = await newVersion();
      const at = new Date('2024-05-05T05:05:05.005Z');
      const logged = await db().logPrediction({
        modelVersionId: version.id,
        input: { pixels: [[0, 1], [1, 0]], caption: 'نقشه طبقه اول 🏠' },
        output: ['floor_plan', 0.93],
        groundTruth: 'floor_plan',
        confidence: 0.93,
        latencyMs: 4.25,
        timestamp: at,
        metadata: { client: 'batch-job', retries: 0 },
      });
      expectId(logged.id);
      expectDate(logged.timestamp);
      expect(logged).toEqual({
        id: logged.id,
        modelVersionId: version.id,
        input: { pixels: [[0, 1], [1, 0]], caption: 'نقشه طبقه اول 🏠' },
        output: ['floor_plan', 0.93],
        groundTruth: 'floor_plan',
        confidence: 0.93,
        latencyMs: 4.25,
        timestamp: at,
        metadata: { client: 'batch-job', retries: 0 },
        key: null,
      });
      const scalar = await db().logPrediction({ modelVersionId: version.id, input: 42, output: false });
      expect(scalar).toMatchObject({ input: 42, output: false, groundTruth: null, confidence: null, latencyMs: null, metadata: {} });
      const page = await db().getPredictions({ modelVersionId: version.id });
      expect(page.items.map((prediction) => prediction.id)).toEqual([scalar.id, logged.id]);
      expect(page.items[1]).toEqual(logged);
    });

    it('writes a batch atomically: one bad item or unknown version stores nothing', async () => {
      const version = await newVersion();
      const good = Array.from({ length: 5 }, (_unused, index) => ({ modelVersionId: version.id, input: { index }, output: { index } }));
      await expectRejection(
        db().logPredictions([...good, { modelVersionId: version.id, input: 1, output: 1, confidence: 1.5 }]),
        ValidationError,
        { field: 'predictions.5.confidence' },
      );
      await expectRejection(db().logPredictions([...good, { modelVersionId: 987_654, input: 1, output: 1 }]), NotFoundError, {
        field: 'predictions.5.modelVersionId',
      });
      expect((await db().getPredictions({ modelVersionId: version.id })).items).toEqual([]);
      expect(await db().logPredictions(good)).toEqual({ written: 5 });
      expect(await db().logPredictions([])).toEqual({ written: 0 });
      await expectRejection(db().logPrediction({ modelVersionId: 987_654, input: 1, output: 1 }), NotFoundError, { field: 'modelVersionId' });
    });

    it('pages newest first and filters by a time window', async () => {
      const version = await newVersion();
      const base = Date.parse('2024-01-01T00:00:00Z');
      await db().logPredictions(
        Array.from({ length: 12 }, (_unused, index) => ({ modelVersionId: version.id, input: index, output: index, timestamp: base + index * 60_000 })),
      );
      const inputs: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page = await db().getPredictions({ modelVersionId: version.id, limit: 5, cursor });
        inputs.push(...page.items.map((prediction) => prediction.input));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(inputs).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const window = await db().getPredictions({ modelVersionId: version.id, since: new Date(base + 3 * 60_000), until: base + 6 * 60_000 });
      expect(window.items.map((prediction) => prediction.input)).toEqual([5, 4, 3]);
    });
  });
}
