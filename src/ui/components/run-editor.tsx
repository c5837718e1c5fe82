/**
 * Editing a run from its page (with a write token): name, notes, one tag at a time, delete and
 * restore. A 409 means someone changed the run since the page loaded; the page says so and offers
 * to reload instead of overwriting their change.
 */
import { useState, type FormEvent } from 'react';
import type { TrainingRun } from '../../core/entities.js';
import { deleteRunTag, fetchRunExperimentIds, moveRunToExperiment, setRunTag, updateRun } from '../api/edits.js';
import { fetchExperiments } from '../api/endpoints.js';
import { useApi } from '../hooks/use-api.js';
import { ApiError } from '../api/http.js';
import { TokenForm } from './token-form.js';

function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    return `Someone else changed this run after this page loaded, so your edit was not saved. Reload to see their change, then edit again. (${error.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function RunEditor({ run, onSaved }: { run: TrainingRun; onSaved: () => void }) {
  const [name, setName] = useState(run.name ?? '');
  const [notes, setNotes] = useState(run.notes ?? '');
  const [tagKey, setTagKey] = useState('');
  const [tagValue, setTagValue] = useState('');
  const [problem, setProblem] = useState<{ text: string; auth: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const [target, setTarget] = useState(0);
  const experiments = useApi((signal) => fetchExperiments({ limit: 500 }, signal), []);
  // A move leaves the run's updatedAt alone, so the memberships are read again by count of moves.
  const [moves, setMoves] = useState(0);
  const memberOf = useApi((signal) => fetchRunExperimentIds(run.id, signal), [run.id, moves]);

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

  const save = (event: FormEvent) => {
    event.preventDefault();
    void attempt(() => updateRun(run, { name: name.trim() === '' ? null : name.trim(), notes: notes === '' ? null : notes }));
  };
  const addTag = (event: FormEvent) => {
    event.preventDefault();
    if (tagKey.trim() === '') return;
    void attempt(async () => {
      await setRunTag(run.id, tagKey.trim(), tagValue);
      setTagKey('');
      setTagValue('');
    });
  };

  return (
    <div className="panel run-editor">
      <h2>Edit run</h2>
      {run.deletedAt !== null && <p className="muted">This run is deleted: it is hidden from lists until restored, and purged by gc after the retention.</p>}
      <form onSubmit={save} aria-label="Edit run">
        <label>
          Name <input value={name} onChange={(event) => setName(event.target.value)} disabled={busy} />
        </label>
        <label>
          Notes <textarea value={notes} onChange={(event) => setNotes(event.target.value)} rows={3} disabled={busy} />
        </label>
        <button type="submit" disabled={busy}>
          Save
        </button>
      </form>
      <form onSubmit={addTag} aria-label="Add tag">
        <label>
          Tag key <input value={tagKey} onChange={(event) => setTagKey(event.target.value)} disabled={busy} />
        </label>
        <label>
          Tag value <input value={tagValue} onChange={(event) => setTagValue(event.target.value)} disabled={busy} />
        </label>
        <button type="submit" disabled={busy}>
          Set tag
        </button>
      </form>
      {Object.keys(run.tags).length > 0 && (
        <ul className="tags">
          {Object.entries(run.tags).map(([key, value]) => (
            <li key={key}>
              <span className="tag">
                {key}
                {value !== '' ? `=${value}` : ''}
              </span>{' '}
              <button type="button" aria-label={`Remove tag ${key}`} disabled={busy} onClick={() => void attempt(() => deleteRunTag(run.id, key))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {experiments.data !== undefined && experiments.data.items.length > 0 && memberOf.data !== undefined && (
        <form
          aria-label="Move run"
          onSubmit={(event) => {
            event.preventDefault();
            const from = memberOf.data ?? [];
            if (target !== 0) {
              void attempt(async () => {
                await moveRunToExperiment(run.id, from, target);
                setMoves((count) => count + 1);
              });
            }
          }}
        >
          <p className="muted small">
            In:{' '}
            {memberOf.data.length === 0
              ? 'no experiment'
              : experiments.data.items
                  .filter((experiment) => memberOf.data!.includes(experiment.id))
                  .map((experiment) => experiment.name)
                  .join(', ')}
          </p>
          <label>
            Move to experiment{' '}
            <select value={target} onChange={(event) => setTarget(Number(event.target.value))} disabled={busy}>
              <option value={0}>choose…</option>
              {experiments.data.items.map((experiment) => (
                <option key={experiment.id} value={experiment.id}>
                  {experiment.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy || target === 0}>
            Move
          </button>
        </form>
      )}
      <p>
        {run.deletedAt === null ? (
          <button type="button" disabled={busy} onClick={() => void attempt(() => updateRun(run, { deleted: true }))}>
            Delete run
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void attempt(() => updateRun(run, { deleted: false }))}>
            Restore run
          </button>
        )}
      </p>
      {problem !== undefined && (
        <div className="error-box" role="alert">
          <p>{problem.text}</p>
          {problem.auth && <TokenForm />}
          {!problem.auth && (
            <button type="button" onClick={onSaved}>
              Reload
            </button>
          )}
        </div>
      )}
    </div>
  );
}
