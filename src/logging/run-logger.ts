/**
 * A write-behind batcher for training loops. `log()` validates a point, gives it an explicit step
 * and a timestamp, buffers it and resolves at once; the buffer is written with `logMetrics` every
 * `flushEvery` points, every `flushIntervalMs`, on `flush()`/`close()`, and when the process is
 * about to exit cleanly. Because every point carries an explicit step before it is first sent, a
 * batch that fails is retried as-is and cannot duplicate or shift points (`logMetrics` replaces
 * an existing (run, name, step)).
 */
import type { AiDatabase } from '../store/ai-database.js';
import { ValidationError } from '../core/errors.js';
import { LIMITS, type MetricOptions, type MetricPointInput } from '../core/schemas.js';
import { validateMetricArguments } from '../store/sql/metric-batch-validation.js';

/** Options of `createRunLogger`. */
export interface RunLoggerOptions {
  /** Points buffered before a flush starts. Default 5,000 (larger batches store faster). */
  flushEvery?: number;
  /** Longest time a point waits in the buffer, in milliseconds. Default 1,000; 0 turns the timer off. */
  flushIntervalMs?: number;
  /**
   * Points that may wait (buffered plus being written) before `log()` waits for a flush to finish,
   * which bounds memory when the database is slower than the loop. Default `flushEvery * 10`.
   */
  maxPending?: number;
  /**
   * Flush on `beforeExit` and, when nothing else listens for them, on SIGINT/SIGTERM (then re-raise
   * the signal so the process still ends as it would have). Default true.
   */
  exitHooks?: boolean;
  /** Called when a background flush fails; the points stay buffered and are retried. */
  onError?: (error: unknown) => void;
}

/** What the run logger counts, for progress bars and tests. */
export interface RunLoggerStats {
  /** Points accepted by `log()`. */
  logged: number;
  /** Points the database has confirmed. */
  written: number;
  /** Points accepted but not yet confirmed. */
  pending: number;
  /** Batches written. */
  flushes: number;
  /** Batches that failed and were kept for a retry. */
  failedFlushes: number;
}

/** A buffered metric logger bound to one training run. */
export interface RunLogger {
  readonly runId: number;
  /**
   * Accepts one point. Resolves once the point is buffered (it waits only when `maxPending` points
   * are already waiting). Without `step`, the point gets one past the series' last step.
   * @throws ValidationError for a bad name, value, step or epoch (checked here, not at flush time)
   */
  log(name: string, value: number, options?: MetricOptions): Promise<void>;
  /** Writes everything accepted so far; rejects with the database's error if that fails. */
  flush(): Promise<void>;
  /** Flushes, stops the timer and removes the exit hooks. The logger refuses points afterwards. */
  close(): Promise<void>;
  stats(): RunLoggerStats;
}

/**
 * A point as it is handed to `logMetrics`: built once in `log()`, so a flush passes the buffer itself
 * instead of copying every point. The time is epoch milliseconds, which costs no Date per point.
 */
interface BufferedPoint {
  name: string;
  value: number;
  step: number | undefined;
  epoch?: number | null;
  timestamp: number;
}

const DEFAULT_FLUSH_EVERY = 5_000;
/** What `log()` returns once a point is buffered and there is room for more. */
const BUFFERED: Promise<void> = Promise.resolve();
const DEFAULT_FLUSH_INTERVAL_MS = 1_000;

/**
 * Creates a run logger. Close it when training ends (`await logger.close()`); a clean exit without
 * `close()` still flushes through the exit hooks.
 *
 * @example
 * const logger = createRunLogger(db, run.id, { flushEvery: 500 });
 * for (let step = 0; step < 10_000; step++) await logger.log('loss', loss(step), { step });
 * await logger.close();
 */
