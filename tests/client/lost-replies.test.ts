/**
 * Issue #11 item 4: a reply lost after the server stored a request must not make the client's retry
 * store it twice or report a failure that did not happen. A TCP proxy cuts the connection after the
 * server's first reply bytes; retries go to a second server on the same database, so what the
 * server remembers has to live in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { BackendError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import type { AiDatabase } from '../../src/store/ai-database.js';
import { testBackends } from '../support/backends.js';
import { startReplyCuttingProxy, type ReplyCuttingProxy } from '../support/reply-cutting-proxy.js';
import { startAppOn, startTestServer, type TestServer } from '../server/support/test-server.js';

describe.each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))('lost replies over $name', (backend) => {
  let first: TestServer;
  let second: Awaited<ReturnType<typeof startAppOn>>;
  let proxy: ReplyCuttingProxy;
  let db: AiDatabase;

  beforeAll(async () => {
    first = await startTestServer(backend);
    second = await startAppOn(first.databaseUrl);
    proxy = await startReplyCuttingProxy([first.url, second.url]);
    db = createHttpAiDatabase({ url: proxy.url, retries: 3 });
  });
  afterAll(async () => {
    await db?.close();
    await proxy?.close();
    await second?.close();
    await first?.close();
  });

  it('stores a batch with omitted steps once when its reply was lost after the server stored it', async () => {
    const run = await db.createTrainingRun();
    proxy.cutNextReplies(1);
    const result = await db.logMetrics(run.id, [
      { name: 'loss', value: 0.5 },
      { name: 'loss', value: 0.25 },
    ]);
    expect(proxy.cuts()).toBeGreaterThanOrEqual(1);
    expect(result.written).toBe(2);
    const stored = await first.db.getMetrics(run.id);
    expect(stored.map((point) => [point.step, point.value])).toEqual([
      [0, 0.5],
      [1, 0.25],
    ]);
    expect((await first.db.getMetricSummaries(run.id))[0]?.count).toBe(2);
    // The retry was answered by the other server: the receipt lives in the database.
    expect(Math.min(...proxy.connectionsPerUpstream())).toBeGreaterThan(0);
  });

  it('answers a re-sent batch id from the receipt on any server, and appends a new id', async () => {
    const run = await first.db.createTrainingRun();
    const batch = [{ name: 'acc', value: 0.1 }, { name: 'acc', value: 0.2 }, { name: 'lr', value: 3 }];
    expect(await first.db.logMetrics(run.id, batch, { batchId: 'batch-1' })).toEqual({ written: 3 });
    expect(await second.db.logMetrics(run.id, batch, { batchId: 'batch-1' })).toEqual({ written: 3 });
    expect(await first.db.getMetrics(run.id)).toHaveLength(3);
    await second.db.logMetrics(run.id, batch, { batchId: 'batch-2' });
    expect((await first.db.getMetrics(run.id, { name: 'acc' })).map((point) => point.step)).toEqual([0, 1, 2, 3]);
    // A batch id belongs to its run.
    const other = await first.db.createTrainingRun();
    expect(await first.db.logMetrics(other.id, batch, { batchId: 'batch-1' })).toEqual({ written: 3 });
    expect(await first.db.getMetrics(other.id)).toHaveLength(3);
    // Receipts go with their run.
    await first.db.deleteTrainingRun(run.id);
    const again = await first.db.createTrainingRun();
    expect(await first.db.logMetrics(again.id, batch, { batchId: 'batch-2' })).toEqual({ written: 3 });
  });

  it('refuses a malformed batch id, naming it', async () => {
    const run = await db.createTrainingRun();
    const refused = await db.logMetrics(run.id, [{ name: 'loss', value: 1 }], { batchId: 'no spaces' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).message).toMatch(/batchId/);
    await expect(first.db.logMetrics(run.id, [{ name: 'loss', value: 1 }], { batchId: 'x'.repeat(65) })).rejects.toThrow(/batchId.*64/);
    expect(await first.db.getMetrics(run.id)).toEqual([]);
  });

  it('reports a delete whose reply was lost as done, not NotFound', async () => {
    const model = await db.createModel({ name: `lost-delete-${backend.name}` });
    proxy.cutNextReplies(1);
    await expect(db.deleteModel(model.id)).resolves.toBeUndefined();
    await expect(first.db.getModel(model.id)).rejects.toBeInstanceOf(NotFoundError);
    // Without a lost reply, deleting what is not there is still NotFound.
    await expect(db.deleteModel(model.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('does not re-send a create whose reply was lost, so it is never stored twice', async () => {
    proxy.cutNextReplies(1);
    const name = `lost-create-${backend.name}`;
    const failure = await db.createModel({ name }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendError);
    expect((await first.db.listModels({ limit: 1000 })).items.filter((model) => model.name === name)).toHaveLength(1);
  });
});
