/**
 * A second MariaDB server for one test file: its own temporary data folder, a free loopback port and
 * the sql_mode the test asks for, started by PID and stopped by PID. It never reads the machine's
 * my.cnf (`--no-defaults`), so it cannot touch the shared server's files. Starting it either works or
 * throws with the server's own log: a test that needs it is never skipped.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { provisionMysql, type TestBackend } from '../../support/backends.js';
import { closedPort } from '../../cli/run-cli.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 90_000;

export interface SpareMariadb {
  /** Admin URL (root, no password) of the spare server. */
  adminUrl: string;
  /** A TestBackend whose databases live on the spare server. */
  backend: TestBackend;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `mariadbd` with the given sql_mode; throws (with its log) when it cannot. */
export async function startSpareMariadb(sqlMode: string): Promise<SpareMariadb> {
  const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-spare-mariadb-'));
  const datadir = path.join(folder, 'data');
  const logFile = path.join(folder, 'error.log');
  const runAsRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '(no log)');
  try {
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...runAsRoot,
    ], { timeout: START_TIMEOUT_MS });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed, so the NO_BACKSLASH_ESCAPES server cannot start: ${(error as Error).message}`);
  }
  const port = await closedPort();
  const child = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(folder, 'mariadb.sock')}`,
      `--pid-file=${path.join(folder, 'mariadb.pid')}`,
      `--log-error=${logFile}`,
      `--sql-mode=${sqlMode}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      ...runAsRoot,
    ],
    { stdio: 'ignore' },
  );
  const adminUrl = `mysql://root@127.0.0.1:${port}/mysql`;
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killLater = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited(child);
      clearTimeout(killLater);
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const text = log();
      await stop();
      throw new Error(`mariadbd exited at start (code ${child.exitCode}):\n${text}`);
    }
    try {
      const connection = await mysql.createConnection({ uri: adminUrl, connectTimeout: 2000 });
      const [rows] = await connection.query('select @@global.sql_mode as mode');
      await connection.end();
      const mode = String((rows as Array<{ mode: string }>)[0]?.mode);
      if (!sqlMode.split(',').every((item) => mode.split(',').includes(item))) {
        await stop();
        throw new Error(`the spare mariadbd runs with sql_mode '${mode}', not '${sqlMode}'`);
      }
      break;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('the spare mariadbd')) throw error;
      if (Date.now() > deadline) {
        const text = log();
        await stop();
        throw new Error(`mariadbd did not accept connections within ${START_TIMEOUT_MS} ms:\n${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    adminUrl,
    backend: { name: 'mysql', family: 'mysql', provision: () => provisionMysql(adminUrl) },
    stop,
  };
}
