/**
 * The bulk write paths (cached statements; chunks of any size where placeholders repeat, powers of two where they are numbered; fast-path validation) store exactly
 * what the schema-validated path would, across chunk boundaries, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError, type MetricPointInput } from '../../src/index.js';
import { sqlTarget, useDatabase } from '../support/fixtures.js';
import { testBackends } from '../support/backends.js';

describe.each(testBackends({ sqliteFile: false }))('bulk writes on $name', (backend) => {
  const db = useDatabase(sqlTarget(backend));

  it('stores batches that span several chunks, keeping the last of repeated steps', async () => {
    const run = await db().createTrainingRun({ name: 'chunks' });
    const points: MetricPointInput[] = [];
    for (let step = 0; step < 1_500; step++) points.push({ name: 'loss', value: 1 / (step + 1), step, epoch: step % 7 });
    for (let step = 0; step < 1_025; step++) points.push({ name: ' acc ', value: step / 1_025, step });
    // A repeated step within the batch: the later value wins and is counted once.
    points.push({ name: 'acc', value: 0.5, step: 10 });
    points.push({ name: 'nan', value: Number.NaN, step: 0 }, { name: 'nan', value: 'Infinity' as unknown as number, step: 1 });
    expect(await db().logMetrics(run.id, points)).toEqual({ written: 1_500 + 1_025 + 2 });

    const loss = await db().getMetrics(run.id, { name: 'loss' });
    expect(loss).toHaveLength(1_500);
    expect(loss[1_499]).toMatchObject({ step: 1_499, value: 1 / 1_500, epoch: 1_499 % 7 });
    const acc = await db().getMetrics(run.id, { name: 'acc' });
    expect(acc.map((point) => point.step)).toEqual(Array.from({ length: 1_025 }, (_, step) => step));
    expect(acc[10]!.value).toBe(0.5);
    expect((await db().getMetrics(run.id, { name: 'nan' })).map((point) => point.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
    const summaries = await db().getMetricSummaries(run.id);
    expect(summaries.map((summary) => [summary.name, summary.count, summary.lastStep])).toEqual([
      ['acc', 1_025, 1_024],
      ['loss', 1_500, 1_499],
      ['nan', 2, 1],
    ]);
  });

  it('rewrites a retried batch of more than one chunk in place', async () => {
    const run = await db().createTrainingRun({ name: 'retry' });
    const batch = (offset: number) => Array.from({ length: 2_100 }, (_, step) => ({ name: 'loss', value: step + offset, step }));
    await db().logMetrics(run.id, batch(0));
    await db().logMetrics(run.id, batch(1_000));
    const points = await db().getMetrics(run.id);
    expect(points).toHaveLength(2_100);
    expect(points[2_099]!.value).toBe(3_099);
    expect((await db().getMetricSummaries(run.id))[0]).toMatchObject({ count: 2_100, min: 1_000, max: 3_099, lastValue: 3_099 });
  });

  it('rejects a bad point anywhere in a large batch with the schema error and writes nothing', async () => {
    const run = await db().createTrainingRun({ name: 'invalid' });
    const points: MetricPointInput[] = Array.from({ length: 3_000 }, (_, step) => ({ name: 'loss', value: step, step }));
    points[2_500] = { name: 'loss', value: 1, step: 0.5 };
    await expect(db().logMetrics(run.id, points)).rejects.toMatchObject({ name: 'ValidationError', field: 'points.2500.step' });
    expect(await db().getMetrics(run.id)).toEqual([]);
  });

  it('stores prediction batches across chunks, with fast-path and schema-path items alike', async () => {
    const model = await db().createModel({ name: 'bulk-predictions' });
    const version = await db().createModelVersion({ modelId: model.id });
    const inputs = Array.from({ length: 2_100 }, (_, index) => ({
      modelVersionId: version.id,
      input: { text: `sample "${index}" ünï`, values: [index, index / 3, null, true] },
      output: { label: index % 2 === 0 ? 'even' : 'odd' },
      confidence: (index % 100) / 100,
      timestamp: 1_700_000_000_000 + index,
    }));
    // An ISO timestamp goes through the schema; the stored row must look the same.
    inputs[7] = { ...inputs[7]!, timestamp: '2023-11-14T22:13:20.007Z' as unknown as number };
    expect(await db().logPredictions(inputs)).toEqual({ written: 2_100 });
    const page = await db().getPredictions({ modelVersionId: version.id, limit: 2_100 });
    expect(page.items).toHaveLength(2_100);
    const seventh = page.items.find((item) => item.timestamp.getTime() === 1_700_000_000_007);
    expect(seventh).toMatchObject({ input: { text: 'sample "7" ünï', values: [7, 7 / 3, null, true] }, output: { label: 'odd' }, metadata: {} });
  });

  it('stores a batch of predictions larger than one statement may carry (MySQL max_allowed_packet is 16 MiB)', async () => {
    const model = await db().createModel({ name: 'large-predictions' });
    const version = await db().createModelVersion({ modelId: model.id });
    // 24 documents of 1 MiB each: 24 MiB in one call, so the store must split it by size, not by row count.
    const inputs = Array.from({ length: 24 }, (_, index) => ({
      modelVersionId: version.id,
      input: { image: String.fromCharCode(97 + index).repeat(1024 * 1024) },
      output: { label: index },
    }));
    expect(await db().logPredictions(inputs)).toEqual({ written: 24 });
    const page = await db().getPredictions({ modelVersionId: version.id, limit: 100 });
    expect(page.items.map((item) => (item.output as { label: number }).label).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 24 }, (_, index) => index),
    );
    expect(page.items.every((item) => (item.input as { image: string }).image.length === 1024 * 1024)).toBe(true);
  });

  it('rejects a prediction whose JSON holds a non-finite number, naming the field', async () => {
    const model = await db().createModel({ name: 'bad-predictions' });
    const version = await db().createModelVersion({ modelId: model.id });
    const inputs = [
      { modelVersionId: version.id, input: { x: 1 }, output: 1 },
      { modelVersionId: version.id, input: { x: Number.NaN }, output: 1 },
    ];
    const failure = db().logPredictions(inputs);
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ field: expect.stringMatching(/^predictions\.1\.input/) });
    expect((await db().getPredictions({ modelVersionId: version.id })).items).toEqual([]);
  });
});
