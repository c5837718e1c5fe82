/**
 * search-runs through the store's `searchRuns` (the query language, which reads MLflow's filter and
 * order grammar): the request's filter, restricted to its experiments, in its order (MLflow's
 * default: newest start first, then run id).
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

export async function searchRunsPage(db: AiDatabase, search: RunSearch): Promise<{ runs: TrainingRun[]; nextPageToken?: string }> {
  if (search.experimentIds.length === 0) return { runs: [] };
  const inExperiments = `experiment.id in (${search.experimentIds.join(', ')})`;
  const query = search.filter.trim() === '' ? inExperiments : `${inExperiments} and (${search.filter})`;
  try {
    const page = await db.searchRuns(query, {
      orderBy: search.orderBy.length > 0 ? search.orderBy : ['attributes.start_time DESC', 'attributes.run_id ASC'],
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
