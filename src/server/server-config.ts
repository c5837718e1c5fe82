/**
 * The server's settings after defaults, config file, environment and flags are layered: every
 * field decided, validated by `serverConfigSchema` (src/config/config.ts).
 */
import { ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import { serverConfigSchema, type ServerConfig } from '../config/config.js';
import { compileHostPattern } from './host-policy.js';
import { compileOriginPattern } from './origin-policy.js';

export type ServerToken = NonNullable<ServerConfig['tokens']>[number];
export type LogLevel = NonNullable<ServerConfig['logLevel']>;
export type XFrameOptions = NonNullable<ServerConfig['xFrameOptions']>;

export interface EffectiveServerConfig {
  host: string;
  port: number;
  /** Empty: no authentication. */
  tokens: ServerToken[];
  bodyLimitBytes: number;
  /**
   * Items per batch request (metrics, predictions, hyperparameters). Undefined: only the store's own
   * limit (LIMITS.batchSize) applies, so the remote client behaves exactly like the embedded store.
   */
  maxBatchSize: number | undefined;
  logLevel: LogLevel;
  /** Host patterns answered besides the loopback names and the bound address (see host-policy.ts). */
  allowedHosts: string[];
  /** Other origins allowed to call the API from a browser; empty: none (CORS off). */
  corsAllowedOrigins: string[];
  xFrameOptions: XFrameOptions;
  /** Other origins allowed to frame the dashboard; when any, no X-Frame-Options header is sent. */
  frameAncestors: string[];
  /** Slow clients: see SERVER_DEFAULTS. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
}

export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 8765,
  /** Room for a 100,000-point metric batch or a large prediction batch. */
  bodyLimitBytes: 32 * 1024 * 1024,
  logLevel: 'info',
  xFrameOptions: 'SAMEORIGIN',
  /** A client has this long for its request line and headers ... */
  headersTimeoutMs: 30_000,
  /** ... and this long for the whole request: 32 MiB at about 300 KB/s. */
  requestTimeoutMs: 120_000,
  /** A connection idle in both directions (a client that stops sending or stops reading) is closed. */
  connectionTimeoutMs: 120_000,
} as const;

/**
 * Layers server settings, later layers winning field by field (unset fields do not override), and
 * validates the result.
 */
export function resolveServerConfig(...layers: Array<ServerConfig | undefined>): EffectiveServerConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  // Port 0 (any free port, for tests and benchmarks) is valid for listening though not in a config file.
  const anyPort = merged.port === 0;
  if (anyPort) delete merged.port;
  const config = parseInput(serverConfigSchema, merged, 'server');
  const headersTimeoutMs = config.headersTimeoutMs ?? SERVER_DEFAULTS.headersTimeoutMs;
  const requestTimeoutMs = config.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs;
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ValidationError(
      `server.headersTimeoutMs: must be at most server.requestTimeoutMs (${requestTimeoutMs}), got ${headersTimeoutMs}`,
      { field: 'server.headersTimeoutMs' },
    );
  }
  return {
    host: config.host ?? SERVER_DEFAULTS.host,
    port: anyPort ? 0 : (config.port ?? SERVER_DEFAULTS.port),
    tokens: config.tokens ?? [],
    bodyLimitBytes: config.bodyLimitBytes ?? SERVER_DEFAULTS.bodyLimitBytes,
    maxBatchSize: config.maxBatchSize,
    logLevel: config.logLevel ?? SERVER_DEFAULTS.logLevel,
    allowedHosts: checked(config.allowedHosts, 'server.allowedHosts', compileHostPattern),
    corsAllowedOrigins: checked(config.corsAllowedOrigins, 'server.corsAllowedOrigins', compileOriginPattern),
    xFrameOptions: config.xFrameOptions ?? SERVER_DEFAULTS.xFrameOptions,
    frameAncestors: checked(config.frameAncestors, 'server.frameAncestors', compileOriginPattern),
    headersTimeoutMs,
    requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs ?? SERVER_DEFAULTS.connectionTimeoutMs,
  };
}

