/**
 * The one configuration schema, for the library, the CLI and the server. Parsed once at the entry
 * points: defaults < config file < environment < flags, empty strings treated as unset.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';

export const CONFIG_BACKENDS = ['sqlite', 'postgresql', 'mysql', 'http'] as const;
export type ConfigBackend = (typeof CONFIG_BACKENDS)[number];

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalPort = z.preprocess(
  (value) => (value === '' || value === undefined ? undefined : Number(value)),
  z.number().int().min(1).max(65_535).optional(),
);

export const sslSchema = z.union([
  z.boolean(),
  z.strictObject({
    rejectUnauthorized: z.boolean().optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
  }),
]);

export const poolSchema = z.strictObject({
  /** Connections kept open. */
  size: z.number().int().min(1).max(1000).default(5),
  /** Extra connections opened under load, closed again when idle. */
  maxOverflow: z.number().int().min(0).max(1000).default(10),
  /** How long an idle connection above `size` stays open. */
  idleTimeoutMs: z.number().int().min(0).default(30_000),
  /** How long to wait for a connection before failing. */
  acquireTimeoutMs: z.number().int().min(1).default(30_000),
  /** TCP keep-alive on pooled connections, so dead ones are noticed and replaced. */
  keepAlive: z.boolean().default(true),
});
export type PoolConfig = z.output<typeof poolSchema>;

/** How to reach the database (the `database:` section of a config file). */
export const databaseConfigSchema = z.strictObject({
  backend: z.preprocess(emptyToUndefined, z.enum(CONFIG_BACKENDS).optional()),
  /** `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite::memory:`, `postgresql://…`, `mysql://…`, `http://…` */
  url: optionalString,
  /** SQLite file path (alternative to `url`). */
  path: optionalString,
  host: optionalString,
  port: optionalPort,
  database: optionalString,
  user: optionalString,
  password: optionalString,
  ssl: sslSchema.optional(),
  pool: poolSchema.partial().optional(),
  /** Log every SQL statement (never the bound values). */
  echo: z.boolean().optional(),
  /** Apply pending schema migrations on open (default true); false only checks the version. */
  migrate: z.boolean().optional(),
  /** Bearer token for the `http` backend. */
  token: optionalString,
  /**
   * How long a running run may stay silent before it counts as lost (and ends `failed`), in
   * milliseconds; default 5 minutes. A run may ask for its own window when it is created.
   */
  heartbeatTimeoutMs: z.number().int().min(1).max(30 * 24 * 3_600_000).optional(),
});
export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

export const tokenSchema = z.strictObject({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  scope: z.enum(['read', 'write']),
  name: z.string().optional(),
});

/** The values of `server.xFrameOptions` (`--x-frame-options`). */
export const X_FRAME_OPTIONS = ['DENY', 'SAMEORIGIN', 'NONE'] as const;

/** The `server:` section of a config file, read by `aimdb serve`. */
export const serverConfigSchema = z.strictObject({
  host: optionalString,
  port: optionalPort,
  tokens: z.array(tokenSchema).optional(),
  bodyLimitBytes: z.number().int().min(1024).optional(),
  maxBatchSize: z.number().int().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /**
   * Host header values answered besides the loopback names and the bound address (DNS rebinding
   * defence): names, addresses, `*.example.com`, or `*` for any (src/server/host-policy.ts).
   */
  allowedHosts: z.array(z.string().min(1).max(300)).optional(),
  /** Other web origins whose pages may call the API (CORS); none by default, `*` for any. */
  corsAllowedOrigins: z.array(z.string().min(1).max(300)).optional(),
  /** Who may frame the dashboard: DENY, SAMEORIGIN (default) or NONE (anyone). */
  xFrameOptions: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toUpperCase() : value),
    z.enum(X_FRAME_OPTIONS).optional(),
  ),
  /** Other origins allowed to frame the dashboard (CSP frame-ancestors); replaces X-Frame-Options. */
  frameAncestors: z.array(z.string().min(1).max(300)).optional(),
  /** Time for a client to send its request line and headers (slow-header clients are cut off). */
  headersTimeoutMs: z.number().int().min(1).optional(),
  /** Time for a client to send its whole request, body included (slow-body clients are cut off). */
  requestTimeoutMs: z.number().int().min(1).optional(),
  /** A connection on which nothing moves, in either direction, for this long is closed. */
  connectionTimeoutMs: z.number().int().min(1).optional(),
});
export type ServerConfig = z.output<typeof serverConfigSchema>;

/**
 * Where artifact bytes are kept (the `artifacts:` section of a config file). Credentials are never
 * part of it: the S3 SDK reads them from the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, …).
 */
export const artifactsConfigSchema = z.strictObject({
  /**
   * A folder (`./aimdb-artifacts`, `file:///srv/artifacts`) or `s3://bucket/prefix`. Default: the
   * folder `aimdb-artifacts` beside the SQLite file, else in the working directory.
   */
  url: optionalString,
  /** The S3-compatible service's URL, e.g. `http://127.0.0.1:9000` (default: AWS). */
  endpoint: optionalString,
  region: optionalString,
  /** Path-style bucket URLs; default true when an endpoint is set. */
  forcePathStyle: z.boolean().optional(),
  /** Bytes per part of a multipart upload (at least 5 MiB; default 16 MiB). */
  partSizeBytes: z.number().int().min(5 * 1024 * 1024).max(5 * 1024 * 1024 * 1024).optional(),
  /** Parts uploaded at once (memory held is about partSizeBytes × this; default 4). */
  uploadConcurrency: z.number().int().min(1).max(64).optional(),
  /**
   * Bytes per block of the block lists new uploads get (default 4 MiB): a range read reads and
   * hashes the whole blocks it touches. Each list records its own size, so changing this is safe.
   */
  blockSizeBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).optional(),
});
export type ArtifactsConfig = z.output<typeof artifactsConfigSchema>;
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration such as `90d`, `12h`, `30m`, `45s` or `1w` (a bare number is milliseconds), in
 * milliseconds. @throws Error naming the accepted forms
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (match === null) throw new Error(`'${text}' is not a duration (examples: 90d, 12h, 30m, 45s, 1w)`);
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!);
}

