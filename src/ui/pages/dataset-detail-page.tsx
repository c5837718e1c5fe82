/** One dataset version: facts, splits, schema, its other versions, and the runs that used it. */
import type { JsonValue } from '../../core/entities.js';
import { fetchDataset, fetchDatasets, fetchRuns } from '../api/endpoints.js';
import { hrefWith, Link } from '../app/router.js';
import { ErrorBox } from '../components/error-box.js';
import { hasKeys, JsonBlock } from '../components/json-block.js';
import { Loading } from '../components/loading.js';
import { RunSummaryTable } from '../components/run-summary-table.js';
import { useApi } from '../hooks/use-api.js';
import { formatCount, formatDateTime, shortDigest } from '../lib/format.js';
import { splitEntries } from '../lib/splits.js';
import { DatasetDescriptionEditor } from '../components/description-editor.js';

const RUNS_SHOWN = 50;

/** A flat `{ column: type }` schema reads best as a table; anything else is shown as JSON. */
function schemaColumns(schema: Record<string, JsonValue>): [string, string][] | null {
  const source =
    schema.properties !== null && typeof schema.properties === 'object' && !Array.isArray(schema.properties) ? schema.properties : schema;
  const entries = Object.entries(source);
  if (entries.length === 0) return null;
  const columns: [string, string][] = [];
  for (const [name, type] of entries) {
    if (typeof type === 'string') columns.push([name, type]);
    else if (type !== null && typeof type === 'object' && !Array.isArray(type) && typeof type.type === 'string') columns.push([name, type.type]);
    else return null;
  }
  return columns;
}

export function DatasetDetailPage({ datasetId }: { datasetId: number }) {
  const loaded = useApi(
    async (signal) => {
      const dataset = await fetchDataset(datasetId, signal);
      const [versions, runs] = await Promise.all([
        fetchDatasets({ name: dataset.name, limit: 100 }, signal),
        fetchRuns({ datasetId, limit: RUNS_SHOWN }, signal),
      ]);
      return { dataset, versions: versions.items, runs };
    },
    [datasetId],
  );
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what="dataset" />;
  const { dataset, versions, runs } = loaded.data;
  const splits = splitEntries(dataset.splits);
  const columns = schemaColumns(dataset.schema);
  return (
    <section>
      <p className="breadcrumbs">
        <Link to="/datasets">Datasets</Link> / {dataset.name} @ {dataset.version}
      </p>
      <h1>
        {dataset.name} <span className="muted">@ {dataset.version}</span>
      </h1>
      {dataset.description !== null && <p>{dataset.description}</p>}
      <DatasetDescriptionEditor key={dataset.updatedAt.getTime()} dataset={dataset} onSaved={loaded.reload} />
      <div className="grid-2">
        <div className="panel">
          <h2>Dataset</h2>
          <dl className="facts">
            <dt>ID</dt>
            <dd>{dataset.id}</dd>
            <dt>Source</dt>
            <dd className="mono break">{dataset.sourceUri ?? '—'}</dd>
            <dt>Format</dt>
            <dd>{dataset.format ?? '—'}</dd>
            <dt>Samples</dt>
            <dd>{dataset.sampleCount === null ? '—' : formatCount(dataset.sampleCount)}</dd>
            <dt>Digest</dt>
            <dd className="mono" title={dataset.digest ?? undefined}>
              {shortDigest(dataset.digest)}
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(dataset.createdAt)}</dd>
          </dl>
        </div>
        <div className="panel">
          <h2>Splits</h2>
          {splits.length === 0 ? (
            <p className="muted">No splits recorded.</p>
          ) : (
            <table className="kv">
              <tbody>
                {splits.map((split) => (
                  <tr key={split.name}>
                    <th scope="row">{split.name}</th>
                    <td className="num">{split.count === null ? '—' : formatCount(split.count)}</td>
                    <td className="mono small">{typeof split.details === 'number' ? '' : JSON.stringify(split.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <div className="grid-2">
        <div className="panel">
          <h2>Schema</h2>
          {!hasKeys(dataset.schema) ? (
            <p className="muted">No schema recorded.</p>
          ) : columns !== null ? (
            <table className="kv">
              <tbody>
                {columns.map(([name, type]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td className="mono">{type}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <JsonBlock value={dataset.schema} label="Schema" />
          )}
        </div>
        <div className="panel">
          <h2>Versions of {dataset.name}</h2>
          <ul>
            {versions.map((version) => (
              <li key={version.id}>
                {version.id === dataset.id ? (
                  <strong aria-current="page">{version.version}</strong>
                ) : (
                  <Link to={`/datasets/${version.id}`}>{version.version}</Link>
                )}{' '}
                <span className="muted small">{formatDateTime(version.createdAt)}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {hasKeys(dataset.metadata) && (
        <div className="panel">
          <h2>Metadata</h2>
          <JsonBlock value={dataset.metadata} label="Dataset metadata" />
        </div>
      )}
      <h2>Runs using this dataset</h2>
      {runs.items.length === 0 ? (
        <p className="muted">No training run names this dataset.</p>
      ) : (
        <RunSummaryTable runs={runs.items} />
      )}
      {runs.nextCursor !== null && (
        <p>
          <Link to={hrefWith('/runs', { dataset: dataset.id })}>All runs on this dataset in the runs table</Link>
        </p>
      )}
    </section>
  );
}
