/** `health()`: which backend answers, its version, and a schema that is up to date. */
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';

export function defineHealthContract(target: ContractTarget): void {
  describe(`${target.label}: health`, () => {
    const db = useDatabase(target);

    it('reports the backend, the server version and the current schema', async () => {
      const health = await db().health();
      expect(['sqlite', 'postgresql', 'mysql', 'http']).toContain(health.backend);
      expect(typeof health.serverVersion).toBe('string');
      expect(health.serverVersion).toMatch(/\d+\.\d+/);
      expect(health.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(health.latestSchemaVersion).toBe(LATEST_SCHEMA_VERSION);
    });
  });
}
