/**
 * searchRuns: the run query language over attributes, typed hyperparameters, metric aggregates, tags
 * and linked entities, with ordering, keyset pages and positioned errors. Every answer is checked
 * against what the runs were built to match, and against the in-memory reference evaluator.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type AiDatabase, type TrainingRun } from '../../src/index.js';
import { ReferenceEvaluator, loadReferenceRuns, type ReferenceRun } from '../support/run-query-reference.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection } from './expectations.js';

interface Fixture {
  runs: Record<string, TrainingRun>;
}

/** Seven runs with deliberately different shapes (numbers, numeric strings, missing values, NaN). */
async function buildFixture(db: AiDatabase): Promise<Fixture> {
  const model = await db.createModel({ name: 'vit-base' });
  const version = await db.createModelVersion({ modelId: model.id });
  const dataset = await db.createDataset({ name: 'imagenet', version: 'v2', digest: 'abc123' });
  const vision = await db.createExperiment({ name: 'vision sweep' });
  const baseline = await db.createExperiment({ name: 'baselines' });
  const runs: Record<string, TrainingRun> = {};
  const make = async (
    key: string,
    input: Parameters<AiDatabase['createTrainingRun']>[0],
    params: Record<string, never | number | string | boolean | null | object>,
    metrics: Array<[string, number, number]>,
  ) => {
    const run = await db.createTrainingRun(input);
    if (Object.keys(params).length > 0) await db.logHyperparameters(run.id, params as never);
    if (metrics.length > 0) await db.logMetrics(run.id, metrics.map(([name, value, step]) => ({ name, value, step })));
    runs[key] = run;
  };
  await make('vitSmallLr', { name: 'vit-small-lr', modelId: model.id, modelVersionId: version.id, datasetId: dataset.id, tags: { team: 'vision', stage: 'prod' } }, { lr: 0.0005, optimizer: 'adamw', layers: 12 }, [['val_acc', 0.8, 0], ['val_acc', 0.93, 1], ['loss', 0.5, 0], ['loss', 0.2, 1]]);
  await make('vitBigLr', { name: 'vit-big-lr', modelId: model.id, datasetId: dataset.id, tags: { team: 'vision' } }, { lr: 0.01, optimizer: 'sgd', layers: 12 }, [['val_acc', 0.95, 0], ['val_acc', 0.7, 5], ['loss', 0.9, 0]]);
  // MLflow logs every parameter as a string; '0.0001' must still compare as a number.
  await make('mlflowStyle', { name: 'ResNet-50', tags: { team: 'Vision', 'mlflow.user': 'ana' } }, { lr: '0.0001', optimizer: 'adamw' }, [['val_acc', 0.91, 3]]);
  await make('noParams', { name: 'bare', status: 'queued' }, {}, []);
  await make('nanLoss', { name: 'diverged', tags: { team: 'nlp' } }, { lr: 0.1, layers: 24, flags: { amp: true } }, [['loss', Number.NaN, 2], ['val_acc', 0.1, 2]]);
  await make('finished', { name: 'vit-finished', tags: { team: 'vision', note: "it's done" } }, { lr: 0.001, optimizer: 'Adam' }, [['val_acc', 0.9, 1]]);
  await db.updateTrainingRun(runs.finished!.id, { status: 'completed' });
  await make('failed', { name: 'crashed', notes: 'out of memory' }, { lr: 0.002 }, []);
  await db.updateTrainingRun(runs.failed!.id, { status: 'failed', error: 'OOM' });
  await db.addExperimentRun(vision.id, runs.vitSmallLr!.id);
  await db.addExperimentRun(vision.id, runs.vitBigLr!.id);
  await db.addExperimentRun(baseline.id, runs.vitBigLr!.id);
  await db.addExperimentRun(baseline.id, runs.mlflowStyle!.id);
  return { runs };
}

/** Queries whose answers the reference also computes; each line exercises one feature. */
export const REFERENCE_QUERIES: ReadonlyArray<[string, string?]> = [
  ['', undefined],
  ["metrics.val_acc > 0.9 and params.lr < 1e-3", 'metrics.val_acc DESC'],
  ["params.lr = '0.01'"],
  ["params.lr = 0.01"],
  ["params.optimizer IN ('adamw', 'sgd') or params.optimizer ILIKE 'ADAM'", 'params.optimizer, name'],
  ["params.lr NOT IN (0.01, 0.1)", 'params.lr DESC'],
  ["params.lr IS NULL or params.flags IS NOT NULL"],
  ["not params.lr > 0.001", 'params.lr'],
  ["tags.team = 'vision' and not tags.stage = 'prod'"],
  ["tags.team ILIKE 'vis%'", 'tags.team DESC, id'],
  ["tags.`mlflow.user` = 'ana' or tags.note LIKE '%done'"],
  ["metrics.loss.count >= 2 or metrics.loss.step = 2", 'metrics.loss.min DESC'],
  ["metrics.loss IS NOT NULL", 'metrics.loss'],
  ["metrics.loss < 1", 'metrics.loss DESC'],
  ["metrics.val_acc.max > 0.94 and metrics.val_acc.last < 0.8"],
  ["attributes.status = 'FINISHED' or status IN ('failed', 'queued')", 'status, created DESC'],
  ["attributes.run_name LIKE 'vit%'", 'attributes.run_name'],
  ["name ILIKE '%RESNET%' or notes LIKE '%memory'"],
  ["experiment.name = 'baselines'", 'experiment.name, id'],
  ["experiment.name IS NULL", 'name DESC'],
  ["model.name = 'vit-base' and model_version IS NULL"],
  ["datasets.name = 'imagenet' and dataset.version = 'v2' and dataset.digest = 'abc123'"],
  ["created > '2020-01-01' and started > -24h and ended IS NULL", 'started DESC'],
  ["duration IS NOT NULL or error = 'OOM'"],
  ["(params.layers >= 12 and params.layers < 24) or (metrics.val_acc.min <= 0.1)", 'params.layers DESC, metrics.val_acc'],
];

