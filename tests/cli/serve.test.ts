/**
 * `aimdb serve` on every backend: it serves the database it is pointed at, other `aimdb` commands
 * work against it with `--url http://…`, Ctrl-C stops it cleanly, and a taken port is one clear line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { rawRequest } from '../server/support/raw-http.js';
import { createAiDatabase } from '../../src/index.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { testBackends, type ProvisionedDatabase, type TestBackend } from '../support/backends.js';
import { AIMDB_BIN, isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts `aimdb serve` and resolves once it prints the URL it listens on. */
function serve(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [AIMDB_BIN, 'serve', '--log-level', 'warn', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /aimdb serving (http:\/\/\S+)/.exec(stdout);
      if (match !== null) resolve({ child, url: match[1]!, exited });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`aimdb serve exited with ${code}: ${stderr}`)));
  });
}

/** A fresh database on the backend and a work folder for one describe block; a server left running is stopped. */
function serveFixture(backend: TestBackend): { workdir: { dir: string }; database: ProvisionedDatabase; served: Served | undefined } {
  const fixture = { workdir: tempWorkdir(), database: undefined as unknown as ProvisionedDatabase, served: undefined as Served | undefined };
  beforeAll(async () => {
    fixture.database = await backend.provision();
  });
  afterAll(async () => {
    const { served } = fixture;
    if (served !== undefined && served.child.exitCode === null) served.child.kill('SIGTERM');
    await served?.exited;
    await fixture.database.drop();
    fixture.workdir.remove();
  });
  return fixture;
}

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb serve on $name', (backend) => {
  const fixture = serveFixture(backend);

  it('serves the database; the CLI works through it over HTTP; SIGINT stops it with exit code 0', async () => {
    // Port 0: the server takes any free port and the URL it prints names it (a port picked here and
    // passed in could be taken by another test file before the server binds it).
    const served = await serve(['--port', '0', '--url', fixture.database.url], fixture.workdir.dir);
    fixture.served = served;
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);

    const demo = await runCli(['demo', '--quiet', '--url', served.url], { cwd: fixture.workdir.dir });
    expect(demo.stderr).toBe('');
    expect(demo.code, demo.stderr).toBe(0);
    const runs = jsonOf(await runCli(['runs', 'list', '--json', '--url', served.url], { cwd: fixture.workdir.dir }));
    expect(runs.items.map((run: { name: string }) => run.name).sort()).toEqual(['vae-3d-training', 'vit-cad-training']);

    const db = await createAiDatabase({ url: fixture.database.url });
    try {
      expect((await db.getStatistics()).counts).toMatchObject({ models: 3, trainingRuns: 2, metricPoints: 20, predictions: 5 });
    } finally {
      await db.close();
    }

    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
  });

  it('a port already taken: exit 2 with one line naming --port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const result = await runCli(['serve', '--port', String(port), '--log-level', 'silent', '--url', fixture.database.url], { cwd: fixture.workdir.dir });
      expect(result.code, result.stderr).toBe(EXIT_CODES.usage);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^aimdb: --port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe.each(testBackends().filter((backend) => isPersistent(backend.name)).slice(0, 1))('aimdb serve browser-safety settings on $name', (backend) => {
  const fixture = serveFixture(backend);

  it('layers config file < environment < flags for allowed hosts, CORS origins and framing', async () => {
    writeFileSync(
      path.join(fixture.workdir.dir, 'aimdb.config.yaml'),
      `database:\n  url: ${fixture.database.url}\nserver:\n  allowedHosts: [file.test]\n  xFrameOptions: NONE\n  corsAllowedOrigins: [https://file.example]\n`,
    );
    const served = await serve(
      ['--port', '0', '--allowed-hosts', 'flag.test', '--allowed-hosts', '*.flag.example', '--x-frame-options', 'DENY'],
      fixture.workdir.dir,
      { AIMDB_SERVER_CORS_ALLOWED_ORIGINS: 'https://env.example' },
    );
    fixture.served = served;
    const { port } = new URL(served.url);
    const get = (host: string) => rawRequest(served.url, { path: '/api/v1/models', headers: { host } });
    expect((await get('flag.test')).status).toBe(200);
    expect((await get(`a.flag.example:${port}`)).status).toBe(200);
    expect((await get(`127.0.0.1:${port}`)).status).toBe(200);
    // A flag's list replaces the config file's.
    expect((await get('file.test')).status).toBe(403);
    const refused = await get('127.0.0.1.evil.example');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', field: 'host' });
    expect(refused.headers['x-frame-options']).toBe('DENY');

    const preflight = (origin: string) =>
      rawRequest(served.url, { method: 'OPTIONS', path: '/api/v1/models', headers: { origin, 'access-control-request-method': 'POST' } });
    // The environment's list replaces the config file's.
    const fromEnv = await preflight('https://env.example');
    expect(fromEnv.status).toBe(204);
    expect(fromEnv.headers['access-control-allow-origin']).toBe('https://env.example');
    expect((await preflight('https://file.example')).status).toBe(403);
    expect((await preflight('https://evil.example')).status).toBe(403);

    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
  });

  it('a malformed --allowed-hosts or --cors-allowed-origins stops serve with a message naming it', async () => {
    const hosts = await runCli(['serve', '--allowed-hosts', 'http://evil.example/', '--log-level', 'silent', '--url', fixture.database.url], { cwd: fixture.workdir.dir });
    expect(hosts.code, hosts.stderr).not.toBe(0);
    expect(hosts.stderr).toMatch(/server\.allowedHosts\.0: 'http:\/\/evil\.example\/' is not a host pattern/);
    const origins = await runCli(['serve', '--cors-allowed-origins', 'app.example.com', '--log-level', 'silent', '--url', fixture.database.url], {
      cwd: fixture.workdir.dir,
    });
    expect(origins.code, origins.stderr).not.toBe(0);
    expect(origins.stderr).toMatch(/server\.corsAllowedOrigins\.0: 'app\.example\.com' is not an origin/);
  });
});

