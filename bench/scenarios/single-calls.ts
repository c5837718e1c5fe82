/**
 * Single calls (issue #17): one awaited `logMetric` in the library and one log-metric request over
 * HTTP at a time, each its own transaction and commit, against the raw driver committing one row
 * per transaction, in the same run. The three alternate in rounds so a burst of load elsewhere hits
 * all of them. Statements per call are counted on a second library handle (the `echo` hook sees
 * every statement, BEGIN and COMMIT included); on PostgreSQL and MySQL each is a round trip. The
 * server runs the same store code, so a request costs it the same statements.
 */
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { openSqlDatabase } from '../../src/database/open.js';
import { createRuns, type BenchContext } from '../context.js';
import { metricName, metricValue } from '../data.js';
import { log, now, rateResult, seconds, type ScenarioResult } from '../measure.js';
import { startServerProcess, stopServerProcess } from './http.js';

const ROUNDS = 5;
const WARM_UP_CALLS = 50;

export async function singleCalls(ctx: BenchContext): Promise<ScenarioResult[]> {
  const calls = ctx.sizes.perCallPoints;
  const perRound = Math.max(1, Math.floor(calls / ROUNDS));
  const [rawRun, libraryRun, httpRun, countedRun] = await createRuns(ctx.db, 4, 'single');
  let statements = 0;
  const counted = await openSqlDatabase({ url: ctx.database.url, echo: () => void statements++ });
  const { child, url } = await startServerProcess(ctx.database.url);
  const http = createHttpAiDatabase({ url });
  const point = (index: number) => ({ name: metricName(index % 10), value: metricValue(index % 10, Math.floor(index / 10)), step: Math.floor(index / 10) });
  const next = { raw: 0, library: 0, http: 0 };
  const spent = { raw: 0, library: 0, http: 0 };
  const loggedAt = Date.now();
  const rawCall = async () => {
    const p = point(next.raw++);
    await ctx.raw.insertOnePerTransaction({ run_id: rawRun!, name: p.name, step: p.step, value: p.value, logged_at: loggedAt });
  };
  const libraryCall = async () => {
    const p = point(next.library++);
    await ctx.db.logMetric(libraryRun!, p.name, p.value, { step: p.step });
  };
  const httpCall = async () => {
    const p = point(next.http++);
    await http.logMetric(httpRun!, p.name, p.value, { step: p.step });
  };
  try {
    for (let index = 0; index < WARM_UP_CALLS; index++) {
      await rawCall();
      await libraryCall();
      await httpCall();
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [method, call] of [['raw', rawCall], ['library', libraryCall], ['http', httpCall]] as const) {
        const start = now();
        for (let index = 0; index < perRound; index++) await call();
        spent[method] += seconds(start);
      }
    }
    // Statements per call, counted off the clock: appends (steps given) and appends with the step omitted.
    const countedCalls = 200;
    statements = 0;
    for (let index = 0; index < countedCalls; index++) {
      const p = point(index);
      await counted.logMetric(countedRun!, p.name, p.value, { step: p.step });
    }
    const perCall = statements / countedCalls;
    statements = 0;
    for (let index = 0; index < countedCalls; index++) await counted.logMetric(countedRun!, 'omitted', index);
    const perOmitted = statements / countedCalls;
    const rate = (method: keyof typeof spent) => (perRound * ROUNDS) / spent[method];
    const raw = rate('raw');
    log(`  raw one row per transaction: ${Math.round(raw)} calls/s; library logMetric ${Math.round(rate('library'))}/s; HTTP ${Math.round(rate('http'))}/s`);
    log(`  statements per logMetric: ${perCall.toFixed(2)} (step given), ${perOmitted.toFixed(2)} (step omitted)`);
    const details = { 'statements per call': Number(perCall.toFixed(2)), 'statements per call, step omitted': Number(perOmitted.toFixed(2)) };
    const calls = (perRound * ROUNDS).toLocaleString('en');
    return [
      rateResult({
        backend: ctx.backend,
        id: 'single-library',
        title: `one awaited logMetric at a time, a commit each (${calls} calls)`,
        unit: 'calls/s',
        aimdb: rate('library'),
        baseline: raw,
        baselineLabel: 'raw driver, one row per transaction',
        target: 0.5,
        note: `${perCall.toFixed(2)} statements a call (${perOmitted.toFixed(2)} with the step omitted)`,
        details,
      }),
      rateResult({
        backend: ctx.backend,
        id: 'single-http',
        title: `one log-metric request at a time over HTTP, a commit each (${calls} calls)`,
        unit: 'calls/s',
        aimdb: rate('http'),
        baseline: raw,
        baselineLabel: 'raw driver, one row per transaction',
        target: 0.5,
        details,
      }),
    ];
  } finally {
    await http.close();
    await stopServerProcess(child);
    await counted.close();
  }
}
