/**
 * GET /runs/:id/metrics without holding a whole history in memory. A history fits in one store read
 * up to HISTORY_PAGE_POINTS points (COLUMN_PAGE_POINTS as columns); beyond that the answer is
 * streamed: points are read one series at a time in keyset pages (the next step after the last one
 * sent) and written as they come, so the server holds one page whatever the run's size. The JSON is
 * the same either way: an array of points, or with `format: 'columns'` the columnar answer
 * (decision 1300) whose segments are pages, read as columns without an object per point where the
 * store can (decision 1308).
 */
import { Readable } from 'node:stream';
import type { MetricPoint } from '../core/entities.js';
import { metricQuerySchema, parseInput, type MetricQuery } from '../core/schemas.js';
import { readMetricColumns, type AiDatabase, type MetricSeriesColumns } from '../store/index.js';
import { encodeMetricHistorySegments, encodeMetricPoints } from './wire-encoding.js';

/** How a history travels: an array of point objects, or columns (decision 1300). */
export type HistoryFormat = 'points' | 'columns';

/** Points per store read as point objects (about 4 MB of JSON). */
export const HISTORY_PAGE_POINTS = 50_000;

/**
 * Points per store read as columns: about 15 bytes of JSON a point instead of about 80, so the same
 * few MB hold four times the points, and a 100,000-point history is one read and one plain answer.
 */
export const COLUMN_PAGE_POINTS = 200_000;

/** The answer to GET /runs/:id/metrics: an array for one page, a JSON stream for more. */
export async function metricHistoryAnswer(
  db: AiDatabase,
  runId: number,
  input: MetricQuery,
  pagePoints: number | undefined = undefined,
  format: HistoryFormat = 'points',
): Promise<unknown> {
  const query = parseInput(metricQuerySchema, input, 'query');
  if (format === 'columns') return answer(db, runId, query, pagePoints ?? COLUMN_PAGE_POINTS, COLUMNS(runId));
  return answer(db, runId, query, pagePoints ?? HISTORY_PAGE_POINTS, POINTS);
}

/**
 * How one format reads a page and writes it: the read, what the paging needs of a page, and the
 * JSON of a whole answer and of a streamed one (its opening, one page's items, its closing).
 */
interface Format<Page> {
  read(db: AiDatabase, runId: number, query: MetricQuery): Promise<Page>;
  count(page: Page): number;
  /** The series and step of the page's last point (the page is not empty). */
  last(page: Page): { name: string; step: number };
  whole(page: Page): unknown;
  open: string;
  items(page: Page): string;
  close: string;
}

/** Items of a JSON array written without its brackets. */
const inner = (items: unknown[]): string => JSON.stringify(items).slice(1, -1);

const POINTS: Format<MetricPoint[]> = {
  read: (db, runId, query) => db.getMetrics(runId, query),
  count: (points) => points.length,
  last: (points) => points[points.length - 1]!,
  whole: encodeMetricPoints,
  open: '[',
  items: (points) => inner(encodeMetricPoints(points)),
  close: ']',
};

/** Columns (decision 1300), read as columns where the store can (decision 1308). */
const COLUMNS = (runId: number): Format<MetricSeriesColumns[]> => ({
  read: readMetricColumns,
  count: (series) => series.reduce((sum, columns) => sum + columns.step.length, 0),
  last: (series) => {
    const columns = series[series.length - 1]!;
    return { name: columns.name, step: columns.step[columns.step.length - 1]! };
  },
  whole: (series) => ({ runId, segments: encodeMetricHistorySegments(series) }),
  open: `{"runId":${runId},"segments":[`,
  items: (series) => inner(encodeMetricHistorySegments(series)),
  close: ']}',
});

async function answer<Page>(db: AiDatabase, runId: number, query: MetricQuery, pagePoints: number, format: Format<Page>): Promise<unknown> {
  // Further values of a step do not fit the step-keyset pages below: read in one piece.
  if (query.allValues === true) return format.whole(await format.read(db, runId, query));
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  // The first page is read before answering, so an unknown run or a bad query is a 404/422, not a cut-off stream.
  const first = await format.read(db, runId, { ...query, limit: Math.min(limit, pagePoints) });
  if (format.count(first) < pagePoints || limit <= pagePoints) return format.whole(first);
  return Readable.from(streamPages(db, runId, query, first, limit, pagePoints, format), { objectMode: false });
}

async function* streamPages<Page>(
  db: AiDatabase,
  runId: number,
  query: MetricQuery,
  first: Page,
  limit: number,
  pagePoints: number,
  format: Format<Page>,
): AsyncGenerator<string> {
  let sent = 0;
  let separator = format.open;
  const emit = (page: Page): string => {
    sent += format.count(page);
    const chunk = separator + format.items(page);
    separator = ',';
    return chunk;
  };
  yield emit(first);
  // The series still to send, in the store's name order, starting with the one the first page ended in.
  const latest = await db.getLatestMetrics(runId, query.name !== undefined ? { names: [query.name] } : { names: query.names });
  const names = latest.map((series) => series.name);
  // A page that ends at its series' highest step (as of this read) ends the series: no empty read after it.
  const highestStep = new Map(latest.map((series) => [series.name, Math.min(series.step, query.maxStep ?? Number.POSITIVE_INFINITY)]));
  const { name: lastName, step: firstLastStep } = format.last(first);
  let lastStep: number | undefined = firstLastStep;
  // A series deleted since the first page (its run was deleted) leaves nothing more to send.
  const start = names.indexOf(lastName);
  for (const name of start < 0 ? [] : names.slice(start)) {
    if (name !== lastName) lastStep = undefined;
    for (;;) {
      const remaining = limit - sent;
      if (remaining <= 0) break;
      if (lastStep !== undefined && lastStep >= highestStep.get(name)!) break;
      const minStep = lastStep === undefined ? query.minStep : Math.max(lastStep + 1, query.minStep ?? Number.MIN_SAFE_INTEGER);
      const page = await format.read(db, runId, {
        name,
        ...(minStep === undefined ? {} : { minStep }),
        ...(query.maxStep === undefined ? {} : { maxStep: query.maxStep }),
        limit: Math.min(remaining, pagePoints),
      });
      const count = format.count(page);
      if (count > 0) {
        yield emit(page);
        lastStep = format.last(page).step;
      }
      if (count < Math.min(remaining, pagePoints)) break;
    }
  }
  yield separator === format.open ? format.open + format.close : format.close;
}
