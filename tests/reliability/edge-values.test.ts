/**
 * Input at the edges, through the library and over HTTP, on every backend: each value is either stored
 * and read back identically or refused with a ValidationError (HTTP 422) naming the field and the
 * limit, never a 500, a stack overflow, a silently dropped key or a silently wrong value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, LIMITS, ValidationError, type AiDatabase } from '../../src/index.js';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { startAppOn } from '../server/support/test-server.js';
import { expectRejection } from '../contract/expectations.js';

/** `{ a: { a: … 1 } }` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? { a: value } : [value];
  return value;
}
/** The keys leading `count` containers down into a `nested` value. */
function keysDown(value: unknown, count: number): string {
  const keys: string[] = [];
  let current = value as Record<string, unknown> | unknown[];
  for (let level = 0; level < count; level++) {
    keys.push(Array.isArray(current) ? '0' : 'a');
    current = (Array.isArray(current) ? current[0] : current.a) as typeof current;
  }
  return keys.join('.');
}
const withPrototypeKey = (): Record<string, unknown> => JSON.parse('{"__proto__": {"admin": true}, "kept": 1}') as Record<string, unknown>;
const MAX_TIME = LIMITS.maxTimeMs;

interface Opened {
  db: AiDatabase;
  /** The server's base URL when the database is reached over HTTP. */
  baseUrl?: string;
  close(): Promise<void>;
}

const modes = ['library', 'http'] as const;
const cases = testBackends({ sqliteFile: false }).flatMap((backend) => modes.map((mode) => ({ backend, mode, label: `${mode}→${backend.name}` })));

