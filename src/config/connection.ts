/**
 * Turns a database configuration (URL or discrete fields) into one normalised connection spec.
 * Passwords stay inside the spec; everything printable goes through `describeConnection`.
 */
import path from 'node:path';
import { ValidationError } from '../core/errors.js';
import type { BackendName } from '../core/entities.js';
import { poolSchema, type DatabaseConfig, type PoolConfig } from './config.js';

export type SslOption = boolean | { rejectUnauthorized?: boolean; ca?: string; cert?: string; key?: string };

export interface SqliteConnection {
  backend: 'sqlite';
  /** A file path, or `:memory:`. */
  filename: string;
}

export interface ServerConnection {
  backend: 'postgresql' | 'mysql';
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  ssl: SslOption | undefined;
  pool: PoolConfig;
}

export interface HttpConnection {
  backend: 'http';
  url: string;
  token: string | undefined;
}

export type ConnectionSpec = SqliteConnection | ServerConnection | HttpConnection;

const DEFAULT_PORTS: Record<'postgresql' | 'mysql', number> = { postgresql: 5432, mysql: 3306 };
const DEFAULT_USERS: Record<'postgresql' | 'mysql', string> = { postgresql: 'postgres', mysql: 'root' };

/** The backend a URL names, from its scheme. */
export function backendOfUrl(url: string): BackendName | 'http' {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  switch (scheme) {
    case 'sqlite':
    case 'file':
      return 'sqlite';
    case 'postgres':
    case 'postgresql':
      return 'postgresql';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'http':
    case 'https':
      return 'http';
    default:
      throw new ValidationError(
        `url: unknown scheme '${scheme || url}'; expected sqlite:, postgresql:, mysql: or http(s):`,
        { field: 'url' },
      );
  }
}

function sqliteFilename(url: string): string {
  if (url === 'sqlite::memory:' || url === 'sqlite://:memory:' || url === 'sqlite:///:memory:') return ':memory:';
  // SQLAlchemy's convention, which users of the seed know: three slashes relative, four absolute.
  const match = /^(?:sqlite|file):(?:\/\/\/?)?(.*)$/i.exec(url);
  const rest = match?.[1] ?? '';
  if (rest === '') throw new ValidationError(`url: '${url}' names no SQLite file`, { field: 'url' });
  return decodeURIComponent(rest.split('?')[0]!);
}

function parseSslParam(params: URLSearchParams): SslOption | undefined {
  const mode = params.get('sslmode') ?? params.get('ssl');
  if (mode === null) return undefined;
  if (['disable', 'false', '0'].includes(mode)) return false;
  if (['no-verify', 'allow', 'prefer'].includes(mode)) return { rejectUnauthorized: false };
  return true;
}

/** Normalises a config into a connection spec; defaults fill what is missing. */
export function toConnectionSpec(config: DatabaseConfig): ConnectionSpec {
  const backend = config.backend ?? (config.url !== undefined ? backendOfUrl(config.url) : 'sqlite');
  if (config.url !== undefined && config.backend !== undefined) {
    const urlBackend = backendOfUrl(config.url);
    if (urlBackend !== config.backend) {
      throw new ValidationError(`backend: '${config.backend}' does not match the url's scheme (${urlBackend})`, {
        field: 'backend',
      });
    }
  }
  if (backend === 'sqlite') {
    if (config.url !== undefined) return { backend, filename: sqliteFilename(config.url) };
    const filename = config.path ?? config.database ?? 'aimdb.sqlite';
    return { backend, filename: filename === ':memory:' ? filename : path.resolve(filename) };
  }
  if (backend === 'http') {
    const url = config.url ?? (config.host !== undefined ? `http://${config.host}:${config.port ?? 8765}` : undefined);
    if (url === undefined) throw new ValidationError('url: the http backend needs a server url', { field: 'url' });
    return { backend, url: url.replace(/\/+$/, ''), token: config.token };
  }
  const pool = poolSchema.parse(config.pool ?? {});
  let fromUrl: Partial<ServerConnection> = {};
  if (config.url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(config.url);
    } catch {
      throw new ValidationError(`url: not a valid ${backend} URL (expected ${backend}://user:password@host:port/database)`, {
        field: 'url',
      });
    }
    fromUrl = {
      host: parsed.hostname || undefined,
      port: parsed.port === '' ? undefined : Number(parsed.port),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined,
      user: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
      password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
      ssl: parseSslParam(parsed.searchParams),
    };
  }
  const database = config.database ?? fromUrl.database;
  if (database === undefined) {
    throw new ValidationError(`database: no database name given for ${backend} (set database, or end the url with /NAME)`, {
      field: 'database',
    });
  }
  return {
    backend,
    host: config.host ?? fromUrl.host ?? '127.0.0.1',
    port: config.port ?? fromUrl.port ?? DEFAULT_PORTS[backend],
    database,
    user: config.user ?? fromUrl.user ?? DEFAULT_USERS[backend],
    password: config.password ?? fromUrl.password,
    ssl: config.ssl ?? fromUrl.ssl,
    pool,
  };
}

/** A printable description of a connection with the password redacted. */
export function describeConnection(spec: ConnectionSpec): string {
  switch (spec.backend) {
    case 'sqlite':
      return `sqlite:${spec.filename === ':memory:' ? ':memory:' : spec.filename}`;
    case 'http':
      return redactUrl(spec.url) + (spec.token === undefined ? '' : ' (with token)');
    default:
      return `${spec.backend}://${encodeURIComponent(spec.user)}${spec.password === undefined ? '' : ':***'}@${spec.host}:${spec.port}/${spec.database}${spec.ssl ? ' (ssl)' : ''}`;
  }
}

/** Replaces the password of any URL-looking text with `***`. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}
