/**
 * Input at the edges, the same on every backend: ids that are not ids, text at its length limit in a
 * multi-byte script, U+0000, 32-bit columns, very large batches, extreme doubles and Unicode case folding.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, ValidationError } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

export function defineInputLimitsContract(target: ContractTarget): void {
  describe(`${target.label}: input limits`, () => {
    const db = useDatabase(target);

    it('refuses ids that are not positive integers with a ValidationError before touching the database', async () => {
      const run = await db().createTrainingRun();
      await expectRejection(db().getModel(1.5), ValidationError, { field: 'id' });
      await expectRejection(db().getTrainingRun(Number.NaN), ValidationError, { field: 'id' });
      await expectRejection(db().getModelVersion(-1), ValidationError, { field: 'id' });
      await expectRejection(db().deleteDataset(0), ValidationError, { field: 'id' });
      await expectRejection(db().logMetrics(1.5, [{ name: 'loss', value: 1 }]), ValidationError, { field: 'runId' });
      await expectRejection(db().getMetricSummaries([run.id, Number.NaN]), ValidationError, { field: 'runIds.1' });
      await expectRejection(db().getExperimentRuns(Number.POSITIVE_INFINITY), ValidationError, { field: 'experimentId' });
      await expectRejection(db().updateTrainingRun(2.5, { notes: 'x' }), ValidationError, { field: 'id' });
    });

    it('stores the longest allowed text in a multi-byte script', async () => {
      const persian = 'ب'.repeat(LIMITS.textLength);
      const model = await db().createModel({ name: uniqueName('long-text'), description: persian });
      expect((await db().getModel(model.id)).description).toBe(persian);
      const run = await db().createTrainingRun({ notes: 'ن'.repeat(LIMITS.textLength) });
      const failed = await db().updateTrainingRun(run.id, { status: 'failed', error: '🔥'.repeat(LIMITS.textLength / 2) });
      expect(failed.error).toBe('🔥'.repeat(LIMITS.textLength / 2));
      expect((await db().getTrainingRun(run.id)).notes).toHaveLength(LIMITS.textLength);
      await expectRejection(db().createModel({ name: uniqueName('too-long'), description: 'a'.repeat(LIMITS.textLength + 1) }), ValidationError, {
        field: 'model.description',
        message: String(LIMITS.textLength),
      });
    });

    it('refuses U+0000 and unpaired surrogates in text and JSON on every backend, naming the field', async () => {
      await expectRejection(db().createModel({ name: 'nul\u0000name' }), ValidationError, { field: 'model.name', message: /NUL/ });
      const model = await db().createModel({ name: uniqueName('nul') });
      const version = await db().createModelVersion({ modelId: model.id });
      await expectRejection(
        db().logPrediction({ modelVersionId: version.id, input: { text: ['ok', 'bad\u0000'] }, output: 1 }),
        ValidationError,
        { field: 'prediction.input.text.1' },
      );
      await expectRejection(db().updateModel(model.id, { tags: { 'k\u0000': 'v' } }), ValidationError, { field: 'model.tags.k\u0000' });
      // An unpaired surrogate cannot be stored as UTF-8 either (a paired one, an emoji, is fine).
      await expectRejection(db().createModel({ name: 'half \ud83d emoji' }), ValidationError, { field: 'model.name' });
      await expectRejection(db().logPredictions([{ modelVersionId: version.id, input: 1, output: { label: '\udc00' } }]), ValidationError, {
        field: 'predictions.0.output.label',
      });
      await expectRejection(db().logMetric((await db().createTrainingRun()).id, 'loss\ud800', 1), ValidationError, { field: 'points.0.name' });
      expect((await db().getPredictions({ modelVersionId: version.id })).items).toEqual([]);
    });

    it('refuses an epoch beyond 32 bits as invalid input, not as a database failure', async () => {
      const run = await db().createTrainingRun();
      await expectRejection(db().logMetric(run.id, 'loss', 1, { epoch: 3_000_000_000 }), ValidationError, { field: 'points.0.epoch' });
      await db().logMetric(run.id, 'loss', 1, { epoch: 2_147_483_647 });
      expect((await db().getMetrics(run.id))[0]!.epoch).toBe(2_147_483_647);
    });

    it('keeps extreme doubles and 53-bit integers exact', async () => {
      const run = await db().createTrainingRun();
      const values = [Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 1e-300, 123456789.123456789];
      await db().logMetrics(run.id, values.map((value, step) => ({ name: 'extreme', value, step })));
      expect((await db().getMetrics(run.id)).map((point) => point.value)).toEqual(values);
      await db().logMetric(run.id, 'far', 1, { step: Number.MAX_SAFE_INTEGER - 1 });
      await db().logMetric(run.id, 'far', 2);
      expect((await db().getMetrics(run.id, { name: 'far' })).map((point) => point.step)).toEqual([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
      const model = await db().createModel({ name: uniqueName('big') });
      const version = await db().createModelVersion({ modelId: model.id, sizeBytes: Number.MAX_SAFE_INTEGER });
      expect((await db().getModelVersion(version.id)).sizeBytes).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('takes batches larger than any backend binds in one statement', async () => {
      const run = await db().createTrainingRun();
      const parameters = Object.fromEntries(Array.from({ length: 33_000 }, (_unused, index) => [`p${index}`, index]));
      await db().logHyperparameters(run.id, parameters);
      await db().logHyperparameters(run.id, parameters);
      expect(Object.keys(await db().getHyperparameters(run.id))).toHaveLength(33_000);
      const points = Array.from({ length: 30_000 }, (_unused, index) => ({ name: `series-${index % 3}`, value: index }));
      expect(await db().logMetrics(run.id, points)).toEqual({ written: 30_000 });
      expect(await db().logMetrics(run.id, points.map((point, index) => ({ ...point, step: Math.floor(index / 3) })))).toEqual({ written: 30_000 });
      const summaries = await db().getMetricSummaries(run.id);
      expect(summaries.map((summary) => summary.count)).toEqual([10_000, 10_000, 10_000]);
      expect((await db().getStatistics()).counts.metricPoints).toBeGreaterThanOrEqual(30_000);
    });

    it('folds case in every script when filtering by name', async () => {
      const prefix = uniqueName('Fold');
      const cafe = await db().createModel({ name: `${prefix} Café Ünïcode ÆØÅ Привет` });
      for (const needle of ['café ünïcode', 'CAFÉ ÜNÏCODE', 'æøå', 'ПРИВЕТ']) {
        expect((await db().listModels({ nameContains: needle })).items.map((model) => model.id), needle).toEqual([cafe.id]);
      }
    });
  });
}
