/** Writes: logMetrics batches, a training loop through the run logger, and logPredictions. */
import { createRunLogger } from '../../src/index.js';
import { createRuns, type BenchContext } from '../context.js';
import { metricName, metricValue, prediction, runBatches, toRawPrediction, toRawRows } from '../data.js';
import { log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';

/** Batches written by each method before the clock starts. */
const WARM_UP_BATCHES = 5;

export async function logMetricsBatches(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { runs, metricsPerRun, stepsPerMetric } = ctx.sizes;
  const total = runs * metricsPerRun * stepsPerMetric;
  const results: ScenarioResult[] = [];
  for (const batchSize of ctx.sizes.batchSizes) {
    // The same batches for everyone, built before the clock starts.
    const batches = [...runBatches(metricsPerRun, stepsPerMetric, batchSize)];
    const loggedAt = Date.now();
    const methods = Object.entries(ctx.raw.bulkMethods);
    const rawRuns = await Promise.all(methods.map(() => createRuns(ctx.db, runs, `raw-${batchSize}`)));
    const aimdbRuns = await createRuns(ctx.db, runs, `aimdb-${batchSize}`);
    const rawSeconds = methods.map(() => 0);
    let aimdbSeconds = 0;
    // Warm-up off the clock, for everyone alike: the first batches pay for JIT compilation and
    // statement preparation, which a quick run's few batches would otherwise mostly measure.
    const warmUp = batches.slice(0, WARM_UP_BATCHES);
    const [aimdbWarmUp, ...rawWarmUps] = await createRuns(ctx.db, methods.length + 1, `warm-up-${batchSize}`);
    for (const batch of warmUp) await ctx.db.logMetrics(aimdbWarmUp!, batch);
    for (let method = 0; method < methods.length; method++) {
      for (const batch of warmUp) await methods[method]![1](toRawRows(rawWarmUps[method]!, batch, loggedAt));
    }
    // Run by run, each method in turn, so that load from elsewhere on the machine hits all alike.
    for (let run = 0; run < runs; run++) {
      for (let method = 0; method < methods.length; method++) {
        const rows = batches.map((batch) => toRawRows(rawRuns[method]![run]!, batch, loggedAt));
        const insert = methods[method]![1];
        const start = now();
        for (const batch of rows) await insert(batch);
        rawSeconds[method]! += seconds(start);
      }
      const start = now();
      for (const batch of batches) await ctx.db.logMetrics(aimdbRuns[run]!, batch);
      aimdbSeconds += seconds(start);
    }
    const rates: Record<string, number> = {};
    methods.forEach(([label], method) => {
      rates[label] = total / rawSeconds[method]!;
      log(`  raw ${label}, batches of ${batchSize}: ${Math.round(rates[label]!)} points/s`);
    });
    const aimdbRate = total / aimdbSeconds;
    log(`  aimdb logMetrics, batches of ${batchSize}: ${Math.round(aimdbRate)} points/s`);
    const [fastestLabel, fastestRate] = Object.entries(rates).sort((a, b) => b[1] - a[1])[0]!;
    ctx.fastestBulk.set(batchSize, { label: fastestLabel, pointsPerSecond: fastestRate });
    results.push(
      rateResult({
        backend: ctx.backend,
        id: `log-metrics-${batchSize}`,
        title: `logMetrics, batches of ${batchSize.toLocaleString('en')} (${total.toLocaleString('en')} points)`,
        aimdb: aimdbRate,
        baseline: fastestRate,
        baselineLabel: fastestLabel,
        target: 0.5,
        details: Object.fromEntries(Object.entries(rates).map(([label, rate]) => [`raw ${label}`, Math.round(rate)])),
      }),
    );
  }
  return results;
}

export async function trainingLoop(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { loopPoints, perCallPoints } = ctx.sizes;
  const [loggerRun, rawRun, perCallRun] = await createRuns(ctx.db, 3, 'loop');
  const pointAt = (index: number) => ({ name: metricName(index % 10), value: metricValue(index % 10, Math.floor(index / 10)), step: Math.floor(index / 10) });

  const rawStart = now();
  const loggedAt = Date.now();
  for (let index = 0; index < perCallPoints; index++) {
    const point = pointAt(index);
    await ctx.raw.insertOnePerTransaction({ run_id: rawRun!, name: point.name, step: point.step, value: point.value, logged_at: loggedAt });
  }
  const perCallRate = perCallPoints / seconds(rawStart);
  log(`  raw one transaction per point: ${Math.round(perCallRate)} points/s`);

  const callStart = now();
  for (let index = 0; index < perCallPoints; index++) {
    const point = pointAt(index);
    await ctx.db.logMetric(perCallRun!, point.name, point.value, { step: point.step });
  }
  const logMetricRate = perCallPoints / seconds(callStart);
  log(`  aimdb logMetric per point (no logger): ${Math.round(logMetricRate)} points/s`);

  const loggerStart = now();
  const logger = createRunLogger(ctx.db, loggerRun!);
  for (let index = 0; index < loopPoints; index++) {
    const point = pointAt(index);
    await logger.log(point.name, point.value, { step: point.step });
  }
  // close() is inside the clock: a point counts once it is in the database.
  await logger.close();
  const loggerRate = loopPoints / seconds(loggerStart);
  log(`  aimdb run logger, awaited per point, through close(): ${Math.round(loggerRate)} points/s`);
  // The baseline is the seed's pattern: one ORM transaction per call, which is aimdb's own
  // logMetric per point. The raw driver committing one row per transaction is shown beside it.
  return [
    rateResult({
      backend: ctx.backend,
      id: 'training-loop',
      title: `training loop: await logger.log() per point (${loopPoints.toLocaleString('en')} points)`,
      aimdb: loggerRate,
      baseline: logMetricRate,
      baselineLabel: 'one library transaction per point, the seed\'s pattern',
      target: 20,
      note: `${(loggerRate / perCallRate).toFixed(1)}× the raw driver committing each point (${Math.round(perCallRate).toLocaleString('en')} points/s)`,
      details: { 'raw driver, one transaction per point': Math.round(perCallRate) },
    }),
  ];
}

export async function predictions(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { predictions: total, predictionBatch } = ctx.sizes;
  const model = await ctx.db.createModel({ name: `bench-model-${Date.now()}` });
  const version = await ctx.db.createModelVersion({ modelId: model.id });
  const at = Date.now();
  // Four predictions a second, as a served model logs them: each batch spans minutes, so the rollups
  // of several minutes, an hour and a day are kept per batch (a single timestamp would flatter them).
  const inputs = Array.from({ length: total }, (_, index) => prediction(version.id, index, at + index * 250));
  const batches: (typeof inputs)[] = [];
  for (let start = 0; start < total; start += predictionBatch) batches.push(inputs.slice(start, start + predictionBatch));
  // Warm-up off the clock for both, as for logMetrics.
  for (const batch of batches.slice(0, WARM_UP_BATCHES)) {
    await ctx.raw.insertPredictions(batch.map(toRawPrediction));
    await ctx.db.logPredictions(batch);
  }
  // Serialising the JSON documents is part of the raw side's work too: callers hold objects.
  const rawStart = now();
  for (const batch of batches) await ctx.raw.insertPredictions(batch.map(toRawPrediction));
  const rawRate = total / seconds(rawStart);
  log(`  raw multi-row insert of predictions: ${Math.round(rawRate)} rows/s`);
  const start = now();
  for (const batch of batches) await ctx.db.logPredictions(batch);
  const aimdbRate = total / seconds(start);
  log(`  aimdb logPredictions: ${Math.round(aimdbRate)} rows/s`);
  return [
    rateResult({
      backend: ctx.backend,
      id: 'predictions',
      title: `logPredictions, batches of ${predictionBatch.toLocaleString('en')} (${total.toLocaleString('en')} rows, JSON input/output)`,
      unit: 'rows/s',
      aimdb: aimdbRate,
      baseline: rawRate,
      baselineLabel: 'raw multi-row insert',
      target: 0.5,
    }),
  ];
}

