/**
 * A write-behind batcher for training loops that survives the tracking database or server going
 * away (docs/decisions/0501, 0521). `log()` validates a point, stamps it and buffers it; buffered
 * points are sealed into batches (every `flushEvery` points, every `flushIntervalMs`, on `flush()`
 * and `close()`) that are delivered one at a time, in order. A batch whose delivery fails because
 * the database is unavailable stays at the head and is retried with backoff and jitter; `log()`
 * keeps accepting points meanwhile, within a memory bound kept by the `overflow` policy.
 *
 * Exactly once: every point gets an explicit step before it is first sent (one past the highest
 * step its series has, stored or logged), so re-sending a batch replaces it instead of adding to it.
 * A batch sealed before the steps were known also carries its id as `batchId`, which the database
 * remembers, so a copy in a spill file that is replayed again later is not stored twice either.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AiDatabase } from '../store/index.js';
import { isLocalDatabase } from '../database/open.js';
import { AimdbError, BackendError, ValidationError } from '../core/errors.js';
import { LIMITS, type MetricOptions, type MetricPointInput } from '../core/schemas.js';
import { validateMetricArguments } from '../core/metric-validation.js';
import { SpillFile, scanSpillFile, spillFilePath, type SpilledBatch, type SpillPoint } from './spill-file.js';

/**
 * What `log()` does when `maxPending` points wait in memory (the database is slow or away):
 * - `block`: waits until batches are delivered (back-pressure);
 * - `spill`: writes the waiting batches to the spill file and goes on; during an outage every
 *   sealed batch goes there at once, fsynced, so a crash of the training process loses at most
 *   the points not yet sealed;
 * - `drop-oldest`: drops the oldest waiting batch and counts its points in `stats().dropped`.
 */
export type RunLoggerOverflow = 'block' | 'spill' | 'drop-oldest';

/** Options of `createRunLogger`. */
export interface RunLoggerOptions {
  /** Points buffered before a batch is sealed and sent. Default 5,000 (larger batches store faster). */
  flushEvery?: number;
  /** Longest time a point waits before its batch is sealed, in milliseconds. Default 1,000; 0 turns the timer off. */
  flushIntervalMs?: number;
  /** Points that may wait in memory before the `overflow` policy applies. Default `flushEvery * 10`. */
  maxPending?: number;
  /** Default `spill` over HTTP (or any AiDatabase that is not the embedded SQL store), `block` on the SQL store. */
  overflow?: RunLoggerOverflow;
  /**
   * Folder of spill files, one per run (`run-<id>.aimdb-spill.jsonl`). A logger started for a run
   * whose spill file is there delivers that file first. Default `~/.aimdb/spill`. Use one folder
   * per aimdb database: the file names carry the run id only.
   */
  spillDir?: string;
  /** How long `close()` keeps trying to deliver before it leaves the rest in the spill file. Default 30,000 ms. */
  closeTimeoutMs?: number;
  /** First wait before a failed batch is sent again; doubles per failure up to `maxRetryDelayMs`, with jitter. Default 200 ms. */
  retryDelayMs?: number;
  /** Longest wait between two delivery attempts. Default 5,000 ms. */
  maxRetryDelayMs?: number;
  /** A delivery attempt that has not answered after this long counts as failed (a hung connection). Default 60,000 ms. */
  attemptTimeoutMs?: number;
  /**
   * Close on `beforeExit` and, when nothing else listens for them, on SIGINT/SIGTERM (then re-raise
   * the signal so the process still ends as it would have). Default true.
   */
  exitHooks?: boolean;
  /** Called when a delivery attempt fails (the points stay queued and are retried) and when `close()` leaves points behind. */
  onError?: (error: unknown) => void;
  /**
   * How often the logger sends the run's heartbeat, in milliseconds (delivered batches count as
   * heartbeats too), so a run that logs rarely is not taken for lost. Default 60,000; 0 turns it off.
   */
  heartbeatIntervalMs?: number;
  /**
   * With the exit hooks: end the run `killed` on SIGINT/SIGTERM and `failed` (with the error) on an
   * uncaught exception, after delivering its points. Default true.
   */
  endRunOnExit?: boolean;
  /** End the run `completed` on a `close()` without an ending of its own (and at a clean exit). Default false. */
  completeOnClose?: boolean;
}

