/**
 * search-runs through the store's `searchRuns` (the query language, which reads MLflow's filter and
 * order grammar): the request's filter, restricted to its experiments, in MLflow's order: the
 * request's keys, then the newest start first unless a key names start_time, then the run id as
 * text (MLflow's run ids are strings), so pages split ties exactly where MLflow's do.
 */
import type { TrainingRun } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import { invalidParameter } from './protocol.js';

export interface RunSearch {
  experimentIds: number[];
  filter: string;
  orderBy: string[];
  view: 'active' | 'deleted' | 'all';
  limit: number;
  pageToken: string | undefined;
}

/** An order key on the start time, in any of MLflow's spellings (`start_time`, `attributes.start_time DESC` …). */
const START_TIME_KEY = /^\s*((attributes?|attr|run)\.)?[`"]?start_time[`"]?(\s+(asc|desc))?\s*$/i;

/** MLflow's sort keys for a request's order_by (SqlAlchemyStore._get_orderby_clauses). */
export function mlflowOrder(orderBy: readonly string[]): string[] {
  return orderBy.some((key) => START_TIME_KEY.test(key)) ? [...orderBy] : [...orderBy, 'attributes.start_time DESC'];
}

export async function searchRunsPage(db: AiDatabase, search: RunSearch): Promise<{ runs: TrainingRun[]; nextPageToken?: string }> {
  if (search.experimentIds.length === 0) return { runs: [] };
  const inExperiments = `experiment.id in (${search.experimentIds.join(', ')})`;
  const query = search.filter.trim() === '' ? inExperiments : `${inExperiments} and (${search.filter})`;
  try {
    const page = await db.searchRuns(query, {
      orderBy: mlflowOrder(search.orderBy),
      ties: 'idText',
      limit: search.limit,
      view: search.view,
      ...(search.pageToken === undefined || search.pageToken === '' ? {} : { cursor: search.pageToken }),
    });
    return page.nextCursor === null ? { runs: page.items } : { runs: page.items, nextPageToken: page.nextCursor };
  } catch (error) {
    // The query language names the position; MLflow's client shows the message as it is.
    if (error instanceof ValidationError) throw invalidParameter(`Invalid search: ${error.message}`);
    throw error;
  }
}
