/**
 * Property tests of the run query language on every backend: random runs, random queries drawn from
 * the grammar, and the SQL store, the HTTP client and the in-memory reference evaluator must return
 * exactly the same runs in exactly the same order (also page by page). Then fuzzed query text
 * through the REST API: never a 5xx, every rejection a typed validation error, nothing injected.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import type { AiDatabase, JsonValue } from '../../src/index.js';
import { testBackends } from '../support/backends.js';
import { ReferenceEvaluator, loadReferenceRuns, type ReferenceRun } from '../support/run-query-reference.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

const SEED = 20261127;
const QUERIES_PER_BACKEND = Number(process.env.AIMDB_PROPERTY_QUERIES ?? 150);
const FUZZ_SQLITE = Number(process.env.AIMDB_FUZZ_QUERIES ?? 10_000);
const FUZZ_SERVER_BACKENDS = 1_000;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
const NAMES = ['vit-base', 'vit-large', 'resnet', 'ResNet', 'bert', 'alpha beta', 'x_y%z'];
const TEAMS = ['vision', 'nlp', 'Vision', 'speech'];
const PARAM_VALUES: JsonValue[] = [0.1, 0.01, 0.001, 1, 3, '0.01', '1e-3', 'adam', 'sgd', 'Adam', true, false, null, [1, 2], { a: 1 }];
const METRIC_VALUES = [0, 0.25, 0.5, 0.75, 0.9, 1, -1, Number.NaN, Number.POSITIVE_INFINITY];

/** Random runs: mixed-type hyperparameters, ties, missing values, links, tags and words to find. */
async function fillRandomRuns(db: AiDatabase): Promise<void> {
  const random = fc.sample(
    fc.record({
      name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
      notes: fc.option(fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }).map((words) => words.join(' ')), { nil: undefined }),
      team: fc.option(fc.constantFrom(...TEAMS), { nil: undefined }),
      stage: fc.option(fc.constantFrom('prod', 'dev'), { nil: undefined }),
      params: fc.dictionary(fc.constantFrom('lr', 'opt', 'layers', 'flag'), fc.constantFrom(...PARAM_VALUES), { maxKeys: 4 }),
      metrics: fc.array(fc.tuple(fc.constantFrom('acc', 'loss'), fc.constantFrom(...METRIC_VALUES), fc.integer({ min: 0, max: 5 })), { maxLength: 6 }),
      experiments: fc.subarray([0, 1]),
      linked: fc.boolean(),
      finish: fc.constantFrom('running', 'completed', 'failed'),
    }),
    { numRuns: 40, seed: SEED },
  );
  const model = await db.createModel({ name: 'vit-base' });
  const dataset = await db.createDataset({ name: 'imagenet', version: 'v1' });
  const version = await db.createModelVersion({ modelId: model.id });
  const experiments = [await db.createExperiment({ name: 'sweep-a' }), await db.createExperiment({ name: 'sweep-b' })];
  for (const spec of random) {
    const tags: Record<string, string> = {};
    if (spec.team !== undefined) tags.team = spec.team;
    if (spec.stage !== undefined) tags.stage = spec.stage;
    const run = await db.createTrainingRun({
      ...(spec.name === undefined ? {} : { name: spec.name }),
      ...(spec.notes === undefined ? {} : { notes: spec.notes }),
      ...(spec.linked ? { modelId: model.id, modelVersionId: version.id, datasetId: dataset.id } : {}),
      tags,
    });
    if (Object.keys(spec.params).length > 0) await db.logHyperparameters(run.id, spec.params);
    const points = new Map<string, { name: string; value: number; step: number }>();
    for (const [name, value, step] of spec.metrics) points.set(`${name}/${step}`, { name, value, step });
    if (points.size > 0) await db.logMetrics(run.id, [...points.values()]);
    for (const index of spec.experiments) await db.addExperimentRun(experiments[index]!.id, run.id);
    if (spec.finish !== 'running') await db.updateTrainingRun(run.id, { status: spec.finish as 'completed' | 'failed' });
  }
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const number = fc.constantFrom('0', '0.01', '1e-3', '0.5', '1', '3', '-1', '0.9');
const comparison = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');

