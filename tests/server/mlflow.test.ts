/**
 * MLflow's REST API on a real server, on every backend: what MLflow's client relies on and aimdb
 * adds (atomic log-batch, several values per step read back in pages, the default experiment,
 * MLflow's error shape, also for the token check), and the same data seen through the native API.
 * MLflow's own REST tests run against the built server in scripts/test-mlflow.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const API = '/api/2.0/mlflow';

describe.each(testBackends())('MLflow REST API on $name', (backend) => {
  let server: TestServer;
  const post = async (path: string, body: unknown) => call(server.url, 'POST', `${API}/${path}`, { body });

  beforeAll(async () => {
    server = await startTestServer(backend, { tokens: [{ token: 'writer-token-0123456789', scope: 'write' }, { token: 'reader-token-0123456789', scope: 'read' }] });
  });
  afterAll(async () => {
    await server?.close();
  });

  // Every call but the auth test sends the write token.
  const authed = (method: string, path: string, body?: unknown) =>
    call(server.url, method, path, { token: 'writer-token-0123456789', ...(body === undefined ? {} : { body }) });

  it('answers with MLflow error shapes and statuses, also for a missing token', async () => {
    const unauthenticated = await post('experiments/create', { name: 'x' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    // A read token may search (a POST that only reads), not write.
    const search = await call(server.url, 'POST', `${API}/experiments/search`, { token: 'reader-token-0123456789', body: {} });
    expect(search.status).toBe(200);
    const write = await call(server.url, 'POST', `${API}/experiments/create`, { token: 'reader-token-0123456789', body: { name: 'x' } });
    expect(write.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(write.status).toBe(403);

    const missing = await authed('GET', `${API}/runs/get?run_id=987654`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=987654 not found' });
    const invalid = await authed('POST', `${API}/experiments/create`, { name: 123 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(invalid.body.message).toContain("Invalid value 123 for parameter 'name' supplied");
    const created = await authed('POST', `${API}/experiments/create`, { name: 'twice' });
    expect(created.status).toBe(200);
    const again = await authed('POST', `${API}/experiments/create`, { name: 'twice' });
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('has the default experiment 0 and puts runs in experiments with MLflow artifact URIs', async () => {
    const experiment = await authed('GET', `${API}/experiments/get?experiment_id=0`);
    expect(experiment.body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
    const experimentId = (await authed('POST', `${API}/experiments/create`, { name: 'runs-home' })).body.experiment_id as string;
    const created = await authed('POST', `${API}/runs/create`, {
      experiment_id: experimentId,
      start_time: 456,
      tags: [{ key: 'mlflow.user', value: 'ana' }],
      run_name: 'first',
    });
    expect(created.status).toBe(200);
    const info = created.body.run.info;
    expect(info).toMatchObject({ experiment_id: experimentId, run_name: 'first', user_id: 'ana', status: 'RUNNING', start_time: 456 });
    expect(info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${info.run_id}/artifacts`);
    const native = await authed('GET', `/api/v1/runs/${info.run_id}`);
    expect(native.body).toMatchObject({ id: Number(info.run_id), name: 'first', status: 'running', startedAt: new Date(456).toISOString() });
    const ended = await authed('POST', `${API}/runs/update`, { run_id: info.run_id, status: 'FINISHED', end_time: 1456 });
    expect(ended.body.run_info).toMatchObject({ status: 'FINISHED', end_time: 1456 });
    expect((await authed('GET', `/api/v1/runs/${info.run_id}`)).body).toMatchObject({ status: 'completed', durationMs: 1000 });
  });

  it('stores a log-batch whole or not at all, within MLflow limits', async () => {
    const experimentId = (await authed('POST', `${API}/experiments/create`, { name: 'batches' })).body.experiment_id as string;
    const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: experimentId })).body.run.info.run_id as string;
    await authed('POST', `${API}/runs/log-parameter`, { run_id: runId, key: 'lr', value: '0.1' });
    // The changed param fails the batch: its metric and tag are not stored either.
    const rejected = await authed('POST', `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [{ key: 'loss', value: 1, timestamp: 5, step: 1 }],
      params: [{ key: 'lr', value: '0.2' }],
      tags: [{ key: 'note', value: 'x' }],
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const run = (await authed('GET', `${API}/runs/get?run_id=${runId}`)).body.run;
    expect(run.data.metrics ?? []).toEqual([]);
    expect((run.data.tags as Array<{ key: string }>).some((tag) => tag.key === 'note')).toBe(false);
    const tooMany = await authed('POST', `${API}/runs/log-batch`, {
      run_id: runId,
      params: Array.from({ length: 101 }, (_, index) => ({ key: `p${index}`, value: 'v' })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 100 params');
  });

  it('keeps several values of a step and pages the history like MLflow', async () => {
    const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: '0' })).body.run.info.run_id as string;
    const logged = [
      { key: 'acc', value: 10, timestamp: 1, step: 2 },
      { key: 'acc', value: 11, timestamp: 1, step: 3 },
      { key: 'acc', value: 12, timestamp: 1, step: 3 },
      { key: 'acc', value: 12, timestamp: 2, step: 3 },
      { key: 'acc', value: 'NaN', timestamp: 3, step: 4 },
    ];
    for (const metric of logged) expect((await authed('POST', `${API}/runs/log-metric`, { run_id: runId, ...metric })).status).toBe(200);
    const all = await authed('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=acc`);
    expect(all.body.metrics).toEqual(logged);
    const pages: unknown[] = [];
    let token: string | undefined;
    for (let round = 0; round < 10; round++) {
      const page = await authed('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=acc&max_results=2${token === undefined ? '' : `&page_token=${token}`}`);
      pages.push(...(page.body.metrics as unknown[]));
      token = page.body.next_page_token as string | undefined;
      if (token === undefined) break;
    }
    expect(pages).toEqual(logged);
    // The run's latest value follows MLflow: highest step, then latest timestamp.
    const metrics = (await authed('GET', `${API}/runs/get?run_id=${runId}`)).body.run.data.metrics;
    expect(metrics).toEqual([{ key: 'acc', value: 'NaN', timestamp: 3, step: 4 }]);
  });

  it('takes negative steps (MLflow allows them) and pages their history from the lowest step', async () => {
    const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: '0' })).body.run.info.run_id as string;
    expect((await authed('POST', `${API}/runs/log-metric`, { run_id: runId, key: 'warmup', value: 1, timestamp: 5, step: -2 })).status).toBe(200);
    const batch = await authed('POST', `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [
        { key: 'warmup', value: 2, timestamp: 6, step: -130 },
        { key: 'warmup', value: 3, timestamp: 7, step: 0 },
        { key: 'warmup', value: 4, timestamp: 8, step: -2 },
      ],
    });
    expect(batch.status).toBe(200);
    const expected = [
      { key: 'warmup', value: 2, timestamp: 6, step: -130 },
      { key: 'warmup', value: 1, timestamp: 5, step: -2 },
      { key: 'warmup', value: 4, timestamp: 8, step: -2 },
      { key: 'warmup', value: 3, timestamp: 7, step: 0 },
    ];
    expect((await authed('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=warmup`)).body.metrics).toEqual(expected);
    const pages: unknown[] = [];
    let token: string | undefined;
    for (let round = 0; round < 10 && (round === 0 || token !== undefined); round++) {
      const page = await authed('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=warmup&max_results=1${token === undefined ? '' : `&page_token=${token}`}`);
      pages.push(...(page.body.metrics as unknown[]));
      token = page.body.next_page_token as string | undefined;
    }
    expect(pages).toEqual(expected);
    // The native API reads the same steps.
    const native = await authed('GET', `/api/v1/runs/${runId}/metrics?name=warmup&minStep=-200&maxStep=-1`);
    expect(native.body.map((point: { step: number; value: number }) => [point.step, point.value])).toEqual([
      [-130, 2],
      [-2, 4],
    ]);
  });

  it('records logged models in the run tag mlflow.log-model.history, as MLflow does', async () => {
    const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: '0' })).body.run.info.run_id as string;
    const model = (path: string) => ({ artifact_path: path, flavors: { python_function: { loader_module: 'mlflow.pyfunc' } }, utc_time_created: '2026-11-27 16:00:00.000000', run_id: runId, model_uuid: path });
    for (const path of ['model/a', 'model/b']) {
      const logged = await authed('POST', `${API}/runs/log-model`, { run_id: runId, model_json: JSON.stringify(model(path)) });
      expect(logged.status).toBe(200);
      expect(logged.body).toEqual({});
    }
    const tags = (await authed('GET', `${API}/runs/get?run_id=${runId}`)).body.run.data.tags as Array<{ key: string; value: string }>;
    expect(JSON.parse(tags.find((tag) => tag.key === 'mlflow.log-model.history')!.value)).toEqual([model('model/a'), model('model/b')]);
    const malformed = await authed('POST', `${API}/runs/log-model`, { run_id: runId, model_json: '{not json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('is not a valid JSON');
    const incomplete = await authed('POST', `${API}/runs/log-model`, { run_id: runId, model_json: JSON.stringify({ artifact_path: 'x', run_id: runId }) });
    expect(incomplete.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: "Model json is missing mandatory fields: {'flavors', 'utc_time_created'}" });
    const unknownRun = await authed('POST', `${API}/runs/log-model`, { run_id: '987654', model_json: JSON.stringify(model('m')) });
    expect(unknownRun.status).toBe(404);
  });

  it('breaks search ties as MLflow does: newest start first, then run ids as text', async () => {
    const experimentId = (await authed('POST', `${API}/experiments/create`, { name: 'ties' })).body.experiment_id as string;
    const create = async (startTime: number) =>
      (await authed('POST', `${API}/runs/create`, { experiment_id: experimentId, start_time: startTime })).body.run.info.run_id as string;
    // Enough runs that their ids cross a power of ten, where text order differs from numeric order.
    const tied: string[] = [];
    while (tied.length < 10 || tied.map(String).sort().join() === [...tied].sort((a, b) => Number(a) - Number(b)).join()) {
      tied.push(await create(1));
      if (tied.length > 1000) throw new Error('run ids never crossed a power of ten');
    }
    const later = await create(2);
    const expected = [later, ...[...tied].sort()];
    const pageThrough = async (body: object) => {
      const seen: string[] = [];
      let token: string | undefined;
      for (let round = 0; round === 0 || token !== undefined; round++) {
        const page = await authed('POST', `${API}/runs/search`, {
          experiment_ids: [experimentId],
          max_results: 4,
          ...body,
          ...(token === undefined ? {} : { page_token: token }),
        });
        seen.push(...(page.body.runs as Array<{ info: { run_id: string } }>).map((run) => run.info.run_id));
        token = page.body.next_page_token as string | undefined;
      }
      return seen;
    };
    expect(await pageThrough({})).toEqual(expected);
    // A key every run lacks ties them all: then the start time, then the id as text.
    expect(await pageThrough({ order_by: ['metrics.missing DESC'] })).toEqual(expected);
    expect(await pageThrough({ order_by: ['attributes.start_time ASC'] })).toEqual([...[...tied].sort(), later]);
  });

  it('searches runs with MLflow filters, orders and page tokens, leaving deleted runs out', async () => {
    const experimentId = (await authed('POST', `${API}/experiments/create`, { name: 'searched' })).body.experiment_id as string;
    const ids: string[] = [];
    for (const [lr, acc] of [['0.1', 0.7], ['0.01', 0.9], ['0.001', 0.8]] as const) {
      const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: experimentId })).body.run.info.run_id as string;
      await authed('POST', `${API}/runs/log-batch`, { run_id: runId, params: [{ key: 'lr', value: lr }], metrics: [{ key: 'acc', value: acc, timestamp: 1 }], tags: [{ key: 'team', value: 'cv' }] });
      ids.push(runId);
    }
    const search = (body: object) => authed('POST', `${API}/runs/search`, { experiment_ids: [experimentId], ...body });
    const byAcc = await search({ filter: "tags.team = 'cv' and metrics.acc > 0.75", order_by: ['metrics.acc DESC'] });
    expect((byAcc.body.runs as Array<{ info: { run_id: string } }>).map((run) => run.info.run_id)).toEqual([ids[1], ids[2]]);
    const first = await search({ order_by: ['params.lr ASC'], max_results: 2 });
    expect(first.body.runs).toHaveLength(2);
    const second = await search({ order_by: ['params.lr ASC'], max_results: 2, page_token: first.body.next_page_token });
    expect([...first.body.runs, ...second.body.runs].map((run: { data: { params: Array<{ value: string }> } }) => run.data.params[0]!.value)).toEqual(['0.001', '0.01', '0.1']);
    expect(second.body.next_page_token).toBeUndefined();
    await authed('POST', `${API}/runs/delete`, { run_id: ids[0] });
    expect((await search({})).body.runs).toHaveLength(2);
    expect((await search({ run_view_type: 'DELETED_ONLY' })).body.runs.map((run: { info: { run_id: string } }) => run.info.run_id)).toEqual([ids[0]]);
    const invalid = await search({ filter: 'metrics.acc >>> 1' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('soft-deletes and restores runs and experiments', async () => {
    const experimentId = (await authed('POST', `${API}/experiments/create`, { name: 'bin' })).body.experiment_id as string;
    const runId = (await authed('POST', `${API}/runs/create`, { experiment_id: experimentId })).body.run.info.run_id as string;
    await authed('POST', `${API}/experiments/delete`, { experiment_id: experimentId });
    expect((await authed('GET', `${API}/experiments/get?experiment_id=${experimentId}`)).body.experiment.lifecycle_stage).toBe('deleted');
    expect((await authed('GET', `${API}/runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage).toBe('deleted');
    const refused = await authed('POST', `${API}/runs/set-tag`, { run_id: runId, key: 'k', value: 'v' });
    expect(refused.body.message).toContain("must be in the 'active' state");
    // Metric writes check the run inside the store's write; the answers are MLflow's all the same.
    const inactive = { error_code: 'INVALID_PARAMETER_VALUE', message: `The run ${runId} must be in the 'active' state. Current state is deleted.` };
    const metric = { key: 'loss', value: 1, timestamp: 5, step: 0 };
    for (const [endpoint, body] of [
      ['runs/log-metric', { run_id: runId, ...metric }],
      ['runs/log-batch', { run_id: runId, metrics: [metric, { ...metric, step: 1 }] }],
    ] as const) {
      expect(await authed('POST', `${API}/${endpoint}`, body)).toMatchObject({ status: 400, body: inactive });
      for (const missing of ['987654', 'abc']) {
        const answer = await authed('POST', `${API}/${endpoint}`, { ...body, run_id: missing });
        expect(answer).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${missing} not found` } });
      }
    }
    await authed('POST', `${API}/experiments/restore`, { experiment_id: experimentId });
    expect((await authed('GET', `${API}/runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage).toBe('active');
    expect((await authed('POST', `${API}/runs/log-metric`, { run_id: runId, ...metric })).status).toBe(200);
    expect((await authed('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`)).body.metrics).toEqual([metric]);
  });

  it('quotes a whole number sent as a float as Python prints it, at any depth', async () => {
    const raw = (path: string, text: string) => call(server.url, 'POST', `${API}/${path}`, { token: 'writer-token-0123456789', raw: text });
    const hint = ' See the API docs for more information about request parameters.';
    expect((await raw('experiments/create', '{"name": 2.0}')).body.message).toBe(`Invalid value 2.0 for parameter 'name' supplied. Hint: Value was of type 'float'.${hint}`);
    expect((await raw('experiments/create', '{"name": 2e0}')).body.message).toBe(`Invalid value 2.0 for parameter 'name' supplied. Hint: Value was of type 'float'.${hint}`);
    expect((await raw('experiments/create', '{"name": 2}')).body.message).toBe(`Invalid value 2 for parameter 'name' supplied. Hint: Value was of type 'int'.${hint}`);
    const nested = await raw('runs/log-batch', '{"run_id": "1", "metrics": [{"key": "a", "step": 0.5, "timestamp": 5.0}]}');
    expect(nested.body.message).toBe(`Invalid value [{'key': 'a', 'step': 0.5, 'timestamp': 5.0}] for parameter 'metrics' supplied. Hint: Value was of type 'list'.${hint}`);
  });

  it('runs the registry: versions, aliases, and stages that archive the previous holder', async () => {
    expect((await authed('POST', `${API}/registered-models/create`, { name: 'clf' })).status).toBe(200);
    for (let index = 0; index < 2; index++) {
      const created = await authed('POST', `${API}/model-versions/create`, { name: 'clf', source: 's3://b/m', run_id: 'outside', tags: [{ key: 'k', value: String(index) }] });
      expect(created.body.model_version).toMatchObject({ version: String(index + 1), run_id: 'outside', current_stage: 'None', tags: [{ key: 'k', value: String(index) }] });
    }
    await authed('POST', `${API}/model-versions/transition-stage`, { name: 'clf', version: '1', stage: 'Production', archive_existing_versions: false });
    await authed('POST', `${API}/model-versions/transition-stage`, { name: 'clf', version: '2', stage: 'production', archive_existing_versions: true });
    expect((await authed('GET', `${API}/model-versions/get?name=clf&version=1`)).body.model_version.current_stage).toBe('Archived');
    await authed('POST', `${API}/registered-models/alias`, { name: 'clf', alias: 'champion', version: '2' });
    const byAlias = await authed('GET', `${API}/registered-models/alias?name=clf&alias=champion`);
    expect(byAlias.body.model_version).toMatchObject({ version: '2', aliases: ['champion'], current_stage: 'Production' });
    const model = (await authed('GET', `${API}/registered-models/get?name=clf`)).body.registered_model;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    expect((model.latest_versions as Array<{ version: string }>).map((version) => version.version)).toEqual(['1', '2']);
    const badSource = await authed('POST', `${API}/model-versions/create`, { name: 'clf', source: 'http://host/models/../../x' });
    expect(badSource.body.message).toContain('If supplying a source as an http, https,');
  });
});
