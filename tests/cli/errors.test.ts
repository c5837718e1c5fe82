/**
 * Failures as a user meets them: one line on stderr naming the option, what was expected and what
 * to try; the documented exit code; a stack trace only with --debug. Connection failures are
 * provoked on real servers: a closed port, a wrong password, a user or database that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { serverBackends, type ProvisionedDatabase } from '../support/backends.js';
import { runCli, tempWorkdir, type CliResult } from './run-cli.js';
import { refusedPort } from '../support/ports.js';

/** Exactly one line on stderr, no stack frames, nothing on stdout. */
function expectOneLineError(result: CliResult, code: number, ...fragments: Array<string | RegExp>): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^aimdb: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
  for (const fragment of fragments) expect(lines[0]).toMatch(fragment);
}

describe('aimdb errors without a database server', () => {
  const workdir = tempWorkdir();
  afterAll(() => workdir.remove());

  it('documents every exit code in --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    for (const code of Object.values(EXIT_CODES)) expect(result.stdout).toMatch(new RegExp(`^  ${code} +\\w`, 'm'));
  });

  it('rejects an unknown backend naming --backend and the choices', async () => {
    expectOneLineError(await runCli(['stats', '--backend', 'oracle'], { cwd: workdir.dir }), EXIT_CODES.usage, /--backend/, /sqlite, postgresql, mysql/, /try --backend postgresql/);
  });

  it('rejects an unknown url scheme naming --url', async () => {
    expectOneLineError(await runCli(['stats', '--url', 'oracle://db.example/x'], { cwd: workdir.dir }), EXIT_CODES.usage, /^aimdb: --url: unknown scheme 'oracle'/, /expected sqlite:, postgresql:, mysql:/);
  });

  it('rejects a port that is not one, and a limit of 0', async () => {
    expectOneLineError(await runCli(['demo', '--backend', 'postgresql', '--port', 'abc'], { cwd: workdir.dir }), EXIT_CODES.usage, /--port/, /1 to 65535/);
    // serve listens: 0 (any free port) is one, 65536 is not.
    expectOneLineError(await runCli(['serve', '--port', '65536'], { cwd: workdir.dir }), EXIT_CODES.usage, /--port/, /0 to 65535/);
    expectOneLineError(await runCli(['runs', 'list', '--limit', '0'], { cwd: workdir.dir }), EXIT_CODES.usage, /--limit/, /positive integer/);
  });

  it('rejects unknown commands and options with a suggestion', async () => {
    expectOneLineError(await runCli(['modles', 'list'], { cwd: workdir.dir }), EXIT_CODES.usage, /unknown command 'modles'/, /Did you mean models\?/);
    expectOneLineError(await runCli(['stats', '--frobnicate'], { cwd: workdir.dir }), EXIT_CODES.usage, /unknown option '--frobnicate'/);
  });

  it('an aimdb server that cannot be reached: exit 4, one line naming the url', async () => {
    for (const url of ['http://127.0.0.1:1', `http://127.0.0.1:${await refusedPort()}`]) {
      expectOneLineError(await runCli(['--url', url, 'stats'], { cwd: workdir.dir }), EXIT_CODES.connection, /cannot connect/, /could not be reached/, /--url/);
    }
  });

  it('reports an invalid config file, a missing one and an unset ${ENV} with exit code 3', async () => {
    const bad = path.join(workdir.dir, 'bad.yaml');
    writeFileSync(bad, 'database:\n  backend: oracle\n');
    expectOneLineError(await runCli(['stats', '--config', bad], { cwd: workdir.dir }), EXIT_CODES.config, /bad\.yaml\.database\.backend: must be one of/);
    const unset = path.join(workdir.dir, 'unset.yaml');
    writeFileSync(unset, 'database:\n  url: postgresql://aimdb:${AIMDB_CLI_TEST_UNSET}@127.0.0.1/aimdb\n');
    expectOneLineError(await runCli(['stats', '--config', unset], { cwd: workdir.dir }), EXIT_CODES.config, /AIMDB_CLI_TEST_UNSET is not set/, /\$\{NAME:-value\}/);
    expectOneLineError(await runCli(['stats'], { cwd: workdir.dir, env: { AIMDB_CONFIG: path.join(workdir.dir, 'missing.yaml') } }), EXIT_CODES.config, /missing\.yaml cannot be read/);
  });

  it('reports what does not exist with exit code 5 and the list command to use', async () => {
    const url = `sqlite:///${path.join(workdir.dir, 'empty.sqlite')}`;
    expect((await runCli(['migrate', 'up', '--url', url], { cwd: workdir.dir })).code).toBe(0);
    expectOneLineError(await runCli(['runs', 'show', '42', '--url', url], { cwd: workdir.dir }), EXIT_CODES.notFound, /training run #42 was not found/, /aimdb runs list/);
    expectOneLineError(await runCli(['models', 'show', 'NoSuchModel', '--url', url], { cwd: workdir.dir }), EXIT_CODES.notFound, /model 'NoSuchModel' was not found/);
  });

  it('never creates a SQLite file for a command that only reads: exit 4 naming the expected file', async () => {
    const typo = path.join(workdir.dir, 'tpyo.sqlite');
    const url = `sqlite:///${typo}`;
    const commands = [
      ['stats', '--url', url],
      ['models', 'list', '--url', url],
      ['runs', 'show', '1', '--url', url],
      ['metrics', '1', 'loss', '--url', url],
      ['migrate', 'status', '--url', url],
      ['export', '--from', url, '--to', path.join(workdir.dir, 'out.aimdb')],
    ];
    for (const args of commands) {
      const result = await runCli(args, { cwd: workdir.dir });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).not.toBe(0);
      expect(result.stderr, args.join(' ')).toContain(typo);
      expect(result.stderr, args.join(' ')).not.toMatch(/createdb|CREATE DATABASE/);
      expect(existsSync(typo), `${args.join(' ')} created ${typo}`).toBe(false);
    }
    expectOneLineError(await runCli(['stats', '--url', url], { cwd: workdir.dir }), EXIT_CODES.connection, /SQLite database file .*tpyo\.sqlite does not exist/, /check the path/);
    // doctor reports the missing file as a finding (exit 0) and does not create it either.
    expect((await runCli(['doctor', '--url', url], { cwd: workdir.dir })).stdout).toMatch(/SQLite file does not exist yet/);
    expect(existsSync(typo)).toBe(false);
  }, 180_000);

  it('a SQLite file in a folder that does not exist: names the folder, never suggests createdb', async () => {
    const folder = path.join(workdir.dir, 'no-such-folder');
    const result = await runCli(['migrate', 'up', '--url', `sqlite:///${path.join(folder, 'db.sqlite')}`], { cwd: workdir.dir });
    expectOneLineError(result, EXIT_CODES.connection, new RegExp(`its folder ${folder.replace(/[/\\.]/g, '\\$&')} does not exist`), /check the path/);
    expect(result.stderr).not.toMatch(/createdb|CREATE DATABASE/);
    expect(existsSync(folder)).toBe(false);
  });
});