const durationSchema = z.union([z.number().int().min(0), z.string()]).transform((value, context) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** The `retention:` section: how long deleted entities and predictions are kept (`aimdb gc`). */
export const retentionConfigSchema = z.strictObject({
  /** Soft-deleted runs, experiments, models and versions (default 30d). */
  deleted: durationSchema.optional(),
  /** Predictions (default: kept for ever). */
  predictions: durationSchema.optional(),
});
export type RetentionConfig = z.output<typeof retentionConfigSchema>;

export const configFileSchema = z.strictObject({
  database: databaseConfigSchema.optional(),
  server: serverConfigSchema.optional(),
  artifacts: artifactsConfigSchema.optional(),
  retention: retentionConfigSchema.optional(),
});
export type ConfigFile = z.output<typeof configFileSchema>;

/** Names tried, in order, in the working directory when no config path is given. */
export const DEFAULT_CONFIG_FILES = ['aimdb.config.yaml', 'aimdb.config.yml', 'aimdb.config.json'] as const;
/** The embedded database used when nothing else is configured. */
export const DEFAULT_SQLITE_FILE = 'aimdb.sqlite';

/**
 * Replaces `${NAME}` and `${NAME:-fallback}` in every string of a parsed config file, so secrets stay
 * in the environment. An unset variable without a fallback is an error naming it.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, where = 'config'): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ValidationError(`${where}: environment variable ${name} is not set (referenced as \${${name}})`, {
        field: where,
      });
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, `${where}.${index}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, `${where}.${key}`)]),
    );
  }
  return value;
}

/** Reads a YAML or JSON config file, interpolates `${ENV}` and validates it. */
export async function loadConfigFile(filePath: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    throw new ValidationError(`config file ${filePath} cannot be read: ${(error as Error).message}`, {
      field: 'config',
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = filePath.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ValidationError(`config file ${filePath} is not valid ${filePath.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, {
      field: 'config',
      cause: error,
    });
  }
  const interpolated = interpolateEnv(raw ?? {}, env, path.basename(filePath));
  const config = parseInput(configFileSchema, interpolated, path.basename(filePath));
  if (config.database?.path !== undefined && !path.isAbsolute(config.database.path)) {
    // A relative SQLite path in a config file means relative to that file, not to the caller's cwd.
    config.database.path = path.resolve(path.dirname(filePath), config.database.path);
  }
  const artifactsUrl = config.artifacts?.url;
  if (artifactsUrl !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(artifactsUrl) && !path.isAbsolute(artifactsUrl)) {
    // Like the SQLite path: a relative artifact folder is relative to the config file.
    config.artifacts!.url = path.resolve(path.dirname(filePath), artifactsUrl);
  }
  return config;
}

/** Where the chosen database configuration came from, for `aimdb doctor` and error messages. */
export type ConfigSource = 'options' | 'config-file' | 'environment' | 'default';

export interface ResolvedDatabaseConfig {
  config: DatabaseConfig;
  source: ConfigSource;
  /** The config file read, when one was. */
  configPath?: string;
  /** One sentence on why this source was chosen, naming the auto-detection order. */
  reason: string;
  /** The server section of the config file, when one was read. */
  server?: ServerConfig;
  /** The artifacts section of the config file, when one was read. */
  artifacts?: ArtifactsConfig;
  /** The retention section of the config file, when one was read. */
  retention?: RetentionConfig;
}

/**
 * The auto-detection order: a config file (`AIMDB_CONFIG`, else `./aimdb.config.yaml|yml|json`),
 * else `AIMDB_DATABASE_URL`, else the SQLite file `./aimdb.sqlite`.
 */
export async function resolveDatabaseConfig(
  options: { configPath?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedDatabaseConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicitPath = options.configPath ?? (env.AIMDB_CONFIG === '' ? undefined : env.AIMDB_CONFIG);
  if (explicitPath !== undefined) {
    const configPath = path.resolve(cwd, explicitPath);
    const file = await loadConfigFile(configPath, env);
    return {
      config: file.database ?? {},
      source: 'config-file',
      configPath,
      server: file.server,
      ...(file.artifacts === undefined ? {} : { artifacts: file.artifacts }),
      retention: file.retention,
      reason: options.configPath !== undefined ? `config file given explicitly` : `config file named by AIMDB_CONFIG`,
    };
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) {
      const file = await loadConfigFile(candidate, env);
      return {
        config: file.database ?? {},
        source: 'config-file',
        configPath: candidate,
        server: file.server,
        ...(file.artifacts === undefined ? {} : { artifacts: file.artifacts }),
        retention: file.retention,
        reason: `found ./${name} (checked first: AIMDB_CONFIG, then ${DEFAULT_CONFIG_FILES.join(', ')})`,
      };
    }
  }
  const url = env.AIMDB_DATABASE_URL;
  if (url !== undefined && url !== '') {
    return {
      config: { url },
      source: 'environment',
      reason: 'no config file found; AIMDB_DATABASE_URL is set',
    };
  }
  return {
    config: { backend: 'sqlite', path: path.join(cwd, DEFAULT_SQLITE_FILE) },
    source: 'default',
    reason: `no config file and no AIMDB_DATABASE_URL; using the embedded SQLite file ./${DEFAULT_SQLITE_FILE}`,
  };
}