/** How `close()` ends the run, after delivering its points. */
export type RunEnding = { status: 'completed' } | { status: 'killed' } | { status: 'failed'; error?: unknown };

/** What the run logger counts, for progress bars, health checks and tests. */
export interface RunLoggerStats {
  /** Points accepted by `log()`, and points found in the run's spill file when the logger started. */
  logged: number;
  /** Points the database has confirmed. */
  written: number;
  /** Points accepted but neither confirmed nor dropped (in memory or in the spill file). */
  pending: number;
  /** Of `pending`, the points waiting in the spill file only. */
  spilled: number;
  /** Points held in memory (the open batch and queued batches not yet only in the spill file): what `maxPending` bounds. */
  inMemory: number;
  /** Points dropped by the `drop-oldest` policy. */
  dropped: number;
  /** Batches delivered. */
  flushes: number;
  /** Delivery attempts that failed (each is retried). */
  failedFlushes: number;
  /** True from a failed delivery because the database is unavailable until the next success. */
  unavailable: boolean;
  /** Milliseconds since the database last confirmed a batch (since the logger started, before the first). */
  msSinceLastSuccess: number;
}

/** What `close()` reports. */
export interface RunLoggerCloseResult {
  /** Every accepted point was confirmed (or dropped by `drop-oldest`). */
  delivered: boolean;
  /** Points not confirmed. */
  undelivered: number;
  /** Where the undelivered points were left; the next logger for this run delivers them. */
  spillFile?: string;
}

/** A buffered metric logger bound to one training run. */
export interface RunLogger {
  readonly runId: number;
  /**
   * Accepts one point. Resolves once the point is buffered; under the `block` policy it waits
   * while `maxPending` points are waiting. An unavailable database never makes it reject.
   * Without `step`, the point gets one past the highest step of its series.
   * @throws ValidationError for a bad name, value, step or epoch (checked here, not at send time)
   * @throws the database's error when it refused the run's batches (a deleted run, say) and memory is full
   */
  log(name: string, value: number, options?: MetricOptions): Promise<void>;
  /** Delivers everything accepted so far; rejects with the error of a delivery attempt that fails (the points stay queued). */
  flush(): Promise<void>;
  /**
   * Stops the timer and the exit hooks, then delivers for up to `closeTimeoutMs`; what is left
   * goes to the spill file, named in the result. Rejects only when the database refused the points
   * (not for unavailability). The logger refuses points afterwards.
   */
  close(ending?: RunEnding): Promise<RunLoggerCloseResult>;
  stats(): RunLoggerStats;
}

/** A sealed batch: in memory, in the spill file, or both while it is being sent. */
interface Batch {
  id: string;
  /** Some point had no step when the batch was sealed: it is sent with its id as `batchId`. */
  receipt: boolean;
  /** Its omitted steps have been filled in. */
  assigned: boolean;
  count: number;
  points: SpillPoint[] | undefined;
  spilled: SpilledBatch | undefined;
}

const DEFAULT_FLUSH_EVERY = 5_000;
const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
/** What `log()` returns once a point is buffered and there is room for more. */
const BUFFERED: Promise<void> = Promise.resolve();
const TIMED_OUT = Symbol('timed out');

/** The database could not be reached or failed as a whole; anything else is a refusal of these points. */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof AimdbError)) return true;
  return error.code === 'backend_error' || error.code === 'schema_outdated';
}

/** Spill files held by open loggers of this process: two loggers must not append to one file. */
const heldSpillFiles = new Set<string>();

/**
 * Creates a run logger. Close it when training ends (`await logger.close()`); a clean exit without
 * `close()` still closes it through the exit hooks.
 *
 * @example
 * const logger = createRunLogger(db, run.id, { flushEvery: 500 });
 * for (let step = 0; step < 10_000; step++) await logger.log('loss', loss(step), { step });
 * const { spillFile } = await logger.close();
 */
