/**
 * `aimdb init`, the configuration template, and how the CLI picks its database: the template's
 * examples are valid configs, init never overwrites without --force, and flags > AIMDB_* variables
 * > config file > AIMDB_DATABASE_URL > ./aimdb.sqlite, as `aimdb doctor` reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from '../../src/config/config.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { serverBackends, type ProvisionedDatabase } from '../support/backends.js';
import { jsonOf, REPO_ROOT, runCli, tempWorkdir } from './run-cli.js';

const TEMPLATE = readFileSync(path.join(REPO_ROOT, 'aimdb.config.yaml.template'), 'utf8');

/** The commented-out example between `# --- NAME` and `# --- end NAME`, uncommented. */
function exampleBlock(name: string): string {
  const lines = TEMPLATE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`# --- ${name}`));
  const end = lines.findIndex((line) => line.startsWith(`# --- end ${name}`));
  expect(start, `template has a '# --- ${name}' block`).toBeGreaterThanOrEqual(0);
  return lines.slice(start + 1, end).map((line) => line.replace(/^# ?/, '')).join('\n');
}

describe('aimdb init and the configuration template', () => {
  const workdir = tempWorkdir();
  afterAll(() => workdir.remove());
  const target = () => path.join(workdir.dir, 'aimdb.config.yaml');

  it('writes aimdb.config.yaml from the template, and the result works as is (SQLite next to it)', async () => {
    const result = await runCli(['init'], { cwd: workdir.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(target(), 'utf8')).toBe(TEMPLATE);
    const doctor = jsonOf(await runCli(['doctor', '--json'], { cwd: workdir.dir }));
    expect(doctor).toMatchObject({ backend: 'sqlite', source: 'config-file', configFile: target(), ok: true });
    expect(doctor.connection).toBe(`sqlite:${path.join(workdir.dir, 'aimdb.sqlite')}`);
    expect(existsSync(path.join(workdir.dir, 'aimdb.sqlite'))).toBe(false);
    // Reading commands never create the database; a writing one does, and then reading works.
    const stats = await runCli(['stats'], { cwd: workdir.dir });
    expect(stats.code, stats.stderr).toBe(EXIT_CODES.connection);
    expect(stats.stderr).toContain(path.join(workdir.dir, 'aimdb.sqlite'));
    expect(existsSync(path.join(workdir.dir, 'aimdb.sqlite'))).toBe(false);
    expect((await runCli(['migrate', 'up'], { cwd: workdir.dir })).code).toBe(0);
    expect((await runCli(['stats'], { cwd: workdir.dir })).code).toBe(0);
    expect(existsSync(path.join(workdir.dir, 'aimdb.sqlite'))).toBe(true);
  });

  it('never overwrites an existing file without --force', async () => {
    writeFileSync(target(), '# my edits\n');
    const refused = await runCli(['init'], { cwd: workdir.dir });
    expect(refused.code, refused.stderr).toBe(EXIT_CODES.usage);
    expect(refused.stderr).toMatch(/^aimdb: aimdb\.config\.yaml already exists; not overwriting it — pass --force/);
    expect(readFileSync(target(), 'utf8')).toBe('# my edits\n');
    const forced = await runCli(['init', '--force'], { cwd: workdir.dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(target(), 'utf8')).toBe(TEMPLATE);
  });

  it('documents PostgreSQL, MySQL (pool, SSL) and the server with ${ENV} secrets that load as valid configs', async () => {
    const env = { AIMDB_DB_PASSWORD: 'from-the-environment', AIMDB_WRITE_TOKEN: 'w'.repeat(20), AIMDB_READ_TOKEN: 'r'.repeat(20) };
    const load = async (name: string) => {
      const file = path.join(workdir.dir, `${name.replace(/\W/g, '')}.yaml`);
      writeFileSync(file, exampleBlock(name));
      return loadConfigFile(file, env);
    };
    const postgres = await load('PostgreSQL');
    expect(postgres.database).toMatchObject({ backend: 'postgresql', database: 'aimdb', password: 'from-the-environment', pool: { size: 5, maxOverflow: 10 }, ssl: { rejectUnauthorized: true } });
    const mysql = await load('MySQL');
    expect(mysql.database).toMatchObject({ backend: 'mysql', port: 3306, password: 'from-the-environment', ssl: true, pool: { keepAlive: true } });
    const server = await load('Server');
    expect(server.server).toMatchObject({ port: 8765, tokens: [{ scope: 'write' }, { scope: 'read' }], allowedHosts: ['aimdb.example.com'], xFrameOptions: 'SAMEORIGIN' });
    await expect(loadConfigFile(path.join(workdir.dir, 'PostgreSQL.yaml'), {})).rejects.toThrow(/AIMDB_DB_PASSWORD is not set/);
    for (const topic of ['SQLite', 'PostgreSQL', 'MySQL', 'pool:', 'ssl:', '${', 'migrate:']) expect(TEMPLATE).toContain(topic);
  });
});

describe('choosing the database: flags > AIMDB_* > config file > AIMDB_DATABASE_URL > ./aimdb.sqlite', () => {
  const workdir = tempWorkdir();
  afterAll(() => workdir.remove());
  const connectionOf = async (args: string[], env: Record<string, string> = {}, cwd = workdir.dir) => {
    const result = await runCli(['doctor', '--json', ...args], { cwd, env });
    return jsonOf(result) as { connection: string; source: string; overrides: Array<{ field: string; source: string; name: string }> };
  };

  it('layers the config file, the environment and the flags, empty values counting as unset', async () => {
    const bare = tempWorkdir();
    try {
      expect((await connectionOf([], {}, bare.dir)).connection).toBe(`sqlite:${path.join(bare.dir, 'aimdb.sqlite')}`);
      expect((await connectionOf([], { AIMDB_DATABASE_URL: `sqlite:///${bare.dir}/from-url.sqlite` }, bare.dir)).connection).toBe(`sqlite:${bare.dir}/from-url.sqlite`);
    } finally {
      bare.remove();
    }
    writeFileSync(path.join(workdir.dir, 'aimdb.config.yaml'), 'database:\n  backend: sqlite\n  path: from-config.sqlite\n');
    const fromFile = await connectionOf([], { AIMDB_DATABASE_URL: 'postgresql://ignored@127.0.0.1/ignored' });
    expect(fromFile.source).toBe('config-file');
    expect(fromFile.connection).toBe(`sqlite:${path.join(workdir.dir, 'from-config.sqlite')}`);
    const fromEnv = await connectionOf([], { AIMDB_DATABASE: 'from-env.sqlite' });
    expect(fromEnv.connection).toBe(`sqlite:${path.join(workdir.dir, 'from-env.sqlite')}`);
    expect(fromEnv.overrides).toEqual([{ field: 'database', source: 'environment', name: 'AIMDB_DATABASE' }]);
    const fromFlag = await connectionOf(['--database', 'from-flag.sqlite'], { AIMDB_DATABASE: 'from-env.sqlite' });
    expect(fromFlag.connection).toBe(`sqlite:${path.join(workdir.dir, 'from-flag.sqlite')}`);
    expect((await connectionOf(['--database', ''], { AIMDB_DATABASE: '' })).connection).toBe(`sqlite:${path.join(workdir.dir, 'from-config.sqlite')}`);
  });

  it('a flag choosing another backend replaces the detected connection instead of mixing with it', async () => {
    const chosen = await connectionOf(['--backend', 'postgresql', '--port', '1']);
    expect(chosen.connection).toBe('postgresql://postgres@127.0.0.1:1/aimdb');
  });
});

describe.each(serverBackends())('a config file with ${ENV} secrets on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  beforeAll(async () => {
    database = await backend.provision();
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('reads the connection from the environment, connects, and never prints the secret', async () => {
    const config = path.join(workdir.dir, 'prod.yaml');
    writeFileSync(config, 'database:\n  url: ${AIMDB_CLI_TEST_URL}\n  pool:\n    size: 3\n    maxOverflow: 2\n');
    const url = new URL(database.url);
    const env = { AIMDB_CLI_TEST_URL: database.url };
    const doctor = await runCli(['doctor', '--config', config], { cwd: workdir.dir, env });
    expect(doctor.stderr).toBe('');
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(new RegExp(`backend\\s+${backend.family}`));
    expect(doctor.stdout).toMatch(/pool\s+size 3, max overflow 2/);
    expect(doctor.stdout).toMatch(/ok\s+connection\s+connected \(/);
    expect(doctor.stdout).toMatch(/ok\s+schema\s+empty database/);
    const report = jsonOf(await runCli(['doctor', '--json', '--config', config], { cwd: workdir.dir, env }));
    expect(report).toMatchObject({ backend: backend.family, source: 'config-file', configFile: config, ok: true, pool: { size: 3, maxOverflow: 2 }, schemaVersion: null });
    expect(report.serverVersion).toMatch(/\d+\.\d+/);
    if (url.password !== '') expect(JSON.stringify(report)).not.toContain(url.password);
  });
});
