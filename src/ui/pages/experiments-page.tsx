/** Experiments: each groups runs; opening one shows its runs table. */
import { useState } from 'react';
import type { Experiment, Page, TrainingRun } from '../../core/entities.js';
import { fetchExperiments, fetchRuns } from '../api/endpoints.js';
import { Link } from '../app/router.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';
import { formatDateTime, formatRelative } from '../lib/format.js';

const PAGE_SIZE = 100;

export function ExperimentsPage() {
  const [pages, setPages] = useState<Page<Experiment>[]>([]);
  const first = useApi((signal) => fetchExperiments({ limit: PAGE_SIZE }, signal), []);
  const all = [...(first.data?.items ?? []), ...pages.flatMap((page) => page.items)];
  const nextCursor = pages.length > 0 ? pages[pages.length - 1]!.nextCursor : (first.data?.nextCursor ?? null);
  const [loadingMore, setLoadingMore] = useState(false);

  const loadMore = async () => {
    if (nextCursor === null) return;
    setLoadingMore(true);
    try {
      const page = await fetchExperiments({ limit: PAGE_SIZE, cursor: nextCursor });
      setPages((previous) => [...previous, page]);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section>
      <h1>Experiments</h1>
      <p>
        <Link to="/runs">All runs</Link> — or open an experiment to see its runs side by side.
      </p>
      {first.error !== undefined && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading what="experiments" />
      ) : all.length === 0 ? (
        <EmptyState title="No experiments yet." />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Experiment</th>
                <th scope="col">Status</th>
                <th scope="col">Runs</th>
                <th scope="col">Hypothesis</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {all.map((experiment) => (
                <tr key={experiment.id}>
                  <td>
                    <Link to={`/runs?experiment=${experiment.id}`}>{experiment.name}</Link>
                    {experiment.description !== null && <div className="muted small">{experiment.description}</div>}
                  </td>
                  <td>
                    <StatusBadge status={experiment.status} />
                  </td>
                  <td>
                    <RunCount experimentId={experiment.id} />
                  </td>
                  <td>{experiment.hypothesis ?? '—'}</td>
                  <td title={formatDateTime(experiment.createdAt)}>{formatRelative(experiment.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextCursor !== null && (
        <button onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more experiments'}
        </button>
      )}
    </section>
  );
}

/** Runs counted exactly up to this many ('10,000+' beyond; the runs table has them all). */
const COUNT_LIMIT = 10_000;

/** Runs in an experiment: one page of up to 1,000 for most experiments, more pages for big sweeps. */
function RunCount({ experimentId }: { experimentId: number }) {
  const runs = useApi(
    async (signal) => {
      let count = 0;
      let cursor: string | null = null;
      do {
        const page: Page<TrainingRun> = await fetchRuns({ experimentId, limit: 1000, cursor }, signal);
        count += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null && count < COUNT_LIMIT);
      return { count, more: cursor !== null };
    },
    [experimentId],
  );
  if (runs.data === undefined) return <span className="muted">…</span>;
  const { count, more } = runs.data;
  return <Link to={`/runs?experiment=${experimentId}`}>{`${count.toLocaleString('en-US')}${more ? '+' : ''}`}</Link>;
}
