/**
 * GET /runs/:id/metrics without holding a whole history in memory. A history fits in one store read
 * up to HISTORY_PAGE_POINTS points; beyond that the answer is streamed: points are read one series at
 * a time in keyset pages (the next step after the last one sent) and written as they come, so the
 * server holds one page whatever the run's size. The JSON is the same either way: an array of
 * points, or with `format: 'columns'` the columnar answer (decision 1300) whose segments are pages.
 */
import { Readable } from 'node:stream';
import type { MetricPoint } from '../core/entities.js';
import { metricQuerySchema, parseInput, type MetricQuery } from '../core/schemas.js';
import type { AiDatabase } from '../store/index.js';
import { encodeMetricHistorySegments, encodeMetricPoints } from './wire-encoding.js';

/** How a history travels: an array of point objects, or columns (decision 1300). */
export type HistoryFormat = 'points' | 'columns';

/** Points per store read (about 4 MB of JSON). */
export const HISTORY_PAGE_POINTS = 50_000;

/** The answer to GET /runs/:id/metrics: an array for one page, a JSON stream for more. */
export async function metricHistoryAnswer(
  db: AiDatabase,
  runId: number,
  input: MetricQuery,
  pagePoints = HISTORY_PAGE_POINTS,
  format: HistoryFormat = 'points',
): Promise<unknown> {
  const query = parseInput(metricQuerySchema, input, 'query');
  const whole = (points: MetricPoint[]) =>
    format === 'columns' ? { runId, segments: encodeMetricHistorySegments(points) } : encodeMetricPoints(points);
  // Further values of a step do not fit the step-keyset pages below: read in one piece.
  if (query.allValues === true) return whole(await db.getMetrics(runId, query));
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  // The first page is read before answering, so an unknown run or a bad query is a 404/422, not a cut-off stream.
  const first = await db.getMetrics(runId, { ...query, limit: Math.min(limit, pagePoints) });
  if (first.length < pagePoints || limit <= pagePoints) return whole(first);
  const framing = format === 'columns' ? COLUMNS_FRAMING(runId) : POINTS_FRAMING;
  return Readable.from(streamPages(db, runId, query, first, limit, pagePoints, framing), { objectMode: false });
}

/** How pages are written into one JSON document: its opening, one page's items, its closing. */
interface Framing {
  open: string;
  items: (points: MetricPoint[]) => string;
  close: string;
}
/** Items of a JSON array written without its brackets. */
const inner = (items: unknown[]): string => JSON.stringify(items).slice(1, -1);
const POINTS_FRAMING: Framing = { open: '[', items: (points) => inner(encodeMetricPoints(points)), close: ']' };
const COLUMNS_FRAMING = (runId: number): Framing => ({
  open: `{"runId":${runId},"segments":[`,
  items: (points) => inner(encodeMetricHistorySegments(points)),
  close: ']}',
});

async function* streamPages(
  db: AiDatabase,
  runId: number,
  query: MetricQuery,
  first: MetricPoint[],
  limit: number,
  pagePoints: number,
  framing: Framing,
): AsyncGenerator<string> {
  let sent = 0;
  let separator = framing.open;
  const emit = (points: MetricPoint[]): string => {
    sent += points.length;
    const chunk = separator + framing.items(points);
    separator = ',';
    return chunk;
  };
  yield emit(first);
  // The series still to send, in the store's name order, starting with the one the first page ended in.
  const names = (await db.getLatestMetrics(runId, query.name !== undefined ? { names: [query.name] } : { names: query.names }))
    .map((series) => series.name);
  const lastName = first[first.length - 1]!.name;
  let lastStep: number | undefined = first[first.length - 1]!.step;
  // A series deleted since the first page (its run was deleted) leaves nothing more to send.
  const start = names.indexOf(lastName);
  for (const name of start < 0 ? [] : names.slice(start)) {
    if (name !== lastName) lastStep = undefined;
    for (;;) {
      const remaining = limit - sent;
      if (remaining <= 0) break;
      const minStep = lastStep === undefined ? query.minStep : Math.max(lastStep + 1, query.minStep ?? Number.MIN_SAFE_INTEGER);
      const page = await db.getMetrics(runId, {
        name,
        ...(minStep === undefined ? {} : { minStep }),
        ...(query.maxStep === undefined ? {} : { maxStep: query.maxStep }),
        limit: Math.min(remaining, pagePoints),
      });
      if (page.length > 0) {
        yield emit(page);
        lastStep = page[page.length - 1]!.step;
      }
      if (page.length < Math.min(remaining, pagePoints)) break;
    }
  }
  yield separator === framing.open ? framing.open + framing.close : framing.close;
}