/** One condition drawn from the grammar, over the fields and values the random runs use. */
const condition: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('params.lr', 'params.opt', 'params.layers', 'params.flag'), comparison, fc.oneof(number, fc.constantFrom(...PARAM_VALUES.filter((value) => typeof value === 'string' || typeof value === 'boolean').map((value) => quote(String(value)))))).map(([field, op, value]) => `${field} ${op} ${value}`),
  fc.tuple(fc.constantFrom('metrics.acc', 'metrics.loss', 'metrics.acc.min', 'metrics.loss.max', 'metrics.acc.count', 'metrics.loss.step'), comparison, number).map(([field, op, value]) => `${field} ${op} ${value}`),
  fc.tuple(fc.constantFrom('tags.team', 'tags.stage', 'name', 'experiment.name', 'model.name', 'dataset.name'), fc.constantFrom('=', '!=', '<', '>='), fc.constantFrom(...TEAMS, 'prod', 'vit-base', 'sweep-a', 'imagenet', 'resnet')).map(([field, op, value]) => `${field} ${op} ${quote(value)}`),
  fc.tuple(fc.constantFrom('tags.team', 'name', 'params.opt', 'notes'), fc.constantFrom('LIKE', 'ILIKE', 'NOT LIKE', 'NOT ILIKE'), fc.constantFrom('vi%', '%N%', 'r_s%', '%a', 'x\\_y\\%z', '%')).map(([field, op, pattern]) => `${field} ${op} ${quote(pattern)}`),
  fc.tuple(fc.constantFrom('params.lr', 'tags.team', 'status', 'params.opt', 'experiment.name'), fc.boolean(), fc.subarray(['0.01', "'0.01'", "'adam'", "'vision'", "'nlp'", "'completed'", "'failed'", "'sweep-b'", '1'], { minLength: 1 })).map(([field, negated, values]) => {
    const fitting = values.filter((value) => (field === 'status' ? value === "'completed'" || value === "'failed'" : field === 'params.lr' || field === 'params.opt' || !/^[0-9]/.test(value)));
    return `${field} ${negated ? 'NOT IN' : 'IN'} (${(fitting.length > 0 ? fitting : [field === 'status' ? "'failed'" : "'x'"]).join(', ')})`;
  }),
  fc.tuple(fc.constantFrom('params.lr', 'params.flag', 'metrics.loss', 'tags.stage', 'model.name', 'experiment.name', 'notes', 'ended', 'duration'), fc.boolean()).map(([field, negated]) => `${field} IS ${negated ? 'NOT ' : ''}NULL`),
  fc.constantFrom(...WORDS).map((word) => `text ~ ${quote(word)}`),
  fc.constantFrom("status = 'FINISHED'", "attributes.status != 'running'", 'model_version = 1', "datasets.name = 'imagenet'"),
);

const query: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.tuple(tie('node'), fc.constantFrom('and', 'OR', 'AND', 'or'), tie('node')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('node').map((inner) => `not (${inner})`),
  ),
})).node;

const sortKey = fc.tuple(
  fc.constantFrom('params.lr', 'params.opt', 'metrics.acc', 'metrics.loss.min', 'tags.team', 'name', 'experiment.name', 'status', 'model_version', 'id'),
  fc.constantFrom('', ' ASC', ' DESC'),
).map(([field, direction]) => `${field}${direction}`);
const orderBy = fc.option(fc.array(sortKey, { minLength: 1, maxLength: 3 }), { nil: undefined });

async function allPages(db: AiDatabase, text: string, order: string[] | undefined, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const answer = await db.searchRuns(text, { orderBy: order, limit, cursor });
    ids.push(...answer.items.map((run) => run.id));
    cursor = answer.nextCursor;
    if (cursor === null) return ids;
  }
  throw new Error('more than 100 pages');
}