/** Compiles every pattern once, so a bad one stops the server before it listens, naming its place. */
function checked(patterns: string[] | undefined, field: string, compile: (pattern: string, field: string) => unknown): string[] {
  const list = (patterns ?? []).map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
  list.forEach((pattern, index) => compile(pattern, `${field}.${index}`));
  return list;
}

/**
 * Server settings from the environment:
 * `AIMDB_SERVER_HOST`, `AIMDB_SERVER_PORT`, `AIMDB_SERVER_BODY_LIMIT_BYTES`, `AIMDB_SERVER_MAX_BATCH_SIZE`,
 * `AIMDB_SERVER_HEADERS_TIMEOUT_MS`, `AIMDB_SERVER_REQUEST_TIMEOUT_MS`, `AIMDB_SERVER_CONNECTION_TIMEOUT_MS`,
 * `AIMDB_LOG_LEVEL`, and `AIMDB_SERVER_TOKENS`: comma-separated `scope:token` or `name:scope:token`
 * entries, e.g. `ci:write:9f2c…,dashboard:read:41ab…`. Browser safety: `AIMDB_SERVER_ALLOWED_HOSTS`,
 * `AIMDB_SERVER_CORS_ALLOWED_ORIGINS`, `AIMDB_SERVER_FRAME_ANCESTORS` (comma-separated) and
 * `AIMDB_SERVER_X_FRAME_OPTIONS`. Empty variables count as unset.
 */
export function serverConfigFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const read = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const number = (name: string) => {
    const text = read(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value)) throw new ValidationError(`${name}: must be an integer, got '${text}'`, { field: name });
    return value;
  };
  const list = (name: string) => {
    const text = read(name);
    return text === undefined ? undefined : splitList(text);
  };
  const tokensText = read('AIMDB_SERVER_TOKENS');
  const config: Record<string, unknown> = {
    host: read('AIMDB_SERVER_HOST'),
    port: number('AIMDB_SERVER_PORT'),
    bodyLimitBytes: number('AIMDB_SERVER_BODY_LIMIT_BYTES'),
    maxBatchSize: number('AIMDB_SERVER_MAX_BATCH_SIZE'),
    logLevel: read('AIMDB_LOG_LEVEL'),
    headersTimeoutMs: number('AIMDB_SERVER_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: number('AIMDB_SERVER_REQUEST_TIMEOUT_MS'),
    connectionTimeoutMs: number('AIMDB_SERVER_CONNECTION_TIMEOUT_MS'),
    tokens: tokensText === undefined ? undefined : tokensText.split(',').filter((entry) => entry.trim() !== '').map(parseTokenEntry),
    allowedHosts: list('AIMDB_SERVER_ALLOWED_HOSTS'),
    corsAllowedOrigins: list('AIMDB_SERVER_CORS_ALLOWED_ORIGINS'),
    xFrameOptions: read('AIMDB_SERVER_X_FRAME_OPTIONS'),
    frameAncestors: list('AIMDB_SERVER_FRAME_ANCESTORS'),
  };
  return parseInput(serverConfigSchema, stripUndefined(config), 'environment');
}

function parseTokenEntry(entry: string, index: number): ServerToken {
  const parts = entry.trim().split(':');
  if (parts.length < 2) {
    throw new ValidationError(`AIMDB_SERVER_TOKENS: entry ${index + 1} must be 'scope:token' or 'name:scope:token'`, {
      field: 'AIMDB_SERVER_TOKENS',
    });
  }
  const [first, second, ...rest] = parts as [string, string, ...string[]];
  const named = rest.length > 0 && (second === 'read' || second === 'write');
  const scope = named ? second : first;
  const token = named ? rest.join(':') : [second, ...rest].join(':');
  if (scope !== 'read' && scope !== 'write') {
    throw new ValidationError(`AIMDB_SERVER_TOKENS: entry ${index + 1} has scope '${scope}'; use read or write`, {
      field: 'AIMDB_SERVER_TOKENS',
    });
  }
  return named ? { name: first, scope, token } : { name: `token ${index + 1}`, scope, token };
}

function stripUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** A comma-separated list (a flag or variable) as its non-empty, trimmed entries. */
export function splitList(text: string): string[] {
  return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}
