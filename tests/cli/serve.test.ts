/**
 * `aimdb serve` on every backend: it serves the database it is pointed at, other `aimdb` commands
 * work against it with `--url http://…`, Ctrl-C stops it cleanly, and a taken port is one clear line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createAiDatabase } from '../../src/index.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { AIMDB_BIN, closedPort, isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts `aimdb serve` and resolves once it prints the URL it listens on. */
function serve(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [AIMDB_BIN, 'serve', '--log-level', 'warn', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb serve on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  let served: Served | undefined;

  beforeAll(async () => {
    database = await backend.provision();
  });
  afterAll(async () => {
    if (served !== undefined && served.child.exitCode === null) served.child.kill('SIGTERM');
    await served?.exited;
    await database.drop();
    workdir.remove();
  });

  it('serves the database; the CLI works through it over HTTP; SIGINT stops it with exit code 0', async () => {
    const port = await closedPort();
    served = await serve(['--port', String(port), '--url', database.url], workdir.dir);
    expect(served.url).toBe(`http://127.0.0.1:${port}`);

    const demo = await runCli(['demo', '--quiet', '--url', served.url], { cwd: workdir.dir });
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    const runs = jsonOf(await runCli(['runs', 'list', '--json', '--url', served.url], { cwd: workdir.dir }));
    expect(runs.items.map((run: { name: string }) => run.name).sort()).toEqual(['vae-3d-training', 'vit-cad-training']);

    const db = await createAiDatabase({ url: database.url });
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
      const result = await runCli(['serve', '--port', String(port), '--log-level', 'silent', '--url', database.url], { cwd: workdir.dir });
      expect(result.code).toBe(EXIT_CODES.usage);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^aimdb: --port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
