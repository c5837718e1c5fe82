/**
 * Statements the store runs on every call of a hot path (one metric point at a time, decision
 * 1306): each connection keeps them prepared, so the server parses and plans them once per
 * connection instead of once per call. Planning the single-point statement cost PostgreSQL about as
 * much as running it (1.74 → 0.82 ms a call once named). Only texts registered here are kept: ad-hoc
 * statements (IN lists of any length) would otherwise pile up on the server, since neither driver
 * forgets a prepared statement by itself.
 *
 * How a connection keeps one is the backend's own, written beside its driver: PostgreSQL names the
 * statement (pg prepares a named statement once per client), MySQL leaves it prepared after
 * `execute`; SQLite's connection already reuses every statement by text (sqlite-dialect.ts).
 */
const keptNames = new Map<string, string>();

/** Marks `sqlText` as kept prepared on every connection that runs it. */
export function keepPrepared(sqlText: string): void {
  if (!keptNames.has(sqlText)) keptNames.set(sqlText, `aimdb_kept_${keptNames.size + 1}`);
}

/** The statement's name when `sqlText` is kept prepared, else undefined. */
export function keptStatementName(sqlText: string): string | undefined {
  return keptNames.get(sqlText);
}
