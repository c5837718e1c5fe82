/**
 * Charts ask for their buckets one series at a time; this gathers the asks made within a few
 * milliseconds into `POST /metric-buckets` calls (runs × names per bucket count, at most
 * BULK_SERIES series each), so a screen of charts costs one request instead of one per chart
 * (issue: a run with 3,000 metric names sent 5,411 requests in 20 s).
 */
import type { MetricBucket } from '../../core/entities.js';
import { decodeMetricSeriesBuckets } from './decode.js';
import { API } from '../../core/api/routes.js';
import { callRoute } from './http.js';

/** The server's LIMITS.bulkSeries (not imported: src/core/schemas.ts would pull zod into the bundle). */
export const BULK_SERIES = 1000;
/** How long asks are gathered before the request goes out. */
const GATHER_MS = 8;

/** A step range to read (both ends inclusive): a zoomed chart asks for the buckets of what it shows. */
export interface StepRange {
  minStep: number;
  maxStep: number;
}

interface Ask {
  runId: number;
  name: string;
  buckets: number;
  range: StepRange | undefined;
  signal: AbortSignal | undefined;
  resolve: (buckets: MetricBucket[]) => void;
  reject: (error: unknown) => void;
}

/** Counts the requests sent, for tests and the page's diagnostics. */
export const bulkRequestStats = { requests: 0, series: 0 };

let pending: Ask[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/** The buckets of one series, fetched together with whatever other charts ask for at the same time. */
export function fetchBucketsBatched(runId: number, name: string, buckets: number, signal?: AbortSignal, range?: StepRange): Promise<MetricBucket[]> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    pending.push({ runId, name, buckets, range, signal, resolve, reject });
    timer ??= setTimeout(flush, GATHER_MS);
  });
}

function flush(): void {
  const asks = pending.filter((ask) => ask.signal?.aborted !== true);
  pending = [];
  timer = undefined;
  // One request answers one bucket count over one step range.
  const byShape = new Map<string, Ask[]>();
  for (const ask of asks) {
    const key = `${ask.buckets}:${ask.range?.minStep ?? ''}:${ask.range?.maxStep ?? ''}`;
    byShape.set(key, [...(byShape.get(key) ?? []), ask]);
  }
  for (const group of byShape.values()) {
    for (const request of planRequests(group)) void send(group[0]!.buckets, group[0]!.range, request);
  }
}

export interface PlannedRequest<A> {
  runIds: number[];
  names: string[];
  asks: A[];
}

/**
 * Splits asks into requests of runs × names within the series limit: one request when all of them
 * fit in one rectangle, else one rectangle per set of runs asking for the same names, split by name.
 */
export function planRequests<A extends { runId: number; name: string }>(asks: A[]): Array<PlannedRequest<A>> {
  const namesByRun = new Map<number, Set<string>>();
  for (const ask of asks) namesByRun.set(ask.runId, (namesByRun.get(ask.runId) ?? new Set()).add(ask.name));
  const allNames = new Set(asks.map((ask) => ask.name));
  // One rectangle when it fits: pairs nobody asked for answer empty or cost a small read.
  if (namesByRun.size * allNames.size <= BULK_SERIES) {
    return asks.length === 0 ? [] : [{ runIds: [...namesByRun.keys()], names: [...allNames].sort(), asks }];
  }
  // Otherwise runs asking for the same names travel together.
  const runsByNames = new Map<string, { runIds: number[]; names: string[] }>();
  for (const [runId, names] of namesByRun) {
    const sorted = [...names].sort();
    const key = JSON.stringify(sorted);
    const entry = runsByNames.get(key) ?? { runIds: [], names: sorted };
    entry.runIds.push(runId);
    runsByNames.set(key, entry);
  }
  const requests: Array<PlannedRequest<A>> = [];
  for (const { runIds, names } of runsByNames.values()) {
    for (const runSlice of chunked(runIds, BULK_SERIES)) {
      for (const nameSlice of chunked(names, Math.floor(BULK_SERIES / runSlice.length))) {
        const runSet = new Set(runSlice);
        const nameSet = new Set(nameSlice);
        requests.push({ runIds: runSlice, names: nameSlice, asks: asks.filter((ask) => runSet.has(ask.runId) && nameSet.has(ask.name)) });
      }
    }
  }
  return requests;
}

function chunked<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

async function send(buckets: number, range: StepRange | undefined, request: PlannedRequest<Ask>): Promise<void> {
  bulkRequestStats.requests += 1;
  bulkRequestStats.series += request.runIds.length * request.names.length;
  // The request is shared, so one chart's abort must not cancel it for the others.
  try {
    const answer = decodeMetricSeriesBuckets(
      await callRoute(API.getMetricBucketsBulk, { body: { runIds: request.runIds, names: request.names, buckets, ...(range === undefined ? {} : range) } }),
    );
    const byKey = new Map(answer.map((series) => [`${series.runId}\u0000${series.name}`, series.buckets]));
    for (const ask of request.asks) ask.resolve(byKey.get(`${ask.runId}\u0000${ask.name}`) ?? []);
  } catch (error) {
    for (const ask of request.asks) ask.reject(error);
  }
}
