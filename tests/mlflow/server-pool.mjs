// A pool of `aimdb serve` instances for MLflow's REST tests (tests/mlflow/aimdb_mlflow_plugin.py).
//
// MLflow's fixtures want a new server on an empty store for every test. Starting `aimdb serve` as a
// process per test costs a Node start-up and a module load each time (most of the CPU of the run);
// this one process serves them all instead: each server is the built package's startServer (what
// `aimdb serve` runs) on its own fresh database (a SQLite file, or a PostgreSQL / MySQL database of
// its own) and its own artifact folder, listening on its own port. The next servers are prepared
// while a test runs.
//
//   node tests/mlflow/server-pool.mjs sqlite|postgresql|mysql
//
// prints one line, {"control": "http://127.0.0.1:PORT"}, then answers on that loopback port:
//   POST /servers[?port=N]  -> {"id": "...", "url": "http://127.0.0.1:PORT"}   (a fresh server)
//   DELETE /servers/<id>    -> 204 (stops it and drops its database)
// PostgreSQL and MySQL take their admin URLs from AIMDB_TEST_POSTGRES_URL / AIMDB_TEST_MYSQL_URL; a
// backend that is not configured or not reachable ends the pool with exit code 2 before it prints.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startServer } = await import(path.join(repo, 'dist', 'server', 'serve.js'));

const backend = process.argv[2] ?? 'sqlite';
// Servers prepared ahead: a fresh MySQL database takes seconds of DDL, longer than many tests.
const prefetch = Math.max(0, Number(process.env.AIMDB_MLFLOW_PREFETCH ?? (backend === 'mysql' ? '3' : '1')));
const logLevel = process.env.AIMDB_MLFLOW_SERVER_LOG_LEVEL ?? 'warn';
const root = await mkdtemp(path.join(os.tmpdir(), `aimdb-mlflow-pool-${backend}-`));

function fail(message) {
  process.stderr.write(`server-pool: ${message}\n`);
  process.exit(2);
}

/** How fresh databases of the backend are made and dropped: { create(name) -> url, drop(name), close() }. */
async function databases() {
  if (backend === 'sqlite') {
    return {
      create: async (name) => `sqlite:///${path.join(root, `${name}.sqlite`)}`,
      drop: async (name) => {
        for (const suffix of ['', '-wal', '-shm']) await rm(path.join(root, `${name}.sqlite${suffix}`), { force: true });
      },
      close: async () => undefined,
    };
  }
  if (backend === 'postgresql') {
    const admin = process.env.AIMDB_TEST_POSTGRES_URL;
    if (!admin) fail('AIMDB_TEST_POSTGRES_URL is not set: PostgreSQL cannot be tested');
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: admin });
    await client.connect().catch((error) => fail(`PostgreSQL at ${admin} is not reachable: ${error.message}`));
    const urlOf = (name) => {
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return url.toString();
    };
    return {
      create: async (name) => {
        await client.query(`create database "${name}"`);
        return urlOf(name);
      },
      drop: (name) => client.query(`drop database if exists "${name}" with (force)`),
      close: () => client.end(),
    };
  }
  if (backend === 'mysql') {
    const admin = process.env.AIMDB_TEST_MYSQL_URL;
    if (!admin) fail('AIMDB_TEST_MYSQL_URL is not set: MySQL cannot be tested');
    const mysql = await import('mysql2/promise');
    const url = new URL(admin);
    const connection = await mysql
      .createConnection({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username || 'root'),
        password: decodeURIComponent(url.password),
      })
      .catch((error) => fail(`MySQL at ${admin} is not reachable: ${error.message}`));
    return {
      create: async (name) => {
        await connection.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
        const fresh = new URL(admin);
        fresh.pathname = `/${name}`;
        return fresh.toString();
      },
      drop: (name) => connection.query(`drop database if exists \`${name}\``),
      close: () => connection.end(),
    };
  }
  return fail(`unknown backend '${backend}' (sqlite, postgresql or mysql)`);
}

const store = await databases();
const running = new Map();
const stoppingAll = new Set();
let ready = [];

/** A fresh server: its own database, artifact folder and port (a given one, or any free one). */
async function startOne(port) {
  const name = `aimdb_mlflow_${randomBytes(6).toString('hex')}`;
  const url = await store.create(name);
  const artifacts = path.join(root, `${name}-artifacts`);
  try {
    // Port 0 unless MLflow's test asked for one: the server takes a free port and its URL names it
    // (a port probed free here could be taken before the server binds it).
    const server = await startServer({
      database: { url, artifacts: { url: artifacts } },
      server: { host: '127.0.0.1', port: port ?? 0, logLevel },
      handleSignals: false,
      env: {},
    });
    return { id: name, url: server.url, close: server.close, artifacts };
  } catch (error) {
    await store.drop(name).catch(() => undefined);
    throw error;
  }
}

async function stopOne(server) {
  try {
    await server.close();
  } finally {
    await store.drop(server.id);
    await rm(server.artifacts, { recursive: true, force: true });
  }
}

function refill() {
  while (ready.length < prefetch) {
    const starting = startOne();
    // A failure is reported to the test that takes this server.
    starting.catch(() => undefined);
    ready.push(starting);
  }
}

async function acquire(port) {
  const next = port === undefined ? (ready.shift() ?? startOne()) : startOne(port);
  refill();
  const server = await next;
  running.set(server.id, server);
  return { id: server.id, url: server.url };
}

const control = http.createServer((request, response) => {
  const answer = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const release = /^\/servers\/([a-z0-9_]+)$/.exec(request.url ?? '');
  const create = /^\/servers(?:\?port=([0-9]{1,5}))?$/.exec(request.url ?? '');
  if (request.method === 'POST' && create !== null) {
    acquire(create[1] === undefined ? undefined : Number(create[1])).then(
      (server) => answer(200, server),
      (error) => answer(500, { error: String(error?.stack ?? error) }),
    );
  } else if (request.method === 'DELETE' && release !== null) {
    const server = running.get(release[1]);
    running.delete(release[1]);
    if (server === undefined) return answer(404, { error: 'no such server' });
    // Stopped while the next test runs; a failure to stop is reported, not waited for.
    const stopping = stopOne(server).catch((error) => process.stderr.write(`server-pool: stopping ${server.id}: ${error?.stack ?? error}\n`));
    stoppingAll.add(stopping);
    stopping.finally(() => stoppingAll.delete(stopping));
    answer(202);
  } else {
    answer(404, { error: 'POST /servers or DELETE /servers/<id>' });
  }
  request.resume();
});

async function shutdown() {
  control.close();
  const pending = await Promise.allSettled(ready);
  ready = [];
  const servers = [...running.values(), ...pending.filter((item) => item.status === 'fulfilled').map((item) => item.value)];
  running.clear();
  await Promise.allSettled([...servers.map(stopOne), ...stoppingAll]);
  await store.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The plugin closes stdin when pytest ends (or dies): then the pool cleans up and exits.
process.stdin.on('end', shutdown);
process.stdin.resume();

refill();
control.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ control: `http://127.0.0.1:${control.address().port}` })}\n`);
});
