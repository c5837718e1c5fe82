/** Enter or clear the API token; it is kept in this tab's sessionStorage, for this server only. */
import { useId, useState, type FormEvent } from 'react';
import { getToken, setToken } from '../api/token-store.js';

export function TokenForm({ onDone }: { onDone?: () => void }) {
  const id = useId();
  const [value, setValue] = useState(getToken() ?? '');
  const save = (event: FormEvent) => {
    event.preventDefault();
    setToken(value);
    onDone?.();
  };
  return (
    <form className="token-form" onSubmit={save}>
      <label htmlFor={id}>API token</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        value={value}
        placeholder="from the server's config (server.tokens)"
        onChange={(event) => setValue(event.target.value)}
      />
      <button type="submit">Save token</button>
      {getToken() !== null && (
        <button
          type="button"
          onClick={() => {
            setToken(null);
            setValue('');
            onDone?.();
          }}
        >
          Forget token
        </button>
      )}
      <p className="muted small">Needed only when the server is configured with tokens. Kept for this tab and this server only.</p>
    </form>
  );
}
