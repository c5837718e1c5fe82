/** Models: the registered models with their framework, task and newest version number. */
import { useState } from 'react';
import type { Model } from '../../core/entities.js';
import { fetchModels } from '../api/endpoints.js';
import { Link } from '../app/router.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { useApi } from '../hooks/use-api.js';
import { formatDateTime, formatRelative } from '../lib/format.js';

const PAGE_SIZE = 100;

export function ModelsPage() {
  const [search, setSearch] = useState('');
  const [more, setMore] = useState<{ items: Model[]; cursor: string | null } | null>(null);
  const first = useApi(
    async (signal) => {
      setMore(null);
      return fetchModels({ limit: PAGE_SIZE, nameContains: search.trim() === '' ? undefined : search.trim() }, signal);
    },
    [search],
  );
  const models = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more !== null ? more.cursor : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (cursor === null) return;
    const page = await fetchModels({ limit: PAGE_SIZE, cursor, nameContains: search.trim() === '' ? undefined : search.trim() });
    setMore((previous) => ({ items: [...(previous?.items ?? []), ...page.items], cursor: page.nextCursor }));
  };

  return (
    <section>
      <h1>Models</h1>
      <div className="toolbar" role="search">
        <label>
          Name contains{' '}
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} aria-label="Filter models by name" />
        </label>
      </div>
      {first.error !== undefined && <ErrorBox error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading what="models" />
      ) : models.length === 0 ? (
        search === '' ? <EmptyState title="No models registered yet." /> : <p className="muted">No model name contains “{search}”.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Framework</th>
                <th scope="col">Task</th>
                <th scope="col">Architecture</th>
                <th scope="col" className="num">
                  Versions
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => (
                <tr key={model.id}>
                  <td>
                    <Link to={`/models/${model.id}`}>{model.name}</Link>
                    {model.description !== null && <div className="muted small">{model.description}</div>}
                  </td>
                  <td>{model.framework ?? '—'}</td>
                  <td>{model.task ?? '—'}</td>
                  <td>{model.architecture ?? '—'}</td>
                  <td className="num">{model.latestVersion}</td>
                  <td title={formatDateTime(model.createdAt)}>{formatRelative(model.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && <button onClick={() => void loadMore()}>Load more models</button>}
    </section>
  );
}
