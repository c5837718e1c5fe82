/**
 * A real aimdb server for tests: a fresh database on a test backend, the app listening on a random
 * loopback port, and everything torn down again.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { rm } from 'node:fs/promises';
import type { ArtifactsConfig, ServerConfig } from '../../../src/config/config.js';
import { temporaryArtifactsFolder } from '../../support/fixtures.js';
import { buildApp } from '../../../src/server/app.js';
import { openSqlDatabase } from '../../../src/database/open.js';
import type { SqlAiDatabase } from '../../../src/store/sql/sql-ai-database.js';
import type { ProvisionedDatabase, TestBackend } from '../../support/backends.js';

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  app: FastifyInstance;
  /** The database behind the server, for checking what a request stored. */
  db: SqlAiDatabase;
  databaseUrl: string;
  close(): Promise<void>;
}

/** What a test may set besides the server config: the dashboard folder, logging, the store's clock. */
export interface TestServerExtras {
  uiDir?: string | false;
  logger?: false | Record<string, unknown>;
  /** The store's clock (epoch milliseconds), e.g. a fixed one so rows share one millisecond. */
  now?: () => number;
  /** Where the server keeps artifact blobs (a folder or an `artifacts:` config); default a fresh temporary folder. */
  artifacts?: string | ArtifactsConfig;
}

/** Starts an app over an existing database URL (its own pool). */
export async function startAppOn(
  databaseUrl: string,
  server: ServerConfig = {},
  extra: TestServerExtras = {},
): Promise<Omit<TestServer, 'close'> & { close(): Promise<void> }> {
  const artifacts = extra.artifacts ?? (await temporaryArtifactsFolder());
  const db = await openSqlDatabase({
    url: databaseUrl,
    artifacts: typeof artifacts === 'string' ? { url: artifacts } : artifacts,
    ...(extra.now === undefined ? {} : { now: extra.now }),
  });
  // AIMDB_TEST_SERVER_LOGS=debug|info|error shows the server's logs when a test needs explaining.
  const level = process.env.AIMDB_TEST_SERVER_LOGS;
  const logger = extra.logger ?? (level === undefined || level === '' ? false : { level });
  const app = await buildApp({ db, server, logger, uiDir: extra.uiDir ?? false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db,
    databaseUrl,
    close: async () => {
      await app.close();
      await db.close();
      if (extra.artifacts === undefined && typeof artifacts === 'string') await rm(artifacts, { recursive: true, force: true });
    },
  };
}

/** Provisions a fresh database on the backend and starts a server over it. */
export async function startTestServer(
  backend: TestBackend,
  server: ServerConfig = {},
  extra: TestServerExtras = {},
): Promise<TestServer> {
  const provisioned: ProvisionedDatabase = await backend.provision();
  try {
    const started = await startAppOn(provisioned.url, server, extra);
    return {
      ...started,
      close: async () => {
        await started.close();
        await provisioned.drop();
      },
    };
  } catch (error) {
    await provisioned.drop();
    throw error;
  }
}
