/**
 * `aimdb serve`: opens the database, builds the app, listens, and shuts down gracefully on SIGINT
 * or SIGTERM: stop accepting connections, let requests in flight finish (so every accepted batch is
 * stored and answered), then close the pool.
 */
import type { DatabaseConfig, ServerConfig } from '../config/config.js';
import { openSqlDatabase } from '../database/open.js';
import { buildApp } from './app.js';
import { resolveServerConfig, serverConfigFromEnv } from './server-config.js';

export interface StartServerOptions {
  /** The database to serve (a SQL backend). */
  database: DatabaseConfig;
  /**
   * The config file's `server:` section: over the defaults (127.0.0.1:8765), under the environment
   * (`AIMDB_SERVER_*`, see serverConfigFromEnv).
   */
  configFile?: ServerConfig;
  /** Server settings given directly (command-line flags): over the environment and the config file. */
  server?: ServerConfig;
  /** The built dashboard to serve at `/` (default: `dist/ui` of the package, when present). */
  uiDir?: string;
  /** The environment to read `AIMDB_SERVER_*` from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Handle SIGINT and SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8765`. */
  url: string;
  /** Stops accepting, finishes requests in flight, closes the pool. Safe to call more than once. */
  close(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Starts the server; resolves once it listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = resolveServerConfig(options.configFile, serverConfigFromEnv(options.env ?? process.env), options.server);
  const db = await openSqlDatabase(options.database);
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ db, server: config, ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }) });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      try {
        // Fastify stops listening, answers 503 to new requests on open connections, and waits
        // for the requests in flight; only then is the pool closed under them.
        await app.close();
      } finally {
        await db.close();
      }
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing !== undefined) {
      app.log.warn({ signal }, 'second signal while shutting down; exiting now');
      process.exit(1);
    }
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    close().then(
      () => app.log.info('shut down cleanly'),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  if (options.handleSignals !== false) for (const signal of SIGNALS) process.on(signal, onSignal);
  app.log.info({ url, backend: (await db.health()).backend, auth: config.tokens.length > 0 }, 'aimdb server listening');
  return { url, close };
}