export function createRunLogger(db: AiDatabase, runId: number, options: RunLoggerOptions = {}): RunLogger {
  const flushEvery = positiveInteger(options.flushEvery ?? DEFAULT_FLUSH_EVERY, 'flushEvery', LIMITS.batchSize);
  const flushIntervalMs = nonNegativeInteger(options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS, 'flushIntervalMs');
  const maxPending = positiveInteger(options.maxPending ?? flushEvery * 10, 'maxPending', Number.MAX_SAFE_INTEGER);
  const closeTimeoutMs = nonNegativeInteger(options.closeTimeoutMs ?? 30_000, 'closeTimeoutMs');
  const heartbeatIntervalMs = nonNegativeInteger(options.heartbeatIntervalMs ?? 60_000, 'heartbeatIntervalMs');
  const endRunOnExit = options.endRunOnExit ?? true;
  const completeOnClose = options.completeOnClose ?? false;
  const retryDelayMs = positiveInteger(options.retryDelayMs ?? 200, 'retryDelayMs', 3_600_000);
  const maxRetryDelayMs = positiveInteger(options.maxRetryDelayMs ?? 5_000, 'maxRetryDelayMs', 3_600_000);
  const attemptTimeoutMs = positiveInteger(options.attemptTimeoutMs ?? 60_000, 'attemptTimeoutMs', 3_600_000);
  const overflow = options.overflow ?? (isLocalDatabase(db) ? 'block' : 'spill');
  if (!['block', 'spill', 'drop-oldest'].includes(overflow)) {
    throw new ValidationError("overflow: must be 'block', 'spill' or 'drop-oldest'", { field: 'overflow' });
  }
  if (!Number.isSafeInteger(runId) || runId <= 0) throw new ValidationError('runId: must be a positive integer', { field: 'runId' });
  const spillPath = spillFilePath(path.resolve(options.spillDir ?? path.join(homedir(), '.aimdb', 'spill')), runId);

  const session = randomBytes(6).toString('base64url');
  let sealedCount = 0;
  let open: SpillPoint[] = [];
  /** Some point in `open` has no step yet. */
  let openUnassigned = false;
  const queue: Batch[] = [];
  /** Points held in memory: `open` plus the batches' in-memory copies. */
  let inMemory = 0;
  /** Queued batches whose omitted steps are not filled in yet; while there are any, `log()` leaves steps to them. */
  let unassignedBatches = 0;
  /** Next step per series: past everything stored (once read) and everything accepted. */
  const nextSteps = new Map<string, number>();
  let storedStepsRead = false;

  let spill: SpillFile | undefined;
  /** The spill file cannot be used (another logger holds it, or writing failed): overflow then blocks. */
  let spillBroken = false;
  let spilledPoints = 0;

  let closed = false;
  /** After close() gave up: late outcomes must not touch the queue or the spill file. */
  let finished = false;
  let lastError: unknown;
  let failureStreak = 0;
  let unavailableSince: number | undefined;
  let lastSuccessAt = Date.now();
  const stats = { logged: 0, written: 0, dropped: 0, flushes: 0, failedFlushes: 0 };

  /** Resolved after every attempt's outcome, so waiters can look again. */
  const outcomeSignal = signal();

  // A spill file left by an earlier logger of this run comes first.
  const scanned = heldSpillFiles.has(spillPath) ? undefined : scanSpillFile(spillPath);
  if (scanned !== undefined && scanned.batches.length > 0) {
    heldSpillFiles.add(spillPath);
    spill = new SpillFile(spillPath);
    for (const spilled of scanned.batches) {
      queue.push({ id: spilled.id, receipt: spilled.receipt, assigned: !spilled.receipt, count: spilled.count, points: undefined, spilled });
      if (spilled.receipt) unassignedBatches += 1;
      spilledPoints += spilled.count;
      stats.logged += spilled.count;
    }
    for (const [name, step] of scanned.nextSteps) bump(nextSteps, name, step - 1);
  }

  function acquireSpill(): SpillFile | undefined {
    if (spill !== undefined) return spill;
    if (spillBroken) return undefined;
    if (heldSpillFiles.has(spillPath)) {
      spillBroken = true;
      options.onError?.(new BackendError(`run logger: ${spillPath} is used by another logger of run ${runId}; not spilling`));
      return undefined;
    }
    heldSpillFiles.add(spillPath);
    spill = new SpillFile(spillPath);
    return spill;
  }

  function releaseSpill(): void {
    if (spill !== undefined) heldSpillFiles.delete(spillPath);
  }

  /** Writes every queued batch that is only in memory to the spill file, in queue order. */
  let spilling: Promise<void> = Promise.resolve();
  function spillQueued(): Promise<void> {
    spilling = spilling.then(async () => {
      const file = acquireSpill();
      const toWrite = queue.filter((batch) => batch.spilled === undefined && batch.points !== undefined);
      if (file === undefined || toWrite.length === 0 || finished) return;
      let placed: SpilledBatch[];
      try {
        placed = await file.append(toWrite.map((batch) => ({ id: batch.id, receipt: batch.receipt, points: batch.points! })));
      } catch (error) {
        spillBroken = true;
        options.onError?.(new BackendError(`run logger: could not write the spill file ${spillPath}; waiting in memory instead`, { cause: error }));
        return;
      }
      for (const [index, batch] of toWrite.entries()) {
        batch.spilled = placed[index];
        if (!queue.includes(batch)) continue; // delivered while it was being written
        spilledPoints += batch.count;
        // The batch being sent keeps its points; the others now live in the file only.
        if (!sending.includes(batch) && batch.points !== undefined) {
          inMemory -= batch.points.length;
          batch.points = undefined;
        }
      }
      outcomeSignal.fire();
    });
    return spilling;
  }

  const spillActive = () => overflow === 'spill' && !spillBroken && (unavailableSince !== undefined || spilledPoints > 0 || queue.some((batch) => batch.spilled !== undefined));

  function seal(): void {
    if (open.length === 0) return;
    const batch: Batch = {
      id: `${session}-${++sealedCount}`,
      receipt: openUnassigned,
      assigned: !openUnassigned,
      count: open.length,
      points: open,
      spilled: undefined,
    };
    if (openUnassigned) unassignedBatches += 1;
    open = [];
    openUnassigned = false;
    queue.push(batch);
    if (spillActive() || (overflow === 'spill' && inMemory >= maxPending && !isRefused())) void spillQueued();
    if (overflow === 'drop-oldest') dropOldest();
    drive();
  }

  function dropOldest(): void {
    while (inMemory > maxPending) {
      const victim = queue.find((batch) => !sending.includes(batch) && batch.points !== undefined);
      if (victim === undefined) return;
      queue.splice(queue.indexOf(victim), 1);
      inMemory -= victim.points!.length;
      stats.dropped += victim.count;
      if (!victim.assigned) unassignedBatches -= 1;
    }
  }

  const isRefused = () => lastError !== undefined && !isUnavailable(lastError);

  /** Fills in the omitted steps of a batch about to be sent, in order, past everything stored and accepted. */
  async function assignSteps(batch: Batch, points: SpillPoint[]): Promise<void> {
    if (!storedStepsRead) {
      for (const summary of await db.getMetricSummaries(runId)) bump(nextSteps, summary.name, summary.lastStep);
      storedStepsRead = true;
    }
    if (batch.assigned) return;
    for (const point of points) {
      if (point.step === undefined) point.step = nextSteps.get(point.name) ?? 0;
      bump(nextSteps, point.name, point.step);
    }
    batch.assigned = true;
    unassignedBatches -= 1;
  }

  /** The batches whose delivery is under way. */
  let sending: Batch[] = [];
  /** The points of a spilled head batch, read once for all its attempts. */
  let headPoints: { batch: Batch; points: SpillPoint[] } | undefined;
  let attempt: Promise<unknown> | undefined;

  /**
   * The head batch and, when their steps are all known, the batches after it up to `flushEvery`
   * points: a backlog (many small batches sealed by the timer during an outage) then goes in a few
   * requests instead of one per batch. A batch sent with its id as `batchId` always goes alone.
   */
  function nextDelivery(): Batch[] {
    const head = queue[0]!;
    const batches = [head];
    if (head.receipt) return batches;
    let points = head.count;
    for (let index = 1; index < queue.length; index++) {
      const next = queue[index]!;
      if (next.receipt || points + next.count > flushEvery) break;
      batches.push(next);
      points += next.count;
    }
    return batches;
  }

  /** One delivery attempt of the head batch(es); concurrent callers share it. Resolves with the error, or undefined. */
  function deliverHead(): Promise<unknown> {
    if (attempt !== undefined || queue.length === 0) return attempt ?? Promise.resolve(undefined);
    const batches = nextDelivery();
    attempt = (async () => {
      sending = batches;
      try {
        const outcome = await withTimeout(send(batches), attemptTimeoutMs);
        if (outcome === TIMED_OUT) throw new BackendError(`run logger: a batch of run ${runId} got no answer within ${attemptTimeoutMs} ms`);
      } catch (error) {
        failed(error);
        return error;
      } finally {
        sending = [];
        attempt = undefined;
      }
      for (const batch of batches) delivered(batch);
      return undefined;
    })();
    return attempt;
  }

  async function pointsOf(batch: Batch): Promise<SpillPoint[]> {
    if (batch.points !== undefined) return batch.points;
    if (batch !== queue[0]) return spill!.read(batch.spilled!);
    if (headPoints?.batch !== batch) headPoints = { batch, points: await spill!.read(batch.spilled!) };
    return headPoints.points;
  }

  async function send(batches: Batch[]): Promise<void> {
    const head = batches[0]!;
    let points = await pointsOf(head);
    await assignSteps(head, points);
    if (batches.length > 1) {
      points = points.slice();
      for (const batch of batches.slice(1)) for (const point of await pointsOf(batch)) points.push(point);
    }
    await db.logMetrics(runId, points as MetricPointInput[], head.receipt ? { batchId: head.id } : undefined);
  }

  function delivered(batch: Batch): void {
    if (finished) return;
    const index = queue.indexOf(batch);
    if (index >= 0) queue.splice(index, 1);
    if (batch.points !== undefined) inMemory -= batch.points.length;
    if (batch.spilled !== undefined) spilledPoints -= batch.count;
    if (headPoints?.batch === batch) headPoints = undefined;
    stats.written += batch.count;
    stats.flushes += 1;
    lastSuccessAt = Date.now();
    lastError = undefined;
    failureStreak = 0;
    unavailableSince = undefined;
    // Everything in the spill file is delivered: it is no longer needed (close() sees to it itself).
    if (spill !== undefined && !closed && !queue.some((queued) => queued.spilled !== undefined) && spilledPoints === 0) {
      const file = spill;
      spilling = spilling.then(() => (queue.some((queued) => queued.spilled !== undefined) ? undefined : file.remove()));
    }
    outcomeSignal.fire();
  }

  function failed(error: unknown): void {
    stats.failedFlushes += 1;
    lastError = error;
    failureStreak += 1;
    if (isUnavailable(error)) {
      unavailableSince ??= Date.now();
      if (spillActive()) void spillQueued();
    }
    outcomeSignal.fire();
    if (!finished) options.onError?.(error);
  }

  /** Waits before the next attempt: exponential, capped, with jitter so many loggers do not retry in step. */
  function retryDelay(): number {
    const ceiling = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(failureStreak - 1, 30));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** The background delivery loop: runs while batches are queued. */
  let driving = false;
  let wake: (() => void) | undefined;
  function drive(): void {
    if (wake !== undefined) wake();
    if (driving || finished) return;
    driving = true;
    void (async () => {
      try {
        while (queue.length > 0 && !finished) {
          const error = await deliverHead();
          if (error !== undefined && !finished) await sleepUnlessWoken(retryDelay());
        }
      } finally {
        driving = false;
      }
    })();
  }

  function sleepUnlessWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      // A retry must not keep a finished program alive; the exit hook closes the logger.
      timer.unref();
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  const timer =
    flushIntervalMs > 0
      ? setInterval(() => {
          if (open.length > 0) seal();
        }, flushIntervalMs)
      : undefined;
  // The timer must not keep a finished program alive; the exit hook closes the logger.
  timer?.unref();

  // Heartbeats between batches: a run that logs once an hour is alive all the same.
  let heartbeatBusy = false;
  let heartbeatErrorReported = false;
  const heartbeatTimer =
    heartbeatIntervalMs > 0
      ? setInterval(() => {
          if (heartbeatBusy || closed) return;
          heartbeatBusy = true;
          db.heartbeat(runId)
            .then((run) => {
              // Ended elsewhere (or found lost): nothing left to keep alive.
              if (run.status !== 'running' && run.status !== 'queued') clearInterval(heartbeatTimer);
            })
            .catch((error: unknown) => {
              if (!heartbeatErrorReported) options.onError?.(error);
              heartbeatErrorReported = true;
            })
            .finally(() => (heartbeatBusy = false));
        }, heartbeatIntervalMs)
      : undefined;
  heartbeatTimer?.unref();

  /** Back-pressure for `block` (and for `spill` when the file cannot be used). */
  async function waitForRoom(): Promise<void> {
    while (inMemory >= maxPending) {
      if (isRefused()) throw lastError;
      if (open.length > 0) seal();
      const next = outcomeSignal.promise;
      drive();
      await next;
    }
  }

  /** `spill` policy with memory full: waits for the batches in memory to reach the file (local I/O, not the database). */
  async function makeRoomBySpilling(): Promise<void> {
    seal();
    await spillQueued();
    if (spillBroken) await waitForRoom();
  }

  function pendingCount(): number {
    return stats.logged - stats.written - stats.dropped;
  }

  if (queue.length > 0) drive();

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
      let step = point.step;
      if (step === undefined) {
        if (storedStepsRead && unassignedBatches === 0 && !openUnassigned) {
          step = nextSteps.get(point.name) ?? 0;
          bump(nextSteps, point.name, step);
        } else {
          openUnassigned = true;
        }
      } else {
        bump(nextSteps, point.name, step);
      }
      const buffered: SpillPoint = { name: point.name, value: point.value, step, timestamp: point.loggedAt ?? Date.now() };
      if (point.epoch !== undefined) buffered.epoch = point.epoch;
      open.push(buffered);
      inMemory += 1;
      stats.logged += 1;
      if (open.length >= flushEvery) seal();
      if (inMemory < maxPending) return BUFFERED;
      if (isRefused()) return Promise.reject(lastError);
      if (overflow === 'drop-oldest') {
        seal();
        return BUFFERED;
      }
      if (overflow === 'spill' && !spillBroken) return makeRoomBySpilling();
      return waitForRoom();
    },
    async flush() {
      seal();
      while (queue.length > 0) {
        const error = await deliverHead();
        if (error !== undefined) throw error;
      }
    },
    async close(ending) {
      const end = ending ?? (completeOnClose ? ({ status: 'completed' } as const) : undefined);
      try {
        return await closeQueue();
      } finally {
        if (end !== undefined) await endRun(end);
      }
    },
    stats: () => ({
      ...stats,
      pending: pendingCount(),
      spilled: spilledPoints,
      inMemory,
      unavailable: unavailableSince !== undefined,
      msSinceLastSuccess: Date.now() - lastSuccessAt,
    }),
  };

  /** Sets the run's final status; a run that already ended (say, lost) is reported, not an error. */
  async function endRun(ending: RunEnding): Promise<void> {
    const patch: { status: RunEnding['status']; error?: string } = { status: ending.status };
    if (ending.status === 'failed' && ending.error !== undefined) patch.error = describeFailure(ending.error);
    try {
      await db.updateTrainingRun(runId, patch);
    } catch (error) {
      options.onError?.(error);
    }
  }

  async function closeQueue(): Promise<RunLoggerCloseResult> {
    if (timer !== undefined) clearInterval(timer);
    if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
    unregister(logger);
    closed = true;
    seal();
    const deadline = Date.now() + closeTimeoutMs;
    let refusal: unknown;
    while (queue.length > 0 && Date.now() < deadline) {
      const error = await withTimeout(deliverHead(), deadline - Date.now());
      if (error === TIMED_OUT) break;
      if (error === undefined) continue;
      if (!isUnavailable(error)) {
        refusal = error;
        break;
      }
      const wait = Math.min(retryDelay(), deadline - Date.now());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (refusal !== undefined) {
      finished = true;
      await spilling;
      await spill?.close();
      releaseSpill();
      throw refusal;
    }
    if (queue.length === 0) {
      finished = true;
      await spilling;
      // Whatever the file held has been delivered.
      await spill?.remove();
      releaseSpill();
      return { delivered: true, undelivered: 0 };
    }
    // Out of time: everything still queued goes to the spill file for the next logger of this run.
    await spillQueued();
    finished = true;
    await spilling;
    const undelivered = pendingCount();
    const kept = !spillBroken && queue.every((batch) => batch.spilled !== undefined);
    await spill?.close();
    releaseSpill();
    const result: RunLoggerCloseResult = { delivered: false, undelivered };
    if (kept) result.spillFile = spillPath;
    options.onError?.(
      new BackendError(
        kept
          ? `run logger: ${undelivered} points of run ${runId} were not delivered within ${closeTimeoutMs} ms; ` +
              `they are kept in ${spillPath} and delivered by the next run logger of run ${runId} with this spill folder`
          : `run logger: ${undelivered} points of run ${runId} were not delivered within ${closeTimeoutMs} ms and could not be written to ${spillPath}`,
      ),
    );
    return result;
  }
  if (options.exitHooks !== false) register(logger, endRunOnExit);
  return logger;
}

