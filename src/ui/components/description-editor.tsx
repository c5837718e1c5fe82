/**
 * A dataset's description, edited from its page (with a write token). A 409 means someone changed
 * the dataset after the page loaded: explained, not overwritten.
 */
import { useState, type FormEvent } from 'react';
import type { Dataset } from '../../core/entities.js';
import { updateDatasetDescription } from '../api/edits.js';
import { ApiError } from '../api/http.js';
import { TokenForm } from './token-form.js';

export function DatasetDescriptionEditor({ dataset, onSaved }: { dataset: Dataset; onSaved: () => void }) {
  const [description, setDescription] = useState(dataset.description ?? '');
  const [problem, setProblem] = useState<{ text: string; auth: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const save = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    updateDatasetDescription(dataset, description === '' ? null : description)
      .then(onSaved)
      .catch((error: unknown) =>
        setProblem({
          text:
            error instanceof ApiError && error.status === 409
              ? `Someone else changed this dataset after the page loaded, so your edit was not saved. Reload and edit again. (${error.message})`
              : error instanceof Error
                ? error.message
                : String(error),
          auth: error instanceof ApiError && error.isAuthProblem,
        }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form className="panel description-editor" onSubmit={save} aria-label="Edit dataset description">
      <label>
        Description <textarea value={description} onChange={(event) => setDescription(event.target.value)} rows={2} disabled={busy} />
      </label>
      <button type="submit" disabled={busy}>
        Save description
      </button>
      {problem !== undefined && (
        <div className="error-box" role="alert">
          <p>{problem.text}</p>
          {problem.auth && <TokenForm />}
        </div>
      )}
    </form>
  );
}
