/**
 * Search (issue 13): runs × 20 hyperparameters × 10 metrics; a hyperparameter-and-metric filter ordered
 * by a metric, first page of 100, through `searchRuns`, beside the hand-written join a DBA would
 * write for that one question; and a full-text query beside a raw query on the same index.
 */
import type { BenchContext } from '../context.js';
import { bestOfInterleaved, durationResult, log, type ScenarioResult } from '../measure.js';

const WORDS = ['resnet', 'vit', 'bert', 'baseline', 'ablation', 'sweep', 'warmup', 'cosine', 'mixup', 'distill'];
const PARAMETERS = 20;
const METRICS = 10;
const hp = (index: number) => `hp_${String(index).padStart(2, '0')}`;
const metric = (index: number) => `m_${String(index).padStart(2, '0')}`;
/** Deterministic values in [0, 1), different per run and name. */
const value = (run: number, index: number) => ((run * 7919 + index * 104_729) % 10_007) / 10_007;

const FILTER = 'params.hp_03 < 0.5 and metrics.m_02 > 0.5';
const ORDER = 'metrics.m_00 DESC';

/** The same question as FILTER/ORDER, written by hand against the tables. */
const RAW_FILTER = `select r.* from training_runs r
  join hyperparameters h on h.run_id = r.id and h.name = 'hp_03' and h.value_number < 0.5
  join metric_summaries s on s.run_id = r.id and s.name = 'm_02' and s.last_value > 0.5
  left join metric_summaries o on o.run_id = r.id and o.name = 'm_00'
  order by case when o.last_value is null then 1 else 0 end, o.last_value desc, r.id desc limit 100`;

function rawText(backend: BenchContext['backend']): string {
  switch (backend) {
    case 'sqlite':
      return `select r.* from training_runs r where r.id in (select d.entity_id from search_documents d
        where d.entity = 'run' and d.rowid in (select rowid from search_index where search_index match '"resnet" "vit"'))
        order by r.id desc limit 100`;
    case 'postgresql':
      return `select r.* from training_runs r where r.id in (select d.entity_id from search_documents d
        where d.entity = 'run' and to_tsvector('simple', d.body) @@ plainto_tsquery('simple', 'resnet vit'))
        order by r.id desc limit 100`;
    case 'mysql':
      return `select r.* from training_runs r where r.id in (select d.entity_id from search_documents d
        where d.entity = 'run' and match(d.body) against ('+resnet +vit' in boolean mode))
        order by r.id desc limit 100`;
  }
}

export async function search(ctx: BenchContext): Promise<ScenarioResult[]> {
  const count = ctx.sizes.searchRuns;
  for (let start = 0; start < count; start += 250) {
    await ctx.db.transaction(async (tx) => {
      for (let run = start; run < Math.min(count, start + 250); run++) {
        const notes = [WORDS[run % WORDS.length], WORDS[(run * 3) % WORDS.length], WORDS[(run * 7 + 1) % WORDS.length]].join(' ');
        const { id } = await tx.createTrainingRun({ name: `search-${run}`, notes, status: 'running', heartbeatTimeoutMs: null });
        await tx.logHyperparameters(id, Object.fromEntries(Array.from({ length: PARAMETERS }, (_, index) => [hp(index), value(run, index)])));
        await tx.logMetrics(id, Array.from({ length: METRICS }, (_, index) => ({ name: metric(index), value: value(run, index + 50), step: 0 })));
      }
    });
  }
  log(`  loaded ${count} runs × ${PARAMETERS} hyperparameters × ${METRICS} metrics`);
  await ctx.raw.analyze();

  let aimdbRows = 0;
  let rawRows = 0;
  const [rawMs, aimdbMs] = await bestOfInterleaved(
    5,
    async () => (rawRows = await ctx.raw.select(RAW_FILTER)),
    async () => (aimdbRows = (await ctx.db.searchRuns(FILTER, { orderBy: ORDER, limit: 100 })).items.length),
  );
  if (aimdbRows !== rawRows) throw new Error(`search returned ${aimdbRows} runs, the raw query ${rawRows}`);
  log(`  filter + order, first 100: raw ${rawMs.toFixed(1)} ms, aimdb ${aimdbMs.toFixed(1)} ms`);

  let aimdbText = 0;
  let rawText_ = 0;
  const [rawTextMs, aimdbTextMs] = await bestOfInterleaved(
    5,
    async () => (rawText_ = await ctx.raw.select(rawText(ctx.backend))),
    async () => (aimdbText = (await ctx.db.searchRuns("text ~ 'resnet vit'", { limit: 100 })).items.length),
  );
  if (aimdbText !== rawText_) throw new Error(`full-text search returned ${aimdbText} runs, the raw query ${rawText_}`);
  log(`  full text, first 100: raw ${rawTextMs.toFixed(1)} ms, aimdb ${aimdbTextMs.toFixed(1)} ms (${aimdbText} runs)`);

  return [
    durationResult({
      backend: ctx.backend,
      id: 'search-filter',
      title: `search: hyperparameter and metric filter ordered by a metric, first 100 of ${count.toLocaleString('en')} runs (${aimdbMs.toFixed(1)} ms)`,
      aimdb: aimdbMs,
      baseline: rawMs,
      baselineLabel: 'hand-written join',
      target: 0.5,
      targetText: '≥ 0.5× and ≤ 30 ms at 10,000 runs',
    }),
    durationResult({
      backend: ctx.backend,
      id: 'search-text',
      title: `search: full-text query over ${count.toLocaleString('en')} runs, first 100 (${aimdbTextMs.toFixed(1)} ms)`,
      aimdb: aimdbTextMs,
      baseline: rawTextMs,
      baselineLabel: 'raw full-text query',
      target: 0.5,
      targetText: '≥ 0.5× and ≤ 50 ms at 100,000 runs',
    }),
  ];
}
