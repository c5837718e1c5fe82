/** Datasets: every (name, version) with its format, size and splits. */
import { useState } from 'react';
import type { Dataset } from '../../core/entities.js';
import { fetchDatasets } from '../api/endpoints.js';
import { Link } from '../app/router.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { useApi } from '../hooks/use-api.js';
import { formatCount, formatRelative } from '../lib/format.js';
import { splitEntries } from '../lib/splits.js';

const PAGE_SIZE = 100;

export function DatasetsPage() {
  const [search, setSearch] = useState('');
  const [more, setMore] = useState<{ items: Dataset[]; cursor: string | null } | null>(null);
  const nameContains = search.trim() === '' ? undefined : search.trim();
  const first = useApi(
    async (signal) => {
      setMore(null);
      return fetchDatasets({ limit: PAGE_SIZE, nameContains }, signal);
    },
    [nameContains],
  );
  const datasets = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more !== null ? more.cursor : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (cursor === null) return;
    const page = await fetchDatasets({ limit: PAGE_SIZE, cursor, nameContains });
    setMore((previous) => ({ items: [...(previous?.items ?? []), ...page.items], cursor: page.nextCursor }));
  };
  return (
    <section>
      <h1>Datasets</h1>
      <div className="toolbar" role="search">
        <label>
          Name contains{' '}
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} aria-label="Filter datasets by name" />
        </label>
      </div>
      {first.error !== undefined && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading what="datasets" />
      ) : datasets.length === 0 ? (
        nameContains === undefined ? <EmptyState title="No datasets registered yet." /> : <p className="muted">No dataset name contains “{search}”.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Version</th>
                <th scope="col">Format</th>
                <th scope="col" className="num">
                  Samples
                </th>
                <th scope="col">Splits</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((dataset) => (
                <tr key={dataset.id}>
                  <td>
                    <Link to={`/datasets/${dataset.id}`}>{dataset.name}</Link>
                    {dataset.description !== null && <div className="muted small">{dataset.description}</div>}
                  </td>
                  <td>{dataset.version}</td>
                  <td>{dataset.format ?? '—'}</td>
                  <td className="num">{dataset.sampleCount === null ? '—' : formatCount(dataset.sampleCount)}</td>
                  <td>
                    {splitEntries(dataset.splits)
                      .map((split) => (split.count === null ? split.name : `${split.name} ${formatCount(split.count)}`))
                      .join(' · ') || '—'}
                  </td>
                  <td>{formatRelative(dataset.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && <button onClick={() => void loadMore()}>Load more datasets</button>}
    </section>
  );
}
