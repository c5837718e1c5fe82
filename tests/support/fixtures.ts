/** Opening a fresh database on a test backend for one describe block. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import type { ContractTarget, OpenOptions } from '../contract/suite.js';
import type { TestBackend } from './backends.js';

/** A contract target for a SQL backend: a new database per `open()`. */
export function sqlTarget(backend: TestBackend): ContractTarget {
  return {
    label: backend.name,
    capabilities: { transactions: true },
    open: async (options: OpenOptions = {}) => {
      const provisioned = await backend.provision();
      const artifacts = await temporaryArtifactsFolder();
      const db = await createAiDatabase({ url: provisioned.url, artifacts: { url: artifacts }, ...options });
      return {
        db,
        close: async () => {
          await db.close();
          await provisioned.drop();
          await rm(artifacts, { recursive: true, force: true });
        },
      };
    },
  };
}

/** Opens the target before the block's tests and closes it after; returns a getter. */
export function useDatabase(target: ContractTarget, options?: OpenOptions): () => AiDatabase {
  let opened: { db: AiDatabase; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    opened = await target.open(options);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return () => {
    if (opened === undefined) throw new Error('database not open yet');
    return opened.db;
  };
}

/**
 * For files that only make sense on PostgreSQL or MySQL: when neither is configured (a new user's
 * plain `npm test`), one skipped test says what to set, instead of a file with no tests failing the
 * run. CI never gets here: its global setup requires both servers.
 */
export function explainWhenNoServerBackends(backends: readonly TestBackend[], what: string): void {
  if (backends.length === 0) {
    it.skip(`${what} needs AIMDB_TEST_POSTGRES_URL or AIMDB_TEST_MYSQL_URL`, () => undefined);
  }
}

/** A fresh folder for one test database's artifact blobs (never the working directory). */
export function temporaryArtifactsFolder(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'aimdb-artifacts-'));
}