describe.each(serverBackends())('aimdb connection failures on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  let url: URL;

  beforeAll(async () => {
    database = await backend.provision();
    url = new URL(database.url);
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('a closed port on 127.0.0.1: exit 4, one line naming --host/--port; the stack only with --debug', async () => {
    const port = await refusedPort();
    const args = ['stats', '--backend', backend.family, '--host', '127.0.0.1', '--port', String(port), '--database', 'aimdb'];
    const result = await runCli(args, { cwd: workdir.dir });
    expectOneLineError(result, EXIT_CODES.connection, /cannot connect/, /unreachable/, new RegExp(`127\\.0\\.0\\.1:${port}`), /--host and --port/);
    const debug = await runCli([...args, '--debug'], { cwd: workdir.dir });
    expect(debug.code, debug.stderr).toBe(EXIT_CODES.connection);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).toContain('caused by:');
  });

  it('a database that does not exist: exit 4, saying to create it', async () => {
    const missing = new URL(database.url);
    missing.pathname = `/aimdb_missing_${randomBytes(4).toString('hex')}`;
    expectOneLineError(await runCli(['stats', '--url', missing.toString()], { cwd: workdir.dir }), EXIT_CODES.connection, /database does not exist/, /CREATE DATABASE/);
  });

  it('a user that does not exist: exit 4, naming --user and --password', async () => {
    const stranger = new URL(database.url);
    stranger.username = `nobody_${randomBytes(3).toString('hex')}`;
    stranger.password = 'not-the-password';
    const result = await runCli(['stats', '--url', stranger.toString()], { cwd: workdir.dir });
    expectOneLineError(result, EXIT_CODES.connection, /rejected the user name or password/, /--user and --password/);
    expect(result.stderr).not.toContain('not-the-password');
  });

  if (backend.family === 'mysql') {
    describe('with a MySQL user that has a password', () => {
      const user = `aimdb_cli_${randomBytes(3).toString('hex')}`;
      const password = `pw-${randomBytes(6).toString('hex')}`;
      const admin = () => mysql.createConnection(process.env.AIMDB_TEST_MYSQL_URL!);

      beforeAll(async () => {
        const connection = await admin();
        try {
          await connection.query(`create user ?@'%' identified by ?`, [user, password]);
          await connection.query(`grant all on \`${url.pathname.slice(1)}\`.* to ?@'%'`, [user]);
        } finally {
          await connection.end();
        }
      });
      afterAll(async () => {
        const connection = await admin();
        try {
          await connection.query(`drop user if exists ?@'%'`, [user]);
        } finally {
          await connection.end();
        }
      });

      const flags = () => ['--backend', 'mysql', '--host', url.hostname, '--port', url.port || '3306', '--database', url.pathname.slice(1), '--user', user];

      it('takes the password from AIMDB_PASSWORD and connects', async () => {
        const result = await runCli(['stats', '--json', ...flags()], { cwd: workdir.dir, env: { AIMDB_PASSWORD: password } });
        expect(result.stderr).toBe('');
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout).counts.models).toBe(0);
      });

      it('a wrong password: exit 4, one line, the password never printed', async () => {
        const result = await runCli(['stats', ...flags(), '--password', 'wrong-password'], { cwd: workdir.dir });
        expectOneLineError(result, EXIT_CODES.connection, /mysql rejected the user name or password/, new RegExp(`mysql://${user}:\\*\\*\\*@`));
        expect(result.stderr).not.toContain('wrong-password');
      });

      it('the flag wins over the environment', async () => {
        const result = await runCli(['stats', ...flags(), '--password', 'wrong-password'], { cwd: workdir.dir, env: { AIMDB_PASSWORD: password } });
        expect(result.code, result.stderr).toBe(EXIT_CODES.connection);
      });
    });
  }
});
