/**
 * One model and its versions: promotion status, checkpoint URI, size and checksum, and lineage from
 * each version to the run that produced it and the dataset it was trained on.
 */
import { useState } from 'react';
import type { Dataset, ModelVersion, TrainingRun } from '../../core/entities.js';
import { fetchDataset, fetchModel, fetchModelVersions, fetchRun } from '../api/endpoints.js';
import { hrefWith, Link } from '../app/router.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { EmptyState } from '../components/empty-state.js';
import { ErrorBox } from '../components/error-box.js';
import { hasKeys, JsonBlock } from '../components/json-block.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';
import { formatBytes, formatDateTime, shortDigest } from '../lib/format.js';
import { RegistryEditor } from '../components/registry-editor.js';

async function lineageOf(versions: ModelVersion[], signal: AbortSignal) {
  const runIds = [...new Set(versions.map((v) => v.trainingRunId).filter((id): id is number => id !== null))];
  const runs = new Map<number, TrainingRun>();
  await Promise.all(
    runIds.map(async (id) => {
      // A deleted run leaves its id on the version; the page then shows the bare id.
      const run = await fetchRun(id, signal).catch(() => undefined);
      if (run !== undefined) runs.set(id, run);
    }),
  );
  const datasetIds = new Set<number>();
  for (const version of versions) {
    const datasetId = version.datasetId ?? (version.trainingRunId === null ? null : (runs.get(version.trainingRunId)?.datasetId ?? null));
    if (datasetId !== null) datasetIds.add(datasetId);
  }
  const datasets = new Map<number, Dataset>();
  await Promise.all(
    [...datasetIds].map(async (id) => {
      const dataset = await fetchDataset(id, signal).catch(() => undefined);
      if (dataset !== undefined) datasets.set(id, dataset);
    }),
  );
  return { runs, datasets };
}

export function ModelDetailPage({ idOrName }: { idOrName: string }) {
  const loaded = useApi(
    async (signal) => {
      const model = await fetchModel(/^\d+$/.test(idOrName) ? Number(idOrName) : idOrName, signal);
      const versions = await fetchModelVersions(model.id, {}, signal);
      return { model, versions: [...versions].reverse(), ...(await lineageOf(versions, signal)) };
    },
    [idOrName],
  );
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what="model" />;
  const { model, versions, runs, datasets } = loaded.data;
  return (
    <section>
      <p className="breadcrumbs">
        <Link to="/models">Models</Link> / {model.name}
      </p>
      <h1>{model.name}</h1>
      {model.description !== null && <p>{model.description}</p>}
      <div className="grid-2">
        <div className="panel">
          <h2>Model</h2>
          <dl className="facts">
            <dt>ID</dt>
            <dd>{model.id}</dd>
            <dt>Framework</dt>
            <dd>{model.framework ?? '—'}</dd>
            <dt>Task</dt>
            <dd>{model.task ?? '—'}</dd>
            <dt>Architecture</dt>
            <dd>{model.architecture ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(model.createdAt)}</dd>
            <dt>Runs</dt>
            <dd>
              <Link to={hrefWith('/runs', { model: model.id })}>Training runs of this model</Link>
            </dd>
          </dl>
          {Object.keys(model.tags).length > 0 && (
            <ul className="tags" aria-label="Tags">
              {Object.entries(model.tags).map(([key, value]) => (
                <li key={key}>
                  <span className="tag">{value === '' ? key : `${key}=${value}`}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {hasKeys(model.metadata) && (
          <div className="panel">
            <h2>Metadata</h2>
            <JsonBlock value={model.metadata} label="Model metadata" />
          </div>
        )}
      </div>
      <h2>Versions</h2>
      {versions.length === 0 ? (
        <EmptyState title="This model has no versions yet.">
          <p>
            Register a checkpoint with <code>createModelVersion</code> or <code>POST /api/v1/model-versions</code>.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Checkpoint</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">SHA-256</th>
                <th scope="col">Produced by run</th>
                <th scope="col">Trained on</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((version) => {
                const run = version.trainingRunId === null ? undefined : runs.get(version.trainingRunId);
                const datasetId = version.datasetId ?? run?.datasetId ?? null;
                const dataset = datasetId === null ? undefined : datasets.get(datasetId);
                return (
                  <tr key={version.id} id={`version-${version.version}`}>
                    <td>
                      v{version.version}
                      {version.description !== null && <div className="muted small">{version.description}</div>}
                    </td>
                    <td>
                      <StatusBadge status={version.status} />
                    </td>
                    <td className="mono break">{version.checkpointUri ?? '—'}</td>
                    <td className="num">{formatBytes(version.sizeBytes)}</td>
                    <td className="mono" title={version.sha256 ?? undefined}>
                      {shortDigest(version.sha256)}
                    </td>
                    <td>
                      {version.trainingRunId === null ? (
                        '—'
                      ) : (
                        <Link to={`/runs/${version.trainingRunId}`}>{run?.name ?? `Run #${version.trainingRunId}`}</Link>
                      )}
                    </td>
                    <td>
                      {datasetId === null ? (
                        '—'
                      ) : (
                        <Link to={`/datasets/${datasetId}`}>{dataset === undefined ? `Dataset #${datasetId}` : `${dataset.name} @ ${dataset.version}`}</Link>
                      )}
                      {version.datasetId === null && datasetId !== null && <span className="muted small"> (via run)</span>}
                    </td>
                    <td>{formatDateTime(version.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <RegistryEditor key={model.updatedAt.getTime()} model={model} versions={versions} onSaved={loaded.reload} />
      {versions[0] !== undefined && (
        <p>
          <Link to={hrefWith('/predictions', { modelVersion: versions[0].id })}>Predictions of v{versions[0].version}</Link>
          {versions[1] !== undefined && (
            <>
              {' · '}
              <Link to={hrefWith('/predictions/compare', { model: model.id, versions: `${versions[0].id},${versions[1].id}` })}>
                Compare predictions of v{versions[0].version} and v{versions[1].version}
              </Link>
            </>
          )}
        </p>
      )}
      {versions.length > 0 && <VersionArtifacts versions={versions} />}
    </section>
  );
}

/** The artifacts of one version (the newest first), chosen from a list. */
function VersionArtifacts({ versions }: { versions: ModelVersion[] }) {
  const [chosen, setChosen] = useState(versions[0]!.id);
  const version = versions.find((candidate) => candidate.id === chosen) ?? versions[0]!;
  return (
    <>
      <h2>
        Artifacts of{' '}
        <select aria-label="Version" value={version.id} onChange={(event) => setChosen(Number(event.target.value))}>
          {versions.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              v{candidate.version}
            </option>
          ))}
        </select>
      </h2>
      <ArtifactBrowser key={version.id} owner={{ kind: 'modelVersion', id: version.id }} />
    </>
  );
}
