/**
 * A second MariaDB server for one test file: its own temporary data folder, a loopback port of its
 * own and the sql_mode the test asks for, started by PID and stopped by PID. It never reads the machine's
 * my.cnf (`--no-defaults`) and keeps its temporary files in its own folder, so it cannot touch the
 * shared server's files. Starting it either works or throws with the server's own log: a test that
 * needs it is never skipped.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { provisionMysql, type TestBackend } from '../../support/backends.js';
import { startOnClaimedPort } from '../../support/ports.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 90_000;

export interface SpareMariadb {
  /** Admin URL (root, no password) of the spare server. */
  adminUrl: string;
  /** A TestBackend whose databases live on the spare server. */
  backend: TestBackend;
  stop(): Promise<void>;
}

/** The port was in use: mariadbd could not bind it, or another server answers on it. */
class PortTaken extends Error {
  constructor(port: number) {
    super(`port ${port} is taken`);
  }
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
  // A MariaDB server deletes every '#sql*' file in its tmpdir when it starts (install-db's bootstrap
  // too), taking them for its own leftovers. In the shared /tmp those are the shared server's temporary
  // tables in use: its queries then fail with "Error on delete of '/tmp/#sql-temptable-…'", or it crashes.
  const ownTmpdir = path.join(folder, 'tmp');
  mkdirSync(ownTmpdir);
  const runAsRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  try {
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--tmpdir=${ownTmpdir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...runAsRoot,
    ], { timeout: START_TIMEOUT_MS });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed, so the NO_BACKSLASH_ESCAPES server cannot start: ${(error as Error).message}`);
  }
  const killChild = async (child: ChildProcess) => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killLater = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited(child);
      clearTimeout(killLater);
    }
  };
  // mariadbd cannot be told to take any free port (--port=0 means its default, 3306), so the port is
  // claimed by starting on one and starting again on another only when that one was taken.
  const launch = async (port: number) => {
    const logFile = path.join(folder, `error-${port}.log`);
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '(no log)');
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--tmpdir=${ownTmpdir}`,
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
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const text = log();
        if (/Address already in use|Bind on TCP\/IP port/i.test(text)) throw new PortTaken(port);
        throw new Error(`mariadbd exited at start (code ${child.exitCode}):\n${text}`);
      }
      let answer: { mode: string; datadir: string } | undefined;
      try {
        const connection = await mysql.createConnection({ uri: adminUrl, connectTimeout: 2000 });
        const [rows] = await connection.query('select @@global.sql_mode as mode, @@datadir as datadir');
        await connection.end();
        answer = (rows as Array<{ mode: string; datadir: string }>)[0];
      } catch (error) {
        if (Date.now() > deadline) {
          const text = log();
          await killChild(child);
          throw new Error(`mariadbd did not accept connections within ${START_TIMEOUT_MS} ms (${(error as Error).message}):\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      // Another server answering on the port (it took it first) is not this one.
      if (path.resolve(String(answer?.datadir)) !== path.resolve(datadir)) {
        await killChild(child);
        throw new PortTaken(port);
      }
      const mode = String(answer?.mode);
      if (!sqlMode.split(',').every((item) => mode.split(',').includes(item))) {
        await killChild(child);
        throw new Error(`the spare mariadbd runs with sql_mode '${mode}', not '${sqlMode}'`);
      }
      return { child, adminUrl };
    }
  };
  let claimed: Awaited<ReturnType<typeof startOnClaimedPort<Awaited<ReturnType<typeof launch>>>>>;
  try {
    claimed = await startOnClaimedPort(launch, (error) => error instanceof PortTaken);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  const { child, adminUrl } = claimed.started;
  const stop = async () => {
    await killChild(child);
    claimed.release();
    rmSync(folder, { recursive: true, force: true });
  };
  return {
    adminUrl,
    backend: { name: 'mysql', family: 'mysql', provision: () => provisionMysql(adminUrl) },
    stop,
  };
}
