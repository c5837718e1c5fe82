/**
 * The bearer token the dashboard sends when the server requires one. Kept in sessionStorage: the
 * browser gives each origin its own, so no other site's scripts (nor another server that later
 * answers on a different port or name) can read it, and it ends with the tab instead of staying on
 * disk for whatever runs on this origin next. A reload keeps it; listeners let every page refetch
 * when it changes. See docs/decisions/0213-dashboard-token-in-session-storage.md.
 */
const STORAGE_KEY = 'aimdb.token';
const listeners = new Set<() => void>();

function storage(name: 'sessionStorage' | 'localStorage'): Storage | undefined {
  try {
    return globalThis[name];
  } catch {
    // Storage can be disabled (privacy settings); the token then lives only in memory.
    return undefined;
  }
}

// Earlier versions kept the token in localStorage, where it outlived the session: take it over once
// for this tab and remove it from there.
const legacy = storage('localStorage')?.getItem(STORAGE_KEY) ?? null;
if (legacy !== null) {
  storage('localStorage')?.removeItem(STORAGE_KEY);
  if (storage('sessionStorage')?.getItem(STORAGE_KEY) == null) storage('sessionStorage')?.setItem(STORAGE_KEY, legacy);
}

let memoryToken: string | null = storage('sessionStorage')?.getItem(STORAGE_KEY) ?? legacy;

export function getToken(): string | null {
  return memoryToken;
}

/** Saves the token (an empty string clears it) and notifies subscribers. */
export function setToken(token: string | null): void {
  const value = token === null || token.trim() === '' ? null : token.trim();
  memoryToken = value;
  const store = storage('sessionStorage');
  if (value === null) store?.removeItem(STORAGE_KEY);
  else store?.setItem(STORAGE_KEY, value);
  for (const listener of listeners) listener();
}

export function subscribeToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
