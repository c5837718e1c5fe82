/** A failed load, with what to do next: enter a token, start the server, or retry. */
import { ApiError } from '../api/http.js';
import { TokenForm } from './token-form.js';

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const auth = error instanceof ApiError && error.isAuthProblem;
  return (
    <div className="error-box" role="alert">
      <p>
        <strong>{auth ? 'This server requires an API token.' : 'Something went wrong.'}</strong> {error.message}
      </p>
      {auth ? <TokenForm /> : onRetry !== undefined && <button onClick={onRetry}>Try again</button>}
    </div>
  );
}
