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

    it('exports as NDJSON or CSV: every prediction of the window, newest first per version, versions in the order asked', async () => {
      const [a, b] = [await newVersion(), await newVersion()];
      const base = Date.UTC(2025, 6, 1);
      // More than one page of the export (1,000) for a; b's quirky text needs CSV quoting.
      await db().logPredictions(
        Array.from({ length: 1_100 }, (_unused, index) => ({ modelVersionId: a.id, input: { i: index }, output: index % 2, timestamp: base + index * 1_000 })),
      );
      await db().logPredictions([
        { modelVersionId: b.id, input: 'a, "quoted"\nline', output: null, groundTruth: { label: 'x' }, latencyMs: 2.5, confidence: 0.25, timestamp: base + 5_000, key: 'req-1' },
        { modelVersionId: b.id, input: 'before the window', output: 1, timestamp: base - 1 },
      ]);
      const asWire = (items: unknown[]) => JSON.parse(JSON.stringify(items)) as unknown[];
      const listed = async (modelVersionId: number) => {
        const all = [];
        let cursor: string | null = null;
        do {
          const page = await db().getPredictions({ modelVersionId, since: new Date(base), limit: 500, ...(cursor === null ? {} : { cursor }) });
          all.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null);
        return all;
      };
      const expected = [...(await listed(b.id)), ...(await listed(a.id))];
      expect(expected).toHaveLength(1_101);

      let ndjson = '';
      for await (const text of db().exportPredictions({ modelVersionIds: [b.id, a.id], since: new Date(base) })) ndjson += text;
      expect(ndjson.endsWith('\n')).toBe(true);
      expect(ndjson.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(asWire(expected));

      let csv = '';
      for await (const text of db().exportPredictions({ format: 'csv', modelVersionIds: [b.id], since: base })) csv += text;
      const [first] = await listed(b.id);
      expect(csv).toBe(
        'id,modelVersionId,timestamp,key,latencyMs,confidence,input,output,groundTruth,metadata\n' +
          `${first!.id},${b.id},${new Date(base + 5_000).toISOString()},req-1,2.5,0.25,"""a, \\""quoted\\""\\nline""",,"{""label"":""x""}",{}\n`,
      );

      // The query is checked when the export is asked for, before any text.
      expect(() => db().exportPredictions({ format: 'xml' as 'csv' })).toThrow(ValidationError);
      expect(() => db().exportPredictions({ modelVersionIds: [] })).toThrow(ValidationError);
    });
  });
}
