/**
 * Every REST endpoint over real HTTP on a random loopback port, on every backend: status codes,
 * answer shapes, the wire encodings (ISO times, "NaN"/"Infinity" metric values) and query parsing.
 * The last test checks that every route of the API was called.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/server/routes/index.js';
import { testBackends } from '../support/backends.js';
import { call, type HttpAnswer, type HttpCallOptions } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// MLflow's routes have their own tests (tests/server/mlflow.test.ts and MLflow's own, scripts/test-mlflow.sh).
const routePatterns = API_ROUTES.filter((route) => route.protocol === undefined).map((route) => ({
  key: `${route.method} ${route.url}`,
  method: route.method,
  // `:path*` is an artifact path: one or more segments.
  pattern: new RegExp(`^${route.url.replace(/:[A-Za-z]+\*$/, '.+').replace(/:[A-Za-z]+/g, '[^/]+')}$`),
}));

describe.each(testBackends())('REST endpoints on $name', (backend) => {
  let server: TestServer;
  const called = new Set<string>();

  async function api(method: string, path: string, options?: HttpCallOptions): Promise<HttpAnswer> {
    const pathname = path.split('?')[0]!;
    const route = routePatterns.find((candidate) => candidate.method === method && candidate.pattern.test(pathname));
    if (route !== undefined) called.add(route.key);
    return call(server.url, method, path, options);
  }

  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers the health probes, health and statistics', async () => {
    expect((await call(server.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(server.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const health = await api('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.body.backend).toBe(backend.family);
    expect(health.body.schemaVersion).toBe(health.body.latestSchemaVersion);
    const statistics = await api('GET', '/api/v1/statistics');
    expect(statistics.status).toBe(200);
    expect(statistics.body.counts.models).toBe(0);
    expect(statistics.body.latest.modelCreatedAt).toBeNull();
    expect(ready.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('creates, reads, lists, updates and deletes models and their versions', async () => {
    const created = await api('POST', '/api/v1/models', { body: { name: 'resnet', framework: 'pytorch', metadata: { at: '2020-01-01T00:00:00.000Z' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'resnet', framework: 'pytorch', latestVersion: 0, tags: {} });
    expect(created.body.createdAt).toMatch(ISO);
    const id = created.body.id as number;
    expect((await api('GET', `/api/v1/models/${id}`)).body.name).toBe('resnet');
    expect((await api('GET', '/api/v1/models/resnet')).body.id).toBe(id);
    await api('POST', '/api/v1/models', { body: { name: 'bert', framework: 'jax' } });
    const page = await api('GET', '/api/v1/models?limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0].name).toBe('bert');
    const next = await api('GET', `/api/v1/models?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(next.body.items.map((model: { name: string }) => model.name)).toEqual(['resnet']);
    expect((await api('GET', '/api/v1/models?framework=pytorch')).body.items).toHaveLength(1);
    expect((await api('GET', '/api/v1/models?nameContains=ESN')).body.items[0].name).toBe('resnet');
    const updated = await api('PATCH', '/api/v1/models/resnet', { body: { description: 'image classifier' } });
    expect(updated.status).toBe(200);
    expect(updated.body.description).toBe('image classifier');

    const v1 = await api('POST', '/api/v1/model-versions', { body: { modelId: id, checkpointUri: 's3://b/1' } });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ modelId: id, version: 1, status: 'none' });
    const v2 = await api('POST', '/api/v1/model-versions', { body: { modelId: id } });
    expect(v2.body.version).toBe(2);
    expect((await api('GET', `/api/v1/models/${id}/versions`)).body.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await api('GET', `/api/v1/models/resnet/versions/2`)).body.id).toBe(v2.body.id);
    expect((await api('GET', `/api/v1/model-versions/${v1.body.id}`)).body.checkpointUri).toBe('s3://b/1');
    const promoted = await api('PATCH', `/api/v1/model-versions/${v1.body.id}`, { body: { status: 'production' } });
    expect(promoted.body.status).toBe('production');
    expect((await api('GET', `/api/v1/models/${id}/versions?status=production`)).body).toHaveLength(1);
    const across = await api('GET', `/api/v1/model-versions?modelId=${id}&status=production,none`);
    expect(across.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await api('GET', '/api/v1/model-versions?status=production&limit=1')).body.items[0].id).toBe(v1.body.id);
    // An alias points at a version number and moves as one write.
    const aliased = await api('PUT', `/api/v1/models/${id}/aliases/champion`, { body: { version: 1 } });
    expect(aliased.status).toBe(200);
    expect(aliased.body.aliases).toEqual({ champion: 1 });
    expect((await api('PUT', `/api/v1/models/resnet/aliases/champion`, { body: { version: 2 } })).body.aliases).toEqual({ champion: 2 });
    expect((await api('PUT', `/api/v1/models/${id}/aliases/champion`, { body: { version: 99 } })).status).toBe(404);
    const byAlias = await api('GET', `/api/v1/models/resnet/aliases/champion`);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body).toMatchObject({ version: 2, modelId: id });
    expect((await api('GET', `/api/v1/models/resnet/aliases/nobody`)).status).toBe(404);
    const events = await api('GET', `/api/v1/models/${id}/events?limit=2`);
    expect(events.status).toBe(200);
    expect(events.body.items).toHaveLength(2);
    expect(events.body.items[0]).toMatchObject({ kind: 'alias', alias: 'champion', from: '1', to: '2', actor: null });
    const unaliased = await api('DELETE', `/api/v1/models/${id}/aliases/champion`);
    expect(unaliased.status).toBe(200);
    expect(unaliased.body.aliases).toEqual({});
    expect((await api('DELETE', `/api/v1/model-versions/${v2.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/model-versions/${v2.body.id}`)).status).toBe(404);
    expect((await api('DELETE', '/api/v1/models/bert')).status).toBe(204);
    const gone = await api('GET', '/api/v1/models/bert');
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'not_found', entity: 'model' });
  });

  it('creates, reads, lists, updates and deletes datasets', async () => {
    const v1 = await api('POST', '/api/v1/datasets', { body: { name: 'imagenet', version: '1', sampleCount: 10 } });
    expect(v1.status).toBe(201);
    const v2 = await api('POST', '/api/v1/datasets', { body: { name: 'imagenet', version: '2', splits: { train: 8 } } });
    expect((await api('GET', '/api/v1/datasets/imagenet')).body.version).toBe('2');
    expect((await api('GET', '/api/v1/datasets/imagenet?version=1')).body.id).toBe(v1.body.id);
    expect((await api('GET', `/api/v1/datasets/${v2.body.id}`)).body.splits).toEqual({ train: 8 });
    expect((await api('GET', '/api/v1/datasets?name=imagenet')).body.items).toHaveLength(2);
    expect((await api('GET', '/api/v1/datasets?nameContains=NET&limit=1')).body.nextCursor).not.toBeNull();
    expect((await api('PATCH', `/api/v1/datasets/${v1.body.id}`, { body: { format: 'jpeg' } })).body.format).toBe('jpeg');
    expect((await api('DELETE', `/api/v1/datasets/${v1.body.id}`)).status).toBe(204);
    expect((await api('GET', '/api/v1/datasets/imagenet?version=1')).status).toBe(404);
    expect((await api('GET', '/api/v1/datasets/imagenet?colour=red')).status).toBe(422);
  });

  it('runs training runs through their lifecycle with hyperparameters', async () => {
    const run = await api('POST', '/api/v1/runs', { body: { name: 'baseline', tags: { team: 'vision' } } });
    expect(run.status).toBe(201);
    expect(run.body.status).toBe('running');
    expect(run.body.startedAt).toMatch(ISO);
    const queued = await api('POST', '/api/v1/runs', { body: { status: 'queued' } });
    const bare = await api('POST', '/api/v1/runs');
    expect(bare.status).toBe(201);
    expect((await api('GET', `/api/v1/runs/${run.body.id}`)).body.tags).toEqual({ team: 'vision' });
    expect((await api('GET', '/api/v1/runs?status=queued')).body.items.map((r: { id: number }) => r.id)).toEqual([queued.body.id]);
    expect((await api('GET', '/api/v1/runs?status=queued,running')).body.items).toHaveLength(3);
    expect((await api('GET', '/api/v1/runs?status=queued&status=running&limit=2')).body.items).toHaveLength(2);
    expect((await api('GET', '/api/v1/runs?nameContains=BASE')).body.items).toHaveLength(1);

    expect((await api('POST', `/api/v1/runs/${run.body.id}/hyperparameters`, { body: { lr: 0.01, layers: [64, 64], opt: { name: 'adam' } } })).status).toBe(204);
    expect((await api('POST', `/api/v1/runs/${run.body.id}/hyperparameters`, { body: { lr: 0.01 } })).status).toBe(204);
    const conflict = await api('POST', `/api/v1/runs/${run.body.id}/hyperparameters`, { body: { lr: 0.02 } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('conflict');
    expect((await api('GET', `/api/v1/runs/${run.body.id}/hyperparameters`)).body).toEqual({ lr: 0.01, layers: [64, 64], opt: { name: 'adam' } });
    // Many runs' hyperparameters in one read, as rows; the same through a POST body for long id lists.
    const bulk = await api('GET', `/api/v1/hyperparameters?runIds=${run.body.id}&names=lr,opt`);
    expect(bulk.status).toBe(200);
    expect(bulk.body).toEqual([
      { runId: run.body.id, name: 'lr', value: 0.01 },
      { runId: run.body.id, name: 'opt', value: { name: 'adam' } },
    ]);
    const bulkPosted = await api('POST', '/api/v1/hyperparameters/query', { body: { runIds: [run.body.id, 123_456], names: ['lr', 'opt'] } });
    expect(bulkPosted.body).toEqual(bulk.body);
    const bulkBad = await api('POST', '/api/v1/hyperparameters/query', { body: { runIds: [run.body.id, 'x'] } });
    expect(bulkBad.status).toBe(422);
    expect(bulkBad.body.error.field).toBe('query.runIds.1');

    const beat = await api('POST', `/api/v1/runs/${run.body.id}/heartbeat`);
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ status: 'running', heartbeatTimeoutMs: 300_000 });
    expect(typeof beat.body.heartbeatAt).toBe('string');
    expect((await api('POST', '/api/v1/runs/987654/heartbeat')).status).toBe(404);
    const gc = await api('POST', '/api/v1/gc', { body: { dryRun: true, predictionsOlderThanMs: 86_400_000 } });
    expect(gc.status).toBe(200);
    expect(gc.body).toMatchObject({ dryRun: true, runs: 0, batches: 0, complete: true });
    expect((await api('POST', '/api/v1/gc', { body: { olderThanMs: -1 } })).status).toBe(422);
    const done = await api('PATCH', `/api/v1/runs/${run.body.id}`, { body: { status: 'completed' } });
    expect(done.body.status).toBe('completed');
    expect(done.body.endedAt).toMatch(ISO);
    expect(typeof done.body.durationMs).toBe('number');
    const illegal = await api('PATCH', `/api/v1/runs/${run.body.id}`, { body: { status: 'running' } });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error.code).toBe('illegal_transition');
    expect((await api('DELETE', `/api/v1/runs/${bare.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/runs/${bare.body.id}`)).status).toBe(404);
  });

  it('records the datasets a run used and reads them back for many runs', async () => {
    const dataset = (await api('POST', '/api/v1/datasets', { body: { name: 'inputs-data', version: 'd1' } })).body;
    const run = (await api('POST', '/api/v1/runs', { body: { name: 'with inputs' } })).body;
    const logged = await api('POST', `/api/v1/runs/${run.id}/inputs`, { body: { inputs: [{ datasetId: dataset.id, context: 'train', tags: { rows: '80' } }] } });
    expect(logged.status).toBe(204);
    const read = await api('POST', '/api/v1/run-inputs/query', { body: { runIds: [run.id, 987_654] } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual([{ runId: run.id, datasetId: dataset.id, context: 'train', tags: { rows: '80' }, loggedAt: expect.stringMatching(ISO) }]);
    const bad = await api('POST', `/api/v1/runs/${run.id}/inputs`, { body: { inputs: [{ datasetId: dataset.id, role: 'train' }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('inputs.0');
    expect((await api('POST', `/api/v1/runs/${run.id}/inputs`, { body: [] })).status).toBe(422);
  });

  it('logs metric batches with NaN and ±Infinity as strings and reads points, buckets and summaries', async () => {
    const run = (await api('POST', '/api/v1/runs', { body: { name: 'metrics' } })).body;
    const points = [
      { name: 'train/loss', value: 1.5, step: 0, epoch: 0, timestamp: '2026-01-01T00:00:00.000Z' },
      { name: 'train/loss', value: 'NaN', step: 1, timestamp: 1767225601000 },
      { name: 'train/loss', value: 0.5, step: 2 },
      { name: 'train/loss', value: 'Infinity', step: 3 },
      { name: 'acc', value: '-Infinity', step: 0 },
    ];
    const logged = await api('POST', `/api/v1/runs/${run.id}/metrics`, { body: { points } });
    expect(logged.status).toBe(200);
    expect(logged.body).toEqual({ written: 5 });
    // A retried batch replaces its points instead of duplicating them.
    expect((await api('POST', `/api/v1/runs/${run.id}/metrics`, { body: { points } })).body).toEqual({ written: 5 });

    const all = await api('GET', `/api/v1/runs/${run.id}/metrics`);
    expect(all.body.map((p: { name: string; step: number; value: unknown }) => [p.name, p.step, p.value])).toEqual([
      ['acc', 0, '-Infinity'],
      ['train/loss', 0, 1.5],
      ['train/loss', 1, 'NaN'],
      ['train/loss', 2, 0.5],
      ['train/loss', 3, 'Infinity'],
    ]);
    expect(all.body[1].timestamp).toBe('2026-01-01T00:00:00.000Z');
    expect(all.body[2].timestamp).toBe('2026-01-01T00:00:01.000Z');
    const filtered = await api('GET', `/api/v1/runs/${run.id}/metrics?name=train%2Floss&minStep=1&maxStep=2`);
    expect(filtered.body.map((p: { step: number }) => p.step)).toEqual([1, 2]);
    expect((await api('GET', `/api/v1/runs/${run.id}/metrics?names=acc,train/loss&limit=2`)).body).toHaveLength(2);
    expect((await api('GET', `/api/v1/runs/${run.id}/metrics?names=acc&names=train/loss`)).body).toHaveLength(5);

    const buckets = await api('GET', `/api/v1/runs/${run.id}/metrics/${encodeURIComponent('train/loss')}/buckets?buckets=2`);
    expect(buckets.status).toBe(200);
    expect(buckets.body).toEqual([
      { stepStart: 0, stepEnd: 1, min: 1.5, max: 1.5, last: 'NaN', lastStep: 1, count: 2 },
      { stepStart: 2, stepEnd: 3, min: 0.5, max: 0.5, last: 'Infinity', lastStep: 3, count: 2 },
    ]);
    const other = (await api('POST', '/api/v1/runs')).body;
    await api('POST', `/api/v1/runs/${other.id}/metrics`, { body: { points: [{ name: 'acc', value: 0.9 }] } });
    // Many series in one read, in columns; a run without the metric answers empty columns.
    const bulk = await api('POST', '/api/v1/metric-buckets', { body: { runIds: [run.id, other.id], names: ['train/loss'], buckets: 2 } });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toEqual({
      series: [
        { runId: run.id, name: 'train/loss', stepStart: [0, 2], stepEnd: [1, 3], min: [1.5, 0.5], max: [1.5, 0.5], last: ['NaN', 'Infinity'], lastStep: [1, 3], count: [2, 2] },
        { runId: other.id, name: 'train/loss', stepStart: [], stepEnd: [], min: [], max: [], last: [], lastStep: [], count: [] },
      ],
    });
    const ambiguous = await api('POST', '/api/v1/metric-buckets', { body: { runIds: [run.id], buckets: 2 } });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.error.field).toBe('query.names');
    const summaries = await api('GET', `/api/v1/metric-summaries?runIds=${run.id},${other.id}`);
    expect(summaries.body.map((s: { runId: number; name: string; lastValue: unknown; count: number }) => [s.runId, s.name, s.lastValue, s.count])).toEqual([
      [run.id, 'acc', '-Infinity', 1],
      [run.id, 'train/loss', 'Infinity', 4],
      [other.id, 'acc', 0.9, 1],
    ]);
    expect(summaries.body[1]).toMatchObject({ min: 0.5, max: 1.5, lastStep: 3 });
    expect((await api('GET', '/api/v1/metric-summaries?runIds=')).body).toEqual([]);
    const badIds = await api('GET', '/api/v1/metric-summaries?runIds=1,x');
    expect(badIds.status).toBe(422);
    expect(badIds.body.error.field).toBe('query.runIds.1');

    const latest = await api('GET', `/api/v1/latest-metrics?runIds=${run.id},${other.id}&names=train/loss&names=acc`);
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual([
      { runId: run.id, name: 'acc', value: '-Infinity', step: 0 },
      { runId: run.id, name: 'train/loss', value: 'Infinity', step: 3 },
      { runId: other.id, name: 'acc', value: 0.9, step: 0 },
    ]);
    const tooMany = await api('GET', `/api/v1/latest-metrics?runIds=${run.id}&names=${Array.from({ length: 1_001 }, (_, i) => `m${i}`).join(',')}`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.field).toBe('query.names');

    // The same reads with the query as a body, for id lists too long for a URL.
    const posted = await api('POST', '/api/v1/latest-metrics/query', { body: { runIds: [other.id, run.id], names: ['train/loss', 'acc'] } });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(latest.body);
    const postedSummaries = await api('POST', '/api/v1/metric-summaries/query', { body: { runIds: [run.id, other.id] } });
    expect(postedSummaries.body).toEqual(summaries.body);
    const postedBadIds = await api('POST', '/api/v1/metric-summaries/query', { body: { runIds: [1, 'x'] } });
    expect(postedBadIds.status).toBe(422);
    expect(postedBadIds.body.error.field).toBe('query.runIds.1');
    const tooManyIds = await api('POST', '/api/v1/latest-metrics/query', { body: { runIds: Array.from({ length: 10_001 }, (_, i) => i + 1) } });
    expect(tooManyIds.status).toBe(422);
    expect(tooManyIds.body.error.field).toBe('query.runIds');
  });

  it('groups runs in experiments', async () => {
    const experiment = await api('POST', '/api/v1/experiments', { body: { name: 'ablation', hypothesis: 'smaller is fine' } });
    expect(experiment.status).toBe(201);
    const id = experiment.body.id as number;
    const [a, b] = [(await api('POST', '/api/v1/runs')).body, (await api('POST', '/api/v1/runs')).body];
    expect((await api('PUT', `/api/v1/experiments/${id}/runs/${b.id}`)).status).toBe(204);
    expect((await api('PUT', `/api/v1/experiments/${id}/runs/${a.id}`)).status).toBe(204);
    expect((await api('PUT', `/api/v1/experiments/${id}/runs/${a.id}`)).status).toBe(204);
    const members = await api('GET', `/api/v1/experiments/${id}/runs`);
    // Oldest membership first; two added within one millisecond by run id (a before b).
    const [first, second] = members.body as Array<{ id: number; addedAt: string }>;
    const sameMillisecond = first!.addedAt === second!.addedAt;
    expect(members.body.map((r: { id: number }) => r.id)).toEqual(sameMillisecond ? [a.id, b.id] : [b.id, a.id]);
    expect(members.body[0].addedAt).toMatch(ISO);
    const memberships = await api('GET', `/api/v1/experiment-memberships?runIds=${a.id},${b.id}`);
    expect(memberships.status).toBe(200);
    expect(memberships.body.map((m: { runId: number; experimentId: number }) => [m.runId, m.experimentId]).sort()).toEqual(
      [[a.id, id], [b.id, id]].sort(),
    );
    expect((await api('GET', '/api/v1/experiments/ablation')).body.id).toBe(id);
    expect((await api('GET', '/api/v1/experiments?status=active&nameContains=ABL')).body.items).toHaveLength(1);
    expect((await api('GET', `/api/v1/runs?experimentId=${id}`)).body.items).toHaveLength(2);
    expect((await api('PATCH', `/api/v1/experiments/${id}`, { body: { status: 'completed' } })).body.status).toBe('completed');
    expect((await api('DELETE', `/api/v1/experiments/${id}/runs/${b.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/experiments/${id}/runs`)).body).toHaveLength(1);
    expect((await api('PUT', `/api/v1/experiments/${id}/runs/987654`)).status).toBe(404);
    expect((await api('DELETE', '/api/v1/experiments/ablation')).status).toBe(204);
    expect((await api('GET', `/api/v1/experiments/${id}`)).status).toBe(404);
  });

  it('logs predictions one at a time and in batches, and pages them by time', async () => {
    const model = (await api('POST', '/api/v1/models', { body: { name: 'predictor' } })).body;
    const version = (await api('POST', '/api/v1/model-versions', { body: { modelId: model.id } })).body;
    const one = await api('POST', '/api/v1/predictions', {
      body: { modelVersionId: version.id, input: { text: 'hi' }, output: [0.1, 0.9], confidence: 0.9, timestamp: '2026-01-01T00:00:00.000Z' },
    });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ modelVersionId: version.id, input: { text: 'hi' }, output: [0.1, 0.9], groundTruth: null });
    expect((await api('GET', `/api/v1/predictions/${one.body.id}`)).body).toEqual(one.body);
    expect((await api('GET', '/api/v1/predictions/999999')).status).toBe(404);
    const batch = await api('POST', '/api/v1/predictions/batch', {
      body: {
        predictions: Array.from({ length: 20 }, (_unused, index) => ({
          modelVersionId: version.id,
          input: index,
          output: index * 2,
          timestamp: Date.UTC(2026, 0, 2, 0, 0, index),
        })),
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual({ written: 20 });
    const page = await api('GET', `/api/v1/predictions?modelVersionId=${version.id}&limit=5`);
    expect(page.body.items).toHaveLength(5);
    expect(page.body.items[0].input).toBe(19);
    const window = await api('GET', `/api/v1/predictions?since=2026-01-01T00:00:00.000Z&until=${Date.UTC(2026, 0, 1, 12)}`);
    expect(window.body.items.map((p: { id: number }) => p.id)).toEqual([one.body.id]);

    // The export streams the same predictions as text: CSV with a header, or NDJSON (the default).
    const csv = await api('GET', `/api/v1/predictions/export?format=csv&modelVersionIds=${version.id}&since=2026-01-02T00:00:00.000Z`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,modelVersionId,timestamp,key,latencyMs,confidence,input,output,groundTruth,metadata');
    expect(lines).toHaveLength(21);
    expect(lines[1]).toMatch(new RegExp(`^\\d+,${version.id},2026-01-02T00:00:19.000Z,,,,19,38,,\\{\\}$`));
    const ndjson = await api('GET', `/api/v1/predictions/export?modelVersionIds=${version.id}&until=2026-01-02T00:00:00.000Z`);
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(ndjson.text.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([one.body]);
    const refused = await api('GET', '/api/v1/predictions/export?format=xml');
    expect(refused.status).toBe(422);
    expect(refused.body.error.field).toBe('query.format');
  });

  it('answers prediction statistics and takes ground truth by id, by key and in a batch', async () => {
    const model = (await api('POST', '/api/v1/models', { body: { name: 'monitored' } })).body;
    const a = (await api('POST', '/api/v1/model-versions', { body: { modelId: model.id } })).body;
    const b = (await api('POST', '/api/v1/model-versions', { body: { modelId: model.id } })).body;
    await api('POST', '/api/v1/predictions/batch', {
      body: {
        predictions: [
          { modelVersionId: a.id, input: 1, output: 'cat', latencyMs: 10, confidence: 0.95, timestamp: Date.UTC(2026, 0, 1, 0, 1), key: 'r1' },
          { modelVersionId: a.id, input: 2, output: 'dog', latencyMs: 30, timestamp: Date.UTC(2026, 0, 1, 1, 1), key: 'r2' },
          { modelVersionId: b.id, input: 3, output: 'cat', latencyMs: 5, timestamp: Date.UTC(2026, 0, 1, 0, 2) },
        ],
      },
    });
    const stats = await api(
      'GET',
      `/api/v1/prediction-stats?modelVersionIds=${a.id},${b.id}&since=2026-01-01T00:00:00.000Z&until=2026-01-01T02:00:00.000Z&bucket=hour`,
    );
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T02:00:00.000Z', bucketMs: 3_600_000, bucket: 'hour', quantileError: 0.01 });
    expect(stats.body.series.map((series: { modelVersionId: number }) => series.modelVersionId)).toEqual([a.id, b.id]);
    expect(stats.body.series[0].buckets[0]).toMatchObject({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', count: 1 });
    expect(stats.body.series[0].buckets[0].latency.max).toBe(10);
    expect(stats.body.series[0].buckets[0].confidence.histogram[9]).toBe(1);

    const first = await api('GET', `/api/v1/predictions?modelVersionId=${a.id}&limit=10`);
    const r1 = first.body.items.find((p: { key: string }) => p.key === 'r1');
    const byId = await api('PUT', `/api/v1/predictions/${r1.id}/ground-truth`, { body: { value: 'cat' } });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: r1.id, groundTruth: 'cat', key: 'r1' });
    const byKey = await api('PUT', `/api/v1/model-versions/${a.id}/predictions/by-key/r2/ground-truth`, { body: { value: 'cat' } });
    expect(byKey.body).toMatchObject({ groundTruth: 'cat', key: 'r2' });
    const batch = await api('POST', '/api/v1/predictions/ground-truth', { body: { groundTruth: [{ modelVersionId: a.id, key: 'r2', value: 'dog' }] } });
    expect(batch.body).toEqual({ written: 1 });
    const after = await api('GET', `/api/v1/prediction-stats?modelVersionId=${a.id}&since=2026-01-01T00:00:00.000Z&until=2026-01-01T02:00:00.000Z&bucket=day`);
    expect(after.body.series[0].total).toMatchObject({ count: 2, labelled: 2, correct: 2, accuracy: 1 });
    const missing = await api('PUT', `/api/v1/model-versions/${a.id}/predictions/by-key/nobody/ground-truth`, { body: { value: 1 } });
    expect(missing.status).toBe(404);
    const noValue = await api('PUT', `/api/v1/predictions/${r1.id}/ground-truth`, { body: {} });
    expect(noValue.status).toBe(422);
  });

  it('searches runs by GET and POST, with 422 errors that carry the position', async () => {
    const model = (await api('POST', '/api/v1/models', { body: { name: 'searchable', tags: { a: '1' } } })).body;
    const version = (await api('POST', '/api/v1/model-versions', { body: { modelId: model.id } })).body;
    const experiment = (await api('POST', '/api/v1/experiments', { body: { name: 'searched' } })).body;
    const fast = (await api('POST', '/api/v1/runs', { body: { name: 'fast', tags: { team: 'x' } } })).body;
    const slow = (await api('POST', '/api/v1/runs', { body: { name: 'slow' } })).body;
    await api('POST', `/api/v1/runs/${fast.id}/hyperparameters`, { body: { lr: 0.01 } });
    await api('POST', `/api/v1/runs/${slow.id}/hyperparameters`, { body: { lr: 0.0001 } });
    const query = encodeURIComponent('params.lr < 1e-3 or tags.team = \'x\'');
    const page = await api('GET', `/api/v1/runs/search?query=${query}&orderBy=${encodeURIComponent('params.lr DESC')}&limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((run: { id: number }) => run.id)).toEqual([fast.id]);
    expect(page.body.items[0].createdAt).toMatch(ISO);
    const next = await api('GET', `/api/v1/runs/search?query=${query}&orderBy=${encodeURIComponent('params.lr DESC')}&limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body).toMatchObject({ items: [{ id: slow.id }], nextCursor: null });
    // A query far longer than a URL holds goes in a POST body.
    const long = Array.from({ length: 400 }, (_unused, index) => `name = 'nope-${index}'`).join(' or ') + " or name = 'slow'";
    const posted = await api('POST', '/api/v1/runs/search', { body: { query: long, orderBy: ['name'], limit: 10 } });
    expect(posted.status).toBe(200);
    expect(posted.body.items.map((run: { id: number }) => run.id)).toEqual([slow.id]);
    const bad = await api('GET', `/api/v1/runs/search?query=${encodeURIComponent('params.lr <')}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'query', position: 12 });
    const badBody = await api('POST', '/api/v1/runs/search', { body: { query: 'name = 1', sideways: true } });
    expect(badBody.status).toBe(422);

    // Per-key tags: PUT sets one, DELETE ?key= removes one, on all four tagged entities.
    for (const path of [`/api/v1/runs/${fast.id}`, `/api/v1/experiments/${experiment.name}`, `/api/v1/models/${model.id}`, `/api/v1/model-versions/${version.id}`]) {
      expect((await api('PUT', `${path}/tags`, { body: { key: 'stage', value: 'prod' } })).status).toBe(204);
      expect((await api('GET', path)).body.tags).toMatchObject({ stage: 'prod' });
      expect((await api('DELETE', `${path}/tags?key=stage`)).status).toBe(204);
      expect((await api('GET', path)).body.tags.stage).toBeUndefined();
      const missing = await api('DELETE', `${path}/tags?key=stage`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.entity).toBe('tag');
      expect((await api('PUT', `${path}/tags`, { body: { key: 'k', value: 3 } })).status).toBe(422);
    }
    expect((await api('GET', `/api/v1/models/${model.id}`)).body.tags).toEqual({ a: '1' });

    const hits = await api('GET', '/api/v1/search?q=searchable&entities=model,run');
    expect(hits.status).toBe(200);
    expect(hits.body).toEqual([{ entity: 'model', id: model.id, name: 'searchable', score: expect.any(Number), snippet: 'searchable 1' }]);
    expect((await api('GET', '/api/v1/search?q=searchable&entities=robots')).status).toBe(422);
  });

  it('uploads, lists, downloads (whole, ranged, conditional), describes and deletes artifacts', async () => {
    const run = (await api('POST', '/api/v1/runs', { body: { name: 'with-files' } })).body;
    const model = (await api('POST', '/api/v1/models', { body: { name: 'with-files' } })).body;
    const version = (await api('POST', '/api/v1/model-versions', { body: { modelId: model.id } })).body;
    const text = 'epoch,loss\n1,0.5\n2,0.25\n';
    const sha256 = createHash('sha256').update(text).digest('hex');
    for (const base of [`/api/v1/runs/${run.id}`, `/api/v1/model-versions/${version.id}`]) {
      const put = await api('PUT', `${base}/artifacts/eval/loss%20curve.csv?sha256=${sha256}`, {
        raw: text,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ path: 'eval/loss curve.csv', size: text.length, sha256, contentType: 'text/csv; charset=utf-8' });
      const wrong = await api('PUT', `${base}/artifacts/eval/other.bin?sha256=${'0'.repeat(64)}`, { raw: 'x', headers: { 'content-type': 'image/png' } });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error).toMatchObject({ code: 'integrity_failed', field: 'sha256' });
      expect((await api('PUT', `${base}/artifacts/a/..%2F..%2Fb`, { raw: 'x' })).status).toBe(422);

      const listed = await api('GET', `${base}/artifacts`);
      expect(listed.body).toEqual({ files: [], folders: ['eval/'] });
      expect((await api('GET', `${base}/artifacts?prefix=eval/&recursive=true`)).body.files).toHaveLength(1);

      const whole = await api('GET', `${base}/artifacts/eval/loss%20curve.csv`);
      expect(whole.status).toBe(200);
      expect(whole.text).toBe(text);
      expect(whole.headers.get('etag')).toBe(`"${sha256}"`);
      expect(whole.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const ranged = await api('GET', `${base}/artifacts/eval/loss%20curve.csv`, { headers: { range: 'bytes=6-9' } });
      expect(ranged.status).toBe(206);
      expect(ranged.text).toBe('loss');
      expect(ranged.headers.get('content-range')).toBe(`bytes 6-9/${text.length}`);
      const suffix = await api('GET', `${base}/artifacts/eval/loss%20curve.csv`, { headers: { range: 'bytes=-5' } });
      expect(suffix.text).toBe(text.slice(-5));
      const beyond = await api('GET', `${base}/artifacts/eval/loss%20curve.csv`, { headers: { range: 'bytes=999-' } });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${text.length}`);
      const unchanged = await api('GET', `${base}/artifacts/eval/loss%20curve.csv`, { headers: { 'if-none-match': `"${sha256}"` } });
      expect(unchanged.status).toBe(304);

      const info = await api('GET', `${base}/artifact-info/eval/loss%20curve.csv`);
      expect(info.body).toEqual(put.body);
      expect((await api('DELETE', `${base}/artifacts/eval/loss%20curve.csv`)).status).toBe(204);
      expect((await api('GET', `${base}/artifacts/eval/loss%20curve.csv`)).status).toBe(404);
      expect((await api('DELETE', `${base}/artifacts/eval/loss%20curve.csv`)).status).toBe(404);
    }
    expect((await api('GET', '/api/v1/runs/987654/artifacts')).status).toBe(404);
  });

  it('called every route of the API', () => {
    const missing = routePatterns.map((route) => route.key).filter((key) => !called.has(key));
    expect(missing).toEqual([]);
  });
});