describe.each(cases)('$label: edge values', ({ backend, mode }) => {
  let opened: Opened;
  let provisioned: ProvisionedDatabase;
  beforeAll(async () => {
    provisioned = await backend.provision();
    if (mode === 'library') {
      const db = await createAiDatabase({ url: provisioned.url });
      opened = { db, close: () => db.close() };
    } else {
      // sqlite::memory: is private to one connection, so the server is the only way in there.
      const server = await startAppOn(provisioned.url);
      const db = createHttpAiDatabase({ url: server.url });
      opened = { db, baseUrl: server.url, close: async () => { await db.close(); await server.close(); } };
    }
  });
  afterAll(async () => {
    await opened?.close();
    await provisioned?.drop();
  });
  const db = () => opened.db;
  const raw = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${opened.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; field?: string; message: string } } };
  };

  it(`stores JSON nested ${LIMITS.jsonDepth} deep identically and refuses deeper, even thousands deep`, async () => {
    const deepest = nested(LIMITS.jsonDepth);
    const model = await db().createModel({ name: `deep-${mode}`, metadata: { doc: nested(LIMITS.jsonDepth - 1) } as never });
    expect((await db().getModel(model.id)).metadata).toEqual({ doc: nested(LIMITS.jsonDepth - 1) });
    const run = await db().createTrainingRun({ config: { c: nested(LIMITS.jsonDepth - 1) } as never });
    expect((await db().getTrainingRun(run.id)).config).toEqual({ c: nested(LIMITS.jsonDepth - 1) });
    await db().logHyperparameters(run.id, { h: deepest as never });
    expect((await db().getHyperparameters(run.id)).h).toEqual(deepest);
    const version = await db().createModelVersion({ modelId: model.id });
    const prediction = await db().logPrediction({ modelVersionId: version.id, input: deepest as never, output: nested(3) as never });
    expect(prediction.input).toEqual(deepest);

    await expectRejection(db().createModel({ name: 'too-deep', metadata: { doc: nested(LIMITS.jsonDepth) } as never }), ValidationError, {
      // The first object or array too deep: the doc's own 31st, the document's 32nd.
      field: `model.metadata.doc.${keysDown(nested(LIMITS.jsonDepth), LIMITS.jsonDepth - 1)}`,
      message: `at most ${LIMITS.jsonDepth} deep`,
    });
    for (const levels of [LIMITS.jsonDepth + 1, 3_000]) {
      await expectRejection(db().logPrediction({ modelVersionId: version.id, input: nested(levels) as never, output: 1 }), ValidationError, {
        message: `at most ${LIMITS.jsonDepth} deep`,
      });
      await expectRejection(db().logHyperparameters(run.id, { deeper: nested(levels) as never }), ValidationError, {
        message: `at most ${LIMITS.jsonDepth} deep`,
      });
    }
    expect((await db().getPredictions({ modelVersionId: version.id })).items).toHaveLength(1);
    await expectRejection(db().getModel('too-deep'), (await import('../../src/index.js')).NotFoundError);
  });

  it('refuses an empty list of statuses instead of sending an empty IN ()', async () => {
    await db().createTrainingRun();
    await expectRejection(db().listTrainingRuns({ status: [] as never }), ValidationError, { field: 'query.status', message: 'empty' });
    expect((await db().listTrainingRuns({ status: ['running'] })).items.length).toBeGreaterThan(0);
    if (opened.baseUrl !== undefined) {
      const answer = await raw('GET', '/api/v1/runs?status=,,,');
      expect(answer).toMatchObject({ status: 422, body: { error: { code: 'validation_failed', field: 'query.status' } } });
    }
  });

  it('refuses U+0000 in a name to look up, as in a name to store', async () => {
    const model = await db().createModel({ name: `nul-lookup-${mode}` });
    await expectRejection(db().getModel(`nul-lookup-${mode}\u0000`), ValidationError, { field: 'name', message: 'NUL' });
    await expectRejection(db().getModelVersions('a\u0000b'), ValidationError, { field: 'name' });
    await expectRejection(db().getDataset('a\u0000b'), ValidationError, { field: 'name' });
    // Over HTTP the version travels in the query string, so the field is `query.version` there.
    expect((await expectRejection(db().getDataset('plain', 'v\u0000'), ValidationError)).field).toMatch(/^(query\.)?version$/);
    await expectRejection(db().getExperiment('e\u0000'), ValidationError, { field: 'name' });
    await expectRejection(db().deleteModel('m\u0000'), ValidationError, { field: 'name' });
    expect((await db().getModel(model.name)).id).toBe(model.id);
    if (opened.baseUrl !== undefined) {
      const answer = await raw('GET', '/api/v1/models/a%00b');
      expect(answer).toMatchObject({ status: 422, body: { error: { code: 'validation_failed', field: 'name' } } });
    }
  });

  it('stores the extreme times a Date holds and refuses later ones, for metrics and predictions', async () => {
    const run = await db().createTrainingRun();
    await db().logMetrics(run.id, [
      { name: 'late', value: 1, timestamp: MAX_TIME },
      { name: 'late', value: 2, timestamp: new Date(-MAX_TIME) },
      { name: 'late', value: 3, timestamp: new Date('1900-01-01T00:00:00Z') },
    ]);
    expect((await db().getMetrics(run.id, { name: 'late' })).map((point) => point.timestamp?.getTime())).toEqual([
      MAX_TIME,
      -MAX_TIME,
      Date.UTC(1900, 0, 1),
    ]);
    await expectRejection(db().logMetrics(run.id, [{ name: 'late', value: 4 }, { name: 'late', value: 5, timestamp: MAX_TIME + 1 }]), ValidationError, {
      field: 'points.1.timestamp',
      message: String(MAX_TIME),
    });
    await expectRejection(db().logMetric(run.id, 'later', 1, { timestamp: 9e15 }), ValidationError, { message: String(MAX_TIME) });
    expect(await db().getMetrics(run.id, { name: 'later' })).toEqual([]);
    expect(await db().getMetrics(run.id, { name: 'late' })).toHaveLength(3);

    const model = await db().createModel({ name: `times-${mode}` });
    const version = await db().createModelVersion({ modelId: model.id });
    const last = await db().logPrediction({ modelVersionId: version.id, input: 1, output: 1, timestamp: MAX_TIME });
    expect(last.timestamp.getTime()).toBe(MAX_TIME);
    await expectRejection(db().logPrediction({ modelVersionId: version.id, input: 1, output: 1, timestamp: MAX_TIME + 1 }), ValidationError, {
      field: 'prediction.timestamp',
      message: String(MAX_TIME),
    });
    expect((await db().getPredictions({ modelVersionId: version.id })).items.map((item) => item.timestamp.getTime())).toEqual([MAX_TIME]);
  });

  it('stores step 2^53-1 and refuses an omitted step after it instead of overwriting', async () => {
    const run = await db().createTrainingRun();
    const top = Number.MAX_SAFE_INTEGER;
    await db().logMetrics(run.id, [{ name: 'steps', value: 1, step: top - 1 }, { name: 'steps', value: 2 }]);
    await expectRejection(db().logMetric(run.id, 'steps', 3), ValidationError, { field: 'points.0.step', message: String(top) });
    await expectRejection(db().logMetrics(run.id, [{ name: 'other', value: 1, step: top }, { name: 'other', value: 2 }]), ValidationError, {
      field: 'points.1.step',
    });
    await expectRejection(db().logMetric(run.id, 'steps', 4, { step: top + 1 }), ValidationError, { message: String(top) });
    expect((await db().getMetrics(run.id, { name: 'steps' })).map((point) => [point.step, point.value])).toEqual([
      [top - 1, 1],
      [top, 2],
    ]);
    expect(await db().getMetrics(run.id, { name: 'other' })).toEqual([]);
    expect((await db().getMetricSummaries(run.id)).find((summary) => summary.name === 'steps')).toMatchObject({ count: 2, lastStep: top, lastValue: 2 });
  });

  it("refuses a '__proto__' key, naming it, instead of dropping it", async () => {
    await expectRejection(db().createModel({ name: `proto-${mode}`, metadata: withPrototypeKey() as never }), ValidationError, {
      field: 'model.metadata.__proto__',
    });
    await expectRejection(db().createModel({ name: `proto-${mode}`, tags: JSON.parse('{"__proto__": "x"}') as never }), ValidationError, {
      field: 'model.tags.__proto__',
    });
    const run = await db().createTrainingRun();
    await expectRejection(db().logHyperparameters(run.id, { nested: { list: [withPrototypeKey()] } } as never), ValidationError, {
      field: 'hyperparameters.nested.list.0.__proto__',
    });
    expect(await db().getHyperparameters(run.id)).toEqual({});
    // `constructor` is an ordinary key and is stored as given.
    const model = await db().createModel({ name: `ctor-${mode}`, metadata: JSON.parse('{"constructor": {"prototype": {"x": 1}}}') as never });
    expect((await db().getModel(model.id)).metadata).toEqual({ constructor: { prototype: { x: 1 } } });
    if (opened.baseUrl !== undefined) {
      const answer = await raw('POST', '/api/v1/models', '{"name": "raw-proto", "metadata": {"__proto__": {"admin": true}}}');
      expect(answer).toMatchObject({ status: 422, body: { error: { code: 'validation_failed', field: 'model.metadata.__proto__' } } });
    }
    await expectRejection(db().getModel(`proto-${mode}`), (await import('../../src/index.js')).NotFoundError);
  });
});
