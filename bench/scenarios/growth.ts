/**
 * Growth, in a database of its own: the ingestion rate and a fixed-size history read with
 * `growthSmall` points stored, then again with `growthLarge`. The filler is loaded with the
 * fastest raw bulk method because only the stored volume matters, not how it got there.
 */
import { createAiDatabase } from '../../src/index.js';
import { createRuns, openRaw, type BenchContext } from '../context.js';
import { runBatches, toRawRows } from '../data.js';
import { provisionBenchDatabase } from '../provision.js';
import { bestMs, log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';

const FILLER_METRICS = 10;
const FILLER_STEPS = 5_000;
const READ_POINTS = 10_000;
/** The ingestion window is written as this many runs, and the median rate counts: one burst of load elsewhere moves a median little. */
const WINDOW_SAMPLES = 5;

export async function growth(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { growthSmall, growthLarge, growthWindow } = ctx.sizes;
  const batchSize = ctx.sizes.batchSizes.at(-1)!;
  const database = await provisionBenchDatabase(ctx.backend, ctx.options);
  const db = await createAiDatabase({ url: database.url });
  const raw = await openRaw(database);
  try {
    const fillLabel = ctx.fastestBulk.get(batchSize)?.label ?? Object.keys(raw.bulkMethods)[0]!;
    const fill = raw.bulkMethods[fillLabel]!;
    let stored = 0;
    const [readRun] = await createRuns(db, 1, 'growth-read');
    for (const batch of runBatches(1, READ_POINTS, 10_000)) await db.logMetrics(readRun!, batch);
    stored += READ_POINTS;
    const fillTo = async (target: number) => {
      const fillerBatches = [...runBatches(FILLER_METRICS, FILLER_STEPS, 50_000)];
      while (stored < target) {
        const [runId] = await createRuns(db, 1, 'filler');
        const loggedAt = Date.now();
        for (const batch of fillerBatches) {
          await fill(toRawRows(runId!, batch, loggedAt));
          stored += batch.length;
        }
      }
    };
    const measure = async (label: string) => {
      const runIds = await createRuns(db, WINDOW_SAMPLES, `growth-${label}`);
      const steps = Math.ceil(growthWindow / 10 / WINDOW_SAMPLES);
      const batches = [...runBatches(10, steps, batchSize)];
      const rates: number[] = [];
      for (const runId of runIds) {
        const start = now();
        for (const batch of batches) await db.logMetrics(runId, batch);
        rates.push((steps * 10) / seconds(start));
        stored += steps * 10;
      }
      const rate = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
      const readMs = await bestMs(7, () => db.getMetrics(readRun!, { name: 'metric_00' }));
      log(`  with ${stored.toLocaleString('en')} points stored: logMetrics ${Math.round(rate)} points/s, ${READ_POINTS}-point read ${readMs.toFixed(1)} ms`);
      return { rate, readMs, stored };
    };
    // Each window is measured once the server has written out the filler (both alike).
    await fillTo(growthSmall - growthWindow);
    await raw.settle();
    const small = await measure('small');
    await fillTo(growthLarge - growthWindow);
    await raw.settle();
    const large = await measure('large');
    return [
      rateResult({
        backend: ctx.backend,
        id: 'growth-ingest',
        title: `growth: logMetrics rate at ${large.stored.toLocaleString('en')} stored points vs at ${small.stored.toLocaleString('en')}`,
        aimdb: large.rate,
        baseline: small.rate,
        baselineLabel: `aimdb at ${small.stored.toLocaleString('en')} stored`,
        target: 0.8,
      }),
      {
        backend: ctx.backend,
        id: 'growth-read',
        title: `growth: ${READ_POINTS.toLocaleString('en')}-point history read at ${large.stored.toLocaleString('en')} stored vs at ${small.stored.toLocaleString('en')}`,
        unit: 'ms',
        aimdb: large.readMs,
        baseline: small.readMs,
        baselineLabel: `aimdb at ${small.stored.toLocaleString('en')} stored`,
        ratio: small.readMs / large.readMs,
        target: 0.8,
        targetText: '≥ 0.8× (cost follows points returned)',
        met: small.readMs / large.readMs >= 0.8,
      },
    ];
  } finally {
    await raw.close();
    await db.close();
    await database.drop();
  }
}