export function createRunLogger(db: AiDatabase, runId: number, options: RunLoggerOptions = {}): RunLogger {
  const flushEvery = positiveInteger(options.flushEvery ?? DEFAULT_FLUSH_EVERY, 'flushEvery', LIMITS.batchSize);
  const flushIntervalMs = nonNegativeInteger(options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS, 'flushIntervalMs');
  const maxPending = positiveInteger(options.maxPending ?? flushEvery * 10, 'maxPending', Number.MAX_SAFE_INTEGER);
  if (!Number.isSafeInteger(runId) || runId <= 0) throw new ValidationError('runId: must be a positive integer', { field: 'runId' });

  let buffer: BufferedPoint[] = [];
  let inFlight: Promise<void> | undefined;
  let closed = false;
  let lastError: unknown;
  /** Next step per series, known once the series' summary was read (or a step was seen). */
  let nextSteps: Map<string, number> | undefined;
  const stats: RunLoggerStats = { logged: 0, written: 0, pending: 0, flushes: 0, failedFlushes: 0 };

  async function assignSteps(points: BufferedPoint[]): Promise<void> {
    if (points.every((point) => point.step !== undefined)) {
      if (nextSteps !== undefined) for (const point of points) bumpStep(nextSteps, point.name, point.step!);
      return;
    }
    if (nextSteps === undefined) {
      const known = new Map<string, number>();
      for (const summary of await db.getMetricSummaries(runId)) known.set(summary.name, summary.lastStep + 1);
      nextSteps = known;
    }
    for (const point of points) {
      if (point.step === undefined) point.step = nextSteps.get(point.name) ?? 0;
      bumpStep(nextSteps, point.name, point.step);
    }
  }

  /**
   * Writes the buffer in batches, one flush at a time so retries keep their order. A flush started
   * by the count writes full batches only; points logged meanwhile wait for the next full batch or
   * the timer, or a stream of tiny batches would pay the per-batch cost over and over.
   */
  function startFlush(everything: boolean): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    if (buffer.length === 0) return Promise.resolve();
    inFlight = (async () => {
      try {
        while (everything ? buffer.length > 0 : buffer.length >= flushEvery) {
          // Take the head of the buffer; points logged while it is written go to a fresh buffer.
          const batch = buffer.length <= LIMITS.batchSize ? buffer : buffer.slice(0, LIMITS.batchSize);
          buffer = batch === buffer ? [] : buffer.slice(batch.length);
          try {
            await assignSteps(batch);
            await db.logMetrics(runId, batch as MetricPointInput[]);
          } catch (error) {
            // Nothing of a failed batch was stored (batches are atomic): it goes back to the head.
            buffer = batch.concat(buffer);
            throw error;
          }
          stats.written += batch.length;
          stats.pending = buffer.length;
          stats.flushes += 1;
        }
        lastError = undefined;
      } catch (error) {
        stats.failedFlushes += 1;
        lastError = error;
        throw error;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  function backgroundFlush(everything: boolean): void {
    startFlush(everything).catch((error: unknown) => options.onError?.(error));
  }

  const timer =
    flushIntervalMs > 0
      ? setInterval(() => {
          if (buffer.length > 0) backgroundFlush(true);
        }, flushIntervalMs)
      : undefined;
  // The timer must not keep a finished program alive; the exit hook flushes what it would have.
  timer?.unref();

  /** Backpressure: waits while too much is pending. A failing database surfaces here instead of letting the buffer grow without bound. */
  async function waitForRoom(): Promise<void> {
    while (buffer.length >= maxPending) {
      if (inFlight === undefined && lastError !== undefined) throw lastError;
      await startFlush(false);
    }
  }

  const logger: RunLogger = {
    runId,
    // Not an async function: the usual call (buffered, room left) returns one shared settled promise
    // instead of allocating a new one per point; errors still arrive as rejections.
    log(name, value, pointOptions) {
      let point;
      try {
        if (closed) throw new ValidationError('run logger: closed; create a new one to log more points', { field: 'logger' });
        point = validateMetricArguments(name, value, pointOptions, 'point');
      } catch (error) {
        return Promise.reject(error);
      }
      const buffered: BufferedPoint = {
        name: point.name,
        value: point.value,
        step: point.step,
        timestamp: point.loggedAt ?? Date.now(),
      };
      if (point.epoch !== undefined) buffered.epoch = point.epoch;
      buffer.push(buffered);
      stats.logged += 1;
      stats.pending = buffer.length;
      if (buffer.length >= flushEvery && inFlight === undefined) backgroundFlush(false);
      return buffer.length >= maxPending ? waitForRoom() : BUFFERED;
    },
    async flush() {
      // A flush started before this call may not hold the newest points; loop until all are written.
      while (buffer.length > 0 || inFlight !== undefined) await startFlush(true);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      unregister(logger);
      closed = true;
      await logger.flush();
    },
    stats: () => ({ ...stats }),
  };
  if (options.exitHooks !== false) register(logger);
  return logger;
}

function bumpStep(nextSteps: Map<string, number>, name: string, step: number): void {
  if ((nextSteps.get(name) ?? 0) <= step) nextSteps.set(name, step + 1);
}

function positiveInteger(value: number, field: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ValidationError(`${field}: must be an integer from 1 to ${max}`, { field });
  }
  return value;
}

function nonNegativeInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(`${field}: must be an integer ≥ 0`, { field });
  return value;
}

// Exit hooks, shared by every open logger of the process.
const openLoggers = new Set<RunLogger>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

async function flushAll(): Promise<void> {
  await Promise.allSettled([...openLoggers].map((logger) => logger.flush()));
}

function onBeforeExit(): void {
  // beforeExit fires again once this work is done, and then finds nothing left to write.
  void flushAll();
}

function onSignal(signal: NodeJS.Signals): void {
  const othersListen = process.listenerCount(signal) > 1;
  void flushAll().finally(() => {
    if (othersListen) return;
    // We were the only listener, so without us the signal would have ended the process: do that now.
    removeHooks();
    process.kill(process.pid, signal);
  });
}

function register(logger: RunLogger): void {
  if (openLoggers.size === 0) {
    process.on('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  openLoggers.add(logger);
}

function unregister(logger: RunLogger): void {
  if (openLoggers.delete(logger) && openLoggers.size === 0) removeHooks();
}

function removeHooks(): void {
  process.off('beforeExit', onBeforeExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
