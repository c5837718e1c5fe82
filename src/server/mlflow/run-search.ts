/**
 * search-runs over the store. Until `searchRuns` (the query language) is merged, only runs of the
 * given experiments in MLflow's default order are answered; filters and orders are refused.
 */
import type { TrainingRun } from '../../core/entities.js';
import type { AiDatabase } from '../../store/ai-database.js';
import { MlflowError, offsetToken, readOffsetToken } from './protocol.js';

export interface RunSearch {
  experimentIds: number[];
  filter: string;
  orderBy: string[];
  view: 'active' | 'deleted' | 'all';
  limit: number;
  pageToken: string | undefined;
}

export async function searchRunsPage(db: AiDatabase, search: RunSearch): Promise<{ runs: TrainingRun[]; nextPageToken?: string }> {
  if (search.filter.trim() !== '' || search.orderBy.length > 0) {
    throw new MlflowError('NOT_IMPLEMENTED', 'filter_string and order_by need the query language');
  }
  const runs: TrainingRun[] = [];
  for (const experimentId of search.experimentIds) {
    let cursor: string | null = null;
    do {
      const page = await db.listTrainingRuns({ experimentId, view: search.view, limit: 10_000, cursor });
      runs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  runs.sort((a, b) => (b.startedAt ?? b.createdAt).getTime() - (a.startedAt ?? a.createdAt).getTime() || (String(a.id) < String(b.id) ? -1 : 1));
  const offset = readOffsetToken(search.pageToken);
  const page = runs.slice(offset, offset + search.limit);
  return offset + search.limit < runs.length ? { runs: page, nextPageToken: offsetToken(offset + search.limit) } : { runs: page };
}
