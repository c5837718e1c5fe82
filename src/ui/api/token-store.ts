/**
 * The bearer token the dashboard sends when the server requires one. Kept in localStorage so a
 * reload keeps it; listeners let every page refetch when it changes.
 */
const STORAGE_KEY = 'aimdb.token';
const listeners = new Set<() => void>();

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    // Storage can be disabled (privacy settings); the token then lives only in memory.
    return undefined;
  }
}

let memoryToken: string | null = storage()?.getItem(STORAGE_KEY) ?? null;

export function getToken(): string | null {
  return memoryToken;
}

/** Saves the token (an empty string clears it) and notifies subscribers. */
export function setToken(token: string | null): void {
  const value = token === null || token.trim() === '' ? null : token.trim();
  memoryToken = value;
  const store = storage();
  if (value === null) store?.removeItem(STORAGE_KEY);
  else store?.setItem(STORAGE_KEY, value);
  for (const listener of listeners) listener();
}

export function subscribeToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