/** The error text a failed run keeps: the stack when there is one, within the store's limit. */
function describeFailure(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > LIMITS.textLength ? text.slice(0, LIMITS.textLength) : text;
}

/** A promise that can be resolved from outside and then replaced by a fresh one. */
function signal(): { promise: Promise<void>; fire(): void } {
  const state = {} as { promise: Promise<void>; fire(): void };
  const reset = () => {
    let resolve!: () => void;
    state.promise = new Promise<void>((done) => (resolve = done));
    state.fire = () => {
      reset();
      resolve();
    };
  };
  reset();
  return state;
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Raises a series' next step past `step`. */
function bump(nextSteps: Map<string, number>, name: string, step: number): void {
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

// Exit hooks, shared by every open logger of the process; the value says whether it ends its run.
const openLoggers = new Map<RunLogger, boolean>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** How long a crashing process waits for its loggers before it exits anyway. */
const CRASH_CLOSE_MS = 10_000;

async function closeAll(ending?: RunEnding): Promise<void> {
  await Promise.allSettled(
    [...openLoggers].map(([logger, endsRun]) => (endsRun && ending !== undefined ? logger.close(ending) : logger.close())),
  );
}

function onBeforeExit(): void {
  // Closing unregisters each logger, so the next beforeExit finds nothing left to do.
  void closeAll();
}

function onSignal(signal: NodeJS.Signals): void {
  const othersListen = process.listenerCount(signal) > 1;
  void closeAll({ status: 'killed' }).finally(() => {
    if (othersListen) return;
    // We were the only listener, so without us the signal would have ended the process: do that now.
    removeHooks();
    process.kill(process.pid, signal);
  });
}

/**
 * Only installed while nobody else handles uncaught exceptions: it does what Node would (print the
 * error, exit 1) after the loggers delivered their points and marked their runs failed.
 */
function onUncaughtException(error: unknown): void {
  removeHooks();
  process.exitCode = 1;
  console.error(error);
  const exit = () => process.exit(1);
  setTimeout(exit, CRASH_CLOSE_MS).unref();
  void closeAll({ status: 'failed', error }).finally(exit);
}

function register(logger: RunLogger, endsRun: boolean): void {
  if (openLoggers.size === 0) {
    process.on('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) process.on(signal, onSignal);
    if (process.listenerCount('uncaughtException') === 0) process.on('uncaughtException', onUncaughtException);
  }
  openLoggers.set(logger, endsRun);
}

function unregister(logger: RunLogger): void {
  if (openLoggers.delete(logger) && openLoggers.size === 0) removeHooks();
}

function removeHooks(): void {
  process.off('beforeExit', onBeforeExit);
  process.off('uncaughtException', onUncaughtException);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
