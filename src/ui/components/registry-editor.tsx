/**
 * Changing a model's registry from its page (with a write token): its description, a version's
 * stage (refused, and explained, when another version holds it unless "archive the others" is
 * ticked), aliases set, moved or removed, and the registry's recent history.
 */
import { useState, type FormEvent } from 'react';
import type { Model, ModelVersion, ModelVersionStatus } from '../../core/entities.js';
import { fetchRegistryEvents, promoteVersion, removeAlias, setAlias, updateModelDescription } from '../api/edits.js';
import { ApiError } from '../api/http.js';
import { useApi } from '../hooks/use-api.js';
import { formatDateTime } from '../lib/format.js';
import { TokenForm } from './token-form.js';

const STAGES: readonly ModelVersionStatus[] = ['none', 'staging', 'production', 'archived'];

function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    return error.field === 'status'
      ? `Not promoted: ${error.message}. Tick "archive the others" to move them to archived in the same change.`
      : `Someone else changed this after the page loaded, so your edit was not saved. Reload and edit again. (${error.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function RegistryEditor({ model, versions, onSaved }: { model: Model; versions: ModelVersion[]; onSaved: () => void }) {
  const [description, setDescription] = useState(model.description ?? '');
  const [versionId, setVersionId] = useState(versions[0]?.id ?? 0);
  const [stage, setStage] = useState<ModelVersionStatus>('production');
  const [archiveOthers, setArchiveOthers] = useState(false);
  const [alias, setAliasName] = useState('');
  const [aliasVersion, setAliasVersion] = useState(versions[0]?.version ?? 1);
  const [problem, setProblem] = useState<{ text: string; auth: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const events = useApi((signal) => fetchRegistryEvents(model.id, signal), [model.id, model.updatedAt.getTime()]);

  async function attempt(change: () => Promise<unknown>) {
    setBusy(true);
    setProblem(undefined);
    try {
      await change();
      onSaved();
    } catch (error) {
      setProblem({ text: explain(error), auth: error instanceof ApiError && error.isAuthProblem });
    } finally {
      setBusy(false);
    }
  }

  const saveDescription = (event: FormEvent) => {
    event.preventDefault();
    void attempt(() => updateModelDescription(model, description === '' ? null : description));
  };
  const promote = (event: FormEvent) => {
    event.preventDefault();
    const version = versions.find((item) => item.id === versionId);
    if (version !== undefined) void attempt(() => promoteVersion(version, stage, archiveOthers));
  };
  const moveAlias = (event: FormEvent) => {
    event.preventDefault();
    if (alias.trim() !== '') void attempt(() => setAlias(model.id, alias.trim(), aliasVersion));
  };

  return (
    <div className="panel registry-editor">
      <h2>Edit registry</h2>
      <form onSubmit={saveDescription} aria-label="Edit description">
        <label>
          Description <textarea value={description} onChange={(event) => setDescription(event.target.value)} rows={2} disabled={busy} />
        </label>
        <button type="submit" disabled={busy}>
          Save description
        </button>
      </form>
      {versions.length > 0 && (
        <form onSubmit={promote} aria-label="Promote version">
          <label>
            Version{' '}
            <select value={versionId} onChange={(event) => setVersionId(Number(event.target.value))} disabled={busy}>
              {versions.map((version) => (
                <option key={version.id} value={version.id}>
                  v{version.version} ({version.status})
                </option>
              ))}
            </select>
          </label>
          <label>
            Stage{' '}
            <select value={stage} onChange={(event) => setStage(event.target.value as ModelVersionStatus)} disabled={busy}>
              {STAGES.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={archiveOthers} onChange={(event) => setArchiveOthers(event.target.checked)} disabled={busy} /> archive the
            others
          </label>
          <button type="submit" disabled={busy}>
            Promote
          </button>
        </form>
      )}
      {versions.length > 0 && (
        <form onSubmit={moveAlias} aria-label="Set alias">
          <label>
            Alias <input value={alias} onChange={(event) => setAliasName(event.target.value)} disabled={busy} />
          </label>
          <label>
            Alias version{' '}
            <select value={aliasVersion} onChange={(event) => setAliasVersion(Number(event.target.value))} disabled={busy}>
              {versions.map((version) => (
                <option key={version.id} value={version.version}>
                  v{version.version}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            Set alias
          </button>
        </form>
      )}
      {Object.keys(model.aliases).length > 0 && (
        <ul className="tags">
          {Object.entries(model.aliases).map(([name, version]) => (
            <li key={name}>
              <span className="tag">
                @{name} → v{version}
              </span>{' '}
              <button type="button" aria-label={`Remove alias ${name}`} disabled={busy} onClick={() => void attempt(() => removeAlias(model.id, name))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem !== undefined && (
        <div className="error-box" role="alert">
          <p>{problem.text}</p>
          {problem.auth && <TokenForm />}
        </div>
      )}
      <h3>History</h3>
      {events.data === undefined || events.data.length === 0 ? (
        <p className="muted">No stage changes or alias moves yet.</p>
      ) : (
        <ul className="registry-events">
          {events.data.map((event) => (
            <li key={event.id}>
              {formatDateTime(event.at)}:{' '}
              {event.kind === 'alias'
                ? `@${event.alias ?? ''} ${event.from === null ? '–' : `v${event.from}`} → ${event.to === null ? '–' : `v${event.to}`}`
                : `v${event.version ?? '?'} ${event.from ?? '–'} → ${event.to ?? '–'}`}
              {event.actor !== null ? ` by ${event.actor}` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