/** Mutations of valid queries plus raw strings: quotes, escapes, SQL, Unicode, deep nesting. */
function fuzzedQueries(count: number, seed: number): string[] {
  const pieces = ["'", '"', '`', '\\', '(', ')', ',', ';', '--', '/*', '*/', ' or 1=1', "'; drop table training_runs; --", '%', '_', '~', '.', 'NULL', 'NOT', 'IN', '\u0000', '\u{1F600}', 'ملف', '1e309', '-24h', '9'.repeat(40), '..', 'metrics.', 'params.`', '$1', '?'];
  const mutated = fc.tuple(query, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...pieces), fc.constantFrom('insert', 'delete', 'replace')), { maxLength: 4 })).map(([text, edits]) => {
    let result = text;
    for (const [at, piece, kind] of edits) {
      const index = result.length === 0 ? 0 : at % result.length;
      if (kind === 'insert') result = result.slice(0, index) + piece + result.slice(index);
      else if (kind === 'delete') result = result.slice(0, index) + result.slice(index + piece.length);
      else result = result.slice(0, index) + piece + result.slice(index + 1);
    }
    return result;
  });
  const raw = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join('')), fc.nat({ max: 200 }).map((depth) => `${'('.repeat(depth)}name = 'x'${')'.repeat(depth)}`));
  return fc.sample(fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: raw, weight: 1 }), { numRuns: count, seed });
}

describe.each(testBackends())('run query properties on $name', (backend) => {
  let server: TestServer;
  let http: AiDatabase;
  let reference: ReferenceRun[];

  beforeAll(async () => {
    server = await startTestServer(backend);
    http = createHttpAiDatabase({ url: server.url });
    await fillRandomRuns(server.db);
    reference = await loadReferenceRuns(server.db);
  });
  afterAll(async () => {
    await http?.close();
    await server?.close();
  });

  it(`SQL store, HTTP client and the reference agree on ${QUERIES_PER_BACKEND} random queries, in order and across pages`, async () => {
    const evaluator = new ReferenceEvaluator(Date.now());
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(query, orderBy, fc.integer({ min: 1, max: 9 }), async (text, order, limit) => {
        const expected = evaluator.search(reference, text, order);
        if (expected.length > 0) nonEmpty++;
        const fromSql = (await server.db.searchRuns(text, { orderBy: order, limit: 1000 })).items.map((run) => run.id);
        expect(fromSql, `SQL: ${text} ORDER BY ${order?.join(', ') ?? '-'}`).toEqual(expected);
        expect(await allPages(http, text, order, limit), `HTTP pages of ${limit}: ${text}`).toEqual(expected);
      }),
      { numRuns: QUERIES_PER_BACKEND, seed: SEED, endOnFailure: true },
    );
    // The random data and queries must be able to find something, or the property says little.
    expect(nonEmpty).toBeGreaterThan(QUERIES_PER_BACKEND / 4);
  }, 180_000);

  it('fuzzed query text never gets a 5xx; every rejection is a typed validation error; nothing is injected', async () => {
    const count = backend.name === 'sqlite-memory' ? FUZZ_SQLITE : FUZZ_SERVER_BACKENDS;
    const runsBefore = (await server.db.getStatistics()).counts.trainingRuns;
    const statuses = new Map<number, number>();
    const texts = fuzzedQueries(count, SEED + count);
    for (let start = 0; start < texts.length; start += 20) {
      await Promise.all(
        texts.slice(start, start + 20).map(async (text, offset) => {
          // A lone surrogate cannot be URL-encoded; such text goes in a JSON body (as an escape).
          const post = (start + offset) % 2 === 0 || /\p{Surrogate}/u.test(text);
          const response = post
            ? await fetch(`${server.url}/api/v1/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, limit: 5 }) })
            : await fetch(`${server.url}/api/v1/runs/search?limit=5&query=${encodeURIComponent(text)}`);
          const body = (await response.json()) as { error?: { code: string; field?: string } };
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${response.status} for ${JSON.stringify(text)}: ${JSON.stringify(body)}`).toBeLessThan(500);
          if (response.status !== 200) expect(body.error, JSON.stringify(text)).toMatchObject({ code: 'validation_failed' });
        }),
      );
    }
    expect([...statuses.keys()].sort()).toEqual([200, 422]);
    expect((await server.db.getStatistics()).counts.trainingRuns).toBe(runsBefore);
    console.info(`fuzz on ${backend.name}: ${count} queries, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 300_000);
});
