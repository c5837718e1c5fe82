/**
 * The whole contract suite through the HTTP client: for every backend of this run, a real server
 * over a fresh database on a random loopback port, and `createHttpAiDatabase` as the AiDatabase.
 */
import { describe } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { defineAllContracts } from '../contract/index.js';
import type { ContractTarget, OpenOptions } from '../contract/suite.js';
import { testBackends, type TestBackend } from '../support/backends.js';
import { startTestServer } from '../server/support/test-server.js';

function httpTarget(backend: TestBackend): ContractTarget {
  return {
    label: `http→${backend.name}`,
    capabilities: { transactions: false },
    open: async (options: OpenOptions = {}) => {
      const server = await startTestServer(backend, {}, { now: options.now });
      const db = createHttpAiDatabase({ url: server.url });
      return {
        db,
        close: async () => {
          await db.close();
          await server.close();
        },
      };
    },
  };
}

describe.each(testBackends())('http client over $name', (backend) => {
  defineAllContracts(httpTarget(backend));
});
