/**
 * The database options of every command that opens a database, and how they layer over the
 * auto-detected configuration: defaults < config file (or AIMDB_DATABASE_URL) < AIMDB_* variables
 * < flags, empty values counting as unset.
 */
import { Option, InvalidArgumentError, type Command } from 'commander';
import {
  CONFIG_BACKENDS,
  type ArtifactsConfig,
  resolveDatabaseConfig,
  type ConfigBackend,
  type DatabaseConfig,
  type ResolvedDatabaseConfig,
  type ServerConfig,
} from '../config/config.js';
import { backendOfUrl, toConnectionSpec, type ConnectionSpec } from '../config/connection.js';
import { CliError, atStage } from './cli-error.js';
import { EXIT_CODES } from './exit-codes.js';

/** Database used on a server backend when neither the flags, the url nor the config name one. */
export const DEFAULT_SERVER_DATABASE = 'aimdb';

const BACKEND_ALIASES: Record<string, ConfigBackend> = {
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  http: 'http',
};

function parseBackend(value: string): ConfigBackend {
  const backend = BACKEND_ALIASES[value.trim().toLowerCase()];
  if (backend === undefined) {
    throw new InvalidArgumentError(`expected one of ${CONFIG_BACKENDS.filter((name) => name !== 'http').join(', ')} (or http for an aimdb server); try --backend postgresql`);
  }
  return backend;
}

/** Parses a TCP port to connect to, naming the range when it is not one. */
export function parsePort(value: string): number {
  return parsePortFrom(value, 1, 'e.g. --port 5432');
}

/** Parses a TCP port to listen on: 0 asks the system for any free one (the URL printed at start names it). */
export function parseListenPort(value: string): number {
  return parsePortFrom(value, 0, 'e.g. --port 8765, or 0 for any free port');
}

function parsePortFrom(value: string, lowest: number, example: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < lowest || port > 65_535) {
    throw new InvalidArgumentError(`expected an integer from ${lowest} to 65535, ${example}`);
  }
  return port;
}

/** Parses a positive integer option such as --limit. */
export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError('expected a positive integer, e.g. --limit 20');
  }
  return number;
}

/** The environment variable behind each database flag. */
export const DATABASE_ENV: Record<'backend' | 'host' | 'port' | 'database' | 'user' | 'password', string> = {
  backend: 'AIMDB_BACKEND',
  host: 'AIMDB_HOST',
  port: 'AIMDB_PORT',
  database: 'AIMDB_DATABASE',
  user: 'AIMDB_USER',
  password: 'AIMDB_PASSWORD',
};

/** Adds --backend, --host, --port, --database, --user, --password and --echo to a command. */
export function addDatabaseOptions(command: Command): Command {
  return command
    .addOption(new Option('--backend <name>', 'sqlite, postgresql or mysql (default: from the url or config, else sqlite)').env(DATABASE_ENV.backend).argParser(parseBackend))
    .addOption(new Option('--host <host>', 'database server host (default 127.0.0.1)').env(DATABASE_ENV.host))
    .addOption(new Option('--port <number>', 'database server port (default 5432 / 3306)').env(DATABASE_ENV.port).argParser(parsePort))
    .addOption(new Option('--database <name>', `database name, or the SQLite file (default ${DEFAULT_SERVER_DATABASE} / ./aimdb.sqlite)`).env(DATABASE_ENV.database))
    .addOption(new Option('--user <name>', 'database user (default postgres / root)').env(DATABASE_ENV.user))
    .addOption(new Option('--password <password>', 'database password; prefer the environment variable').env(DATABASE_ENV.password))
    .addOption(new Option('--echo', 'print every SQL statement to stderr (never the bound values)'));
}

/** Where one effective setting came from, for `aimdb doctor`. */
export type SettingSource = 'flag' | 'environment' | 'config-file' | 'default';

export interface CliDatabaseConfig {
  /** The merged configuration handed to the library. */
  config: DatabaseConfig;
  /** The auto-detected base (config file, AIMDB_DATABASE_URL or the default SQLite file). */
  resolved: ResolvedDatabaseConfig;
  /** The normalised connection (passwords inside; print only through describeConnection). */
  spec: ConnectionSpec;
  /** Per field set by a flag or an AIMDB_* variable: which one. */
  overrides: Array<{ field: string; source: SettingSource; name: string }>;
  /** The `server:` section of the config file, when one was read. */
  server: ServerConfig | undefined;
  /** The `artifacts:` section of the config file, when one was read. */
  artifacts: ArtifactsConfig | undefined;
  /** One sentence: which source chose the connection, and why. */
  chosenBy: string;
}