export function defineRunSearchContract(target: ContractTarget): void {
  describe(`${target.label}: run search`, () => {
    const db = useDatabase(target);
    let fixture: Fixture;
    let reference: ReferenceRun[];
    const ids = (keys: string[]) => keys.map((key) => fixture.runs[key]!.id);
    const search = async (query: string, orderBy?: string | string[]) => (await db().searchRuns(query, { orderBy, limit: 1000 })).items.map((run) => run.id);

    beforeAll(async () => {
      fixture = await buildFixture(db());
      reference = await loadReferenceRuns(db());
    });

    it('answers MLflow filter strings unchanged, comparing hyperparameters by type', async () => {
      expect(await search("metrics.val_acc > 0.9 and params.lr < 1e-3", 'metrics.val_acc DESC')).toEqual(ids(['vitSmallLr', 'mlflowStyle']));
      // A number logged as 0.01 matches its text form as well as the number.
      expect(await search("params.lr = '0.01'")).toEqual(ids(['vitBigLr']));
      expect(await search("params.lr = '0.0001'")).toEqual(ids(['mlflowStyle']));
      expect(await search('params.lr <= 0.0001')).toEqual(ids(['mlflowStyle']));
      expect(await search("attributes.status = 'FINISHED'")).toEqual(ids(['finished']));
      expect(await search("tags.team = 'vision'", 'attributes.run_name')).toEqual(ids(['vitBigLr', 'finished', 'vitSmallLr']));
      expect(await search("attributes.run_name LIKE 'vit%' and attributes.run_name ILIKE '%LR'")).toEqual(ids(['vitBigLr', 'vitSmallLr']));
    });

    it('supports OR, NOT, parentheses, IN everywhere and IS NULL', async () => {
      expect(await search("(tags.team = 'nlp' or status = 'failed') and not name = 'crashed'")).toEqual(ids(['nanLoss']));
      expect(await search("status IN ('queued', 'failed')")).toEqual(ids(['failed', 'noParams']));
      expect(await search('params.lr IS NULL')).toEqual(ids(['noParams']));
      expect(await search("tags.team IS NULL", 'id')).toEqual(ids(['noParams', 'failed']));
      expect(await search("experiment.name IN ('baselines') and model.id IS NOT NULL")).toEqual(ids(['vitBigLr']));
    });

    it('reads metric aggregates; a NaN last value is present but matches no comparison', async () => {
      expect(await search('metrics.val_acc.max > 0.94 and metrics.val_acc < 0.8')).toEqual(ids(['vitBigLr']));
      expect(await search('metrics.val_acc.step = 5')).toEqual(ids(['vitBigLr']));
      expect(await search('metrics.loss.count = 2')).toEqual(ids(['vitSmallLr']));
      expect(await search('metrics.loss IS NOT NULL and not metrics.loss < 100')).toEqual(ids(['nanLoss']));
    });

    it('sorts by several keys with missing values last, and pages with keyset tokens', async () => {
      const all = await search('', ['metrics.val_acc DESC', 'name']);
      expect(all).toEqual(ids(['vitSmallLr', 'mlflowStyle', 'finished', 'vitBigLr', 'nanLoss', 'noParams', 'failed']));
      // Missing last in both directions.
      const ascending = await search('', 'metrics.val_acc ASC');
      expect(ascending.slice(-2).sort()).toEqual(ids(['noParams', 'failed']).sort());
      const pages: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const answer = await db().searchRuns('', { orderBy: ['metrics.val_acc DESC', 'name'], limit: 2, cursor });
        pages.push(...answer.items.map((run) => run.id));
        cursor = answer.nextCursor;
        if (cursor === null) break;
      }
      expect(pages).toEqual(all);
      await expectRejection(db().searchRuns('status = "running"', { cursor: (await db().searchRuns('', { limit: 1 })).nextCursor }), ValidationError, { field: 'cursor' });
    });

    it('matches the reference evaluator on every feature, in order', async () => {
      const evaluator = new ReferenceEvaluator(Date.now());
      for (const [query, orderBy] of REFERENCE_QUERIES) {
        expect(await search(query, orderBy), `${query} ORDER BY ${orderBy ?? '-'}`).toEqual(evaluator.search(reference, query, orderBy));
      }
    });

    it('rejects bad queries with a ValidationError that points at the column', async () => {
      const error = await expectRejection(db().searchRuns('metrics.val_acc > '), ValidationError, { field: 'query' });
      expect(error.message).toMatch(/at 19: expected a value after '>'/);
      expect((error as ValidationError).position).toBe(19);
      const unknown = await expectRejection(db().searchRuns("foo.bar = 'x'"), ValidationError, { field: 'query' });
      expect(unknown.message).toMatch(/metrics\.<name>.*params\.<name>.*tags\.<key>/);
      await expectRejection(db().searchRuns("status = 'done'"), ValidationError, { message: /unknown status 'done'/ });
      await expectRejection(db().searchRuns("tags.team = 1"), ValidationError, { message: /at 13: .*quoted string/ });
      await expectRejection(db().searchRuns('', { orderBy: 'metrics.x sideways' }), ValidationError, { field: 'orderBy' });
      await expectRejection(db().searchRuns('', { limit: 50_001 }), ValidationError);
      // Quotes in values are data, never SQL.
      expect(await search("name = 'x'' or 1=1 --'")).toEqual([]);
    });
  });
}
