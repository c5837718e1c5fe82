/**
 * Graceful shutdown: a server process told to stop (SIGTERM) while a large metric batch is on its
 * way finishes that request, stores every point, answers it, closes its pool and exits 0; after
 * that, nothing listens any more.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { openSqlDatabase } from '../../src/database/open.js';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer } from './support/test-server.js';

const SERVE_PROCESS = fileURLToPath(new URL('./support/serve-process.ts', import.meta.url));

interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the first log line the predicate accepts. */
  waitForLog(predicate: (entry: Record<string, any>) => boolean): Promise<Record<string, any>>;
  exited: Promise<number | null>;
  logs: Array<Record<string, any>>;
}

async function spawnServer(databaseUrl: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_PROCESS, databaseUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AIMDB_SERVER_TOKENS: '' },
  });
  const logs: Array<Record<string, any>> = [];
  const waiters: Array<{ predicate: (entry: Record<string, any>) => boolean; resolve: (entry: Record<string, any>) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: Record<string, any>;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    logs.push(entry);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(entry)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLog = (predicate: (entry: Record<string, any>) => boolean) => {
    const seen = logs.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<Record<string, any>>((resolve, reject) => {
      waiters.push({ predicate, resolve });
      void exited.then((code) => reject(new Error(`server process exited (${code}) before the expected log line`)));
    });
  };
  const listening = await waitForLog((entry) => entry.msg === 'aimdb server listening');
  return { child, url: listening.url as string, waitForLog, exited, logs };
}

describe.each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))('graceful shutdown on $name', (backend) => {
  it('finishes an accepted metric batch on SIGTERM, stores all of it, then stops listening', async () => {
    const provisioned = await backend.provision();
    try {
      const server = await spawnServer(provisioned.url);
      const client = createHttpAiDatabase({ url: server.url, retries: 0 });
      const run = await client.createTrainingRun({ name: 'interrupted' });
      const points = Array.from({ length: 5_000 }, (_unused, step) => ({ name: 'loss', value: 1 / (step + 1), step }));

      const answer = fetch(`${server.url}/api/v1/runs/${run.id}/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ points }),
      });
      await server.waitForLog((entry) => entry.msg === 'incoming request' && entry.req?.url === `/api/v1/runs/${run.id}/metrics`);
      server.child.kill('SIGTERM');

      const response = await answer;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ written: 5_000 });
      expect(await server.exited).toBe(0);
      expect(server.logs.some((entry) => entry.msg === 'shut down cleanly')).toBe(true);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

      const direct = await openSqlDatabase({ url: provisioned.url });
      try {
        const [summary] = await direct.getMetricSummaries(run.id);
        expect(summary).toMatchObject({ count: 5_000, lastStep: 4_999 });
        expect(await direct.getMetrics(run.id)).toHaveLength(5_000);
      } finally {
        await direct.close();
      }
    } finally {
      await provisioned.drop();
    }
    // A process start plus a 5,000-point batch: generous room on a loaded machine; nothing is timed.
  }, 300_000);
});

/**
 * 'closed' once every promise settles, 'held open' after 30 s: far below the timeouts (72 s, 120 s)
 * that would otherwise end a connection a closing server keeps, far above what closing needs.
 */
function closedOrHeldOpen(...closing: Array<Promise<unknown>>): Promise<'closed' | 'held open'> {
  return Promise.race([
    Promise.all(closing).then(() => 'closed' as const),
    new Promise<'held open'>((resolve) => setTimeout(() => resolve('held open'), 30_000).unref()),
  ]);
}

describe.each(testBackends())('closing with a request in flight on $name', (backend) => {
  it('answers it with connection: close, so its keep-alive connection cannot hold the process open', async () => {
    const server = await startTestServer(backend);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const run = await server.db.createTrainingRun();
      const arrived = once(server.app.server, 'request');
      const request = http.request(`${server.url}/api/v1/runs/${run.id}/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        agent,
      });
      const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
      // Half a body: the request has arrived and stays in flight until the rest is sent.
      request.write('{"points":[');
      await arrived;
      const closed = server.close();
      request.end('{"name":"loss","value":1,"step":0}]}');
      const [response] = await answered;
      response.resume();
      expect(response.statusCode).toBe(200);
      expect(response.headers.connection).toBe('close');
      await closed;
    } finally {
      agent.destroy();
    }
  });
  it('closes the connection of a streamed answer that began before closing, once the answer ends', async () => {
    const server = await startTestServer(backend);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const run = await server.db.createTrainingRun();
      const points = Array.from({ length: 120_000 }, (_unused, step) => ({ name: 'loss', value: step / 7, step }));
      for (let start = 0; start < points.length; start += 20_000) await server.db.logMetrics(run.id, points.slice(start, start + 20_000));
      // Longer than one page of points, so the answer is streamed; unread, it cannot end yet.
      const request = http.get(`${server.url}/api/v1/runs/${run.id}/metrics`, { agent });
      const [response] = (await once(request, 'response')) as [http.IncomingMessage];
      response.pause();
      expect(response.headers.connection).not.toBe('close');
      const closed = server.close();
      // Lets closing begin (and its sweep run) while the answer is still unfinished.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const socketClosed = once(response.socket, 'close');
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toHaveLength(120_000);
      // Fastify keeps an idle keep-alive connection for 72 s.
      expect(await closedOrHeldOpen(closed, socketClosed)).toBe('closed');
    } finally {
      agent.destroy();
    }
  }, 120_000);

  it('closes a connection that never sent a request (a browser opens spare ones), so it cannot hold closing open', async () => {
    const server = await startTestServer(backend);
    const { port } = new URL(server.url);
    const spare = net.connect(Number(port), '127.0.0.1');
    await once(spare, 'connect');
    // The server has accepted it (it answers a request on another connection only afterwards).
    await call(server.url, 'GET', '/healthz');
    const spareClosed = once(spare, 'close');
    // Node ends such a connection after its headers timeout only while listening; after that, only
    // the connection's idle timeout (120 s) would.
    expect(await closedOrHeldOpen(server.close(), spareClosed)).toBe('closed');
  }, 120_000);
});