type Field = keyof typeof DATABASE_ENV;
const CONNECTION_FIELDS = ['backend', 'url', 'path', 'host', 'port', 'database', 'user', 'password'] as const;

function backendOf(config: DatabaseConfig): ConfigBackend {
  return config.backend ?? (config.url !== undefined ? backendOfUrl(config.url) : 'sqlite');
}

/**
 * The configuration a command runs with. A flag (or AIMDB_* variable) choosing another backend or
 * giving a url replaces the detected connection entirely (keeping pool and SSL settings), so
 * `--backend mysql` never inherits the default SQLite file.
 */
export async function resolveCliDatabaseConfig(command: Command): Promise<CliDatabaseConfig> {
  const options = command.optsWithGlobals<Record<string, unknown>>();
  let resolved: ResolvedDatabaseConfig;
  try {
    resolved = await resolveDatabaseConfig(typeof options.config === 'string' && options.config !== '' ? { configPath: options.config } : {});
  } catch (error) {
    throw atStage(error, 'config');
  }
  try {
    const overrides: CliDatabaseConfig['overrides'] = [];
    const flags: DatabaseConfig = {};
    const url = typeof options.url === 'string' && options.url !== '' ? options.url : undefined;
    if (url !== undefined) {
      flags.url = url;
      overrides.push({ field: 'url', source: 'flag', name: '--url' });
    }
    // Only commands that declare the database options read them: `serve --port` is the HTTP port.
    const hasDatabaseOptions = command.options.some((option) => option.long === '--backend');
    for (const field of hasDatabaseOptions ? (Object.keys(DATABASE_ENV) as Field[]) : []) {
      const value = options[field];
      if (value === undefined || value === '') continue;
      const source = command.getOptionValueSourceWithGlobals(field) === 'env' ? 'environment' : 'flag';
      (flags as Record<string, unknown>)[field] = value;
      overrides.push({ field, source, name: source === 'environment' ? DATABASE_ENV[field] : `--${field}` });
    }
    let base: DatabaseConfig = { ...resolved.config };
    const baseBackend = backendOf(base);
    const flagBackend = flags.backend ?? (flags.url !== undefined ? backendOfUrl(flags.url) : undefined);
    const replaced = flags.url !== undefined || (flagBackend !== undefined && flagBackend !== baseBackend);
    if (replaced) {
      base = Object.fromEntries(Object.entries(base).filter(([key]) => !(CONNECTION_FIELDS as readonly string[]).includes(key)));
    }
    const overrideNames = overrides.map((item) => item.name).join(', ');
    const chosenBy = replaced
      ? `${overrideNames} (replacing the ${resolved.source === 'default' ? 'default SQLite file' : resolved.source === 'environment' ? 'AIMDB_DATABASE_URL' : `config file ${resolved.configPath ?? ''}`})`
      : overrides.length > 0
        ? `${resolved.reason}; overridden by ${overrideNames}`
        : resolved.reason;
    const config: DatabaseConfig = { ...base, ...flags };
    if (options.echo === true) config.echo = true;
    const backend = backendOf(config);
    if ((backend === 'postgresql' || backend === 'mysql') && config.database === undefined && config.url === undefined) {
      config.database = DEFAULT_SERVER_DATABASE;
    }
    if (backend === 'sqlite' && flags.database !== undefined && flags.url === undefined) {
      // For SQLite, --database (or AIMDB_DATABASE) names the file and beats the file's path or url.
      config.path = flags.database;
      delete config.url;
    }
    if (backend === 'sqlite' && config.path !== undefined) delete config.database;
    const spec = toConnectionSpec(config);
    return { config, resolved, spec, overrides, server: resolved.server, artifacts: resolved.artifacts, chosenBy };
  } catch (error) {
    throw atStage(error, 'connect');
  }
}

/** A new subcommand of `parent` that opens a database, with the database options added. */
export function databaseCommand(parent: Command, name: string): Command {
  return addDatabaseOptions(parent.command(name));
}

/**
 * An option parser for comma-separated (or repeated) values out of a fixed set, e.g.
 * `--status running,queued`; an unknown value is a usage error naming the choices.
 */
export function choiceList<T extends string>(option: string, choices: readonly T[]): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => {
    const items = value.split(',').map((item) => item.trim());
    for (const item of items) {
      if (!(choices as readonly string[]).includes(item)) {
        throw new CliError(`${option}: expected ${choices.join(', ')} (comma-separated), got '${item}'`, { exitCode: EXIT_CODES.usage });
      }
    }
    return [...(previous ?? []), ...(items as T[])];
  };
}
