/** Opening test databases as transfer ends: fresh per test, closed and dropped afterwards. */
import { afterEach } from 'vitest';
import { openSqlDatabase, type SqlAiDatabase } from '../../src/index.js';
import { testBackends, type TestBackend } from '../support/backends.js';

export interface OpenedTestDatabase {
  url: string;
  db: SqlAiDatabase;
  /** Closes and drops the database. */
  dispose(): Promise<void>;
}

/** A fresh, migrated database on a backend; in-memory SQLite is passed around as the open instance. */
export async function openTestDatabase(backend: TestBackend): Promise<OpenedTestDatabase> {
  const provisioned = await backend.provision();
  const db = await openSqlDatabase({ url: provisioned.url });
  return {
    url: provisioned.url,
    db,
    dispose: async () => {
      await db.close().catch(() => undefined);
      await provisioned.drop();
    },
  };
}

/** How an end is handed to the transfer functions: its URL, or the instance for in-memory SQLite. */
export function locationOf(opened: OpenedTestDatabase) {
  return opened.url === 'sqlite::memory:' ? opened.db : opened.url;
}

/** Each backend paired with the next one in the list (the last with the first), so every backend is both a source and a target. */
export function backendPairs(): Array<[string, TestBackend, TestBackend]> {
  const backends = testBackends();
  return backends.map((backend, index) => {
    const next = backends[(index + 1) % backends.length]!;
    return [`${backend.name} → ${next.name}`, backend, next];
  });
}

/**
 * For a describe block: `open(backend)` gives a fresh database that is disposed after the test,
 * whatever the test did with it.
 */
export function useTestDatabases(): (backend: TestBackend) => Promise<OpenedTestDatabase> {
  const opened: OpenedTestDatabase[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.dispose();
  });
  return async (backend) => {
    const database = await openTestDatabase(backend);
    opened.push(database);
    return database;
  };
}
