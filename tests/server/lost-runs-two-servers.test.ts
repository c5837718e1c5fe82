/**
 * Crash detection without a daemon (docs/decisions/1200-heartbeats-and-lost-runs.md): two servers,
 * each with its own pool, over one PostgreSQL or MySQL database. A run kept alive through one
 * server (by aimdb's heartbeat and by MLflow's metric and parameter calls) stays running for both;
 * once silent past its window, readers on both servers at once see it ended `failed` by one write.
 */
import { describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { serverBackends } from '../support/backends.js';
import { explainWhenNoServerBackends } from '../support/fixtures.js';
import { startAppOn } from './support/test-server.js';

const T0 = Date.UTC(2026, 10, 27, 13, 0, 0, 0);
const MINUTE = 60_000;

explainWhenNoServerBackends(serverBackends(), 'lost runs with two servers');

describe.each(serverBackends())('lost runs with two servers on one $name database', (backend) => {
  it('agree on when a run is alive and end a lost one once', async () => {
    const provisioned = await backend.provision();
    let clock = T0;
    const now = () => clock;
    const servers = [await startAppOn(provisioned.url, {}, { now }), await startAppOn(provisioned.url, {}, { now })];
    try {
      const [a, b] = servers.map((server) => createHttpAiDatabase({ url: server.url })) as [ReturnType<typeof createHttpAiDatabase>, ReturnType<typeof createHttpAiDatabase>];
      const mlflow = async (endpoint: string, body: unknown) => {
        const answer = await fetch(`${servers[1]!.url}/api/2.0/mlflow/${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(answer.status).toBe(200);
      };
      const run = await a.createTrainingRun({ name: 'shared', heartbeatTimeoutMs: MINUTE });
      clock = T0 + 50_000;
      await mlflow('runs/log-metric', { run_id: String(run.id), key: 'loss', value: 0.5, timestamp: clock, step: 1 });
      clock = T0 + 100_000;
      await mlflow('runs/log-parameter', { run_id: String(run.id), key: 'lr', value: '0.1' });
      clock = T0 + 150_000;
      await b.heartbeat(run.id);
      clock = T0 + 200_000;
      expect((await a.getTrainingRun(run.id)).status).toBe('running');
      expect((await a.listTrainingRuns()).items.map((item) => item.status)).toEqual(['running']);

      clock = T0 + 150_000 + MINUTE + 1;
      const reads = await Promise.all(
        Array.from({ length: 12 }, (_unused, index) => {
          const client = index % 2 === 0 ? a : b;
          return index % 3 === 0 ? client.listTrainingRuns().then((page) => page.items[0]!) : client.getTrainingRun(run.id);
        }),
      );
      for (const read of reads) {
        expect(read).toMatchObject({ status: 'failed', error: `heartbeat lost at ${new Date(T0 + 150_000).toISOString()} (no sign of life for 1 min)` });
        expect(read.updatedAt).toEqual(reads[0]!.updatedAt);
      }
      expect((await b.getStatistics()).runsByStatus).toMatchObject({ failed: 1 });
    } finally {
      for (const server of servers) await server.close();
      await provisioned.drop();
    }
  });
});
