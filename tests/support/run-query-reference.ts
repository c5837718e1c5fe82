/**
 * The reference evaluator of the run query language: the same syntax tree the SQL store compiles,
 * evaluated in memory over runs read back through the public API. Tests compare every backend's
 * `searchRuns` with it, run for run and in order.
 */
import type { AiDatabase, JsonValue, TrainingRun } from '../../src/index.js';
import type { Condition, Field, SortKey, Value } from '../../src/core/query/ast.js';
import { fieldType } from '../../src/core/query/fields.js';
import { parseOrderBy, parseRunQuery } from '../../src/core/query/parser.js';
import { hyperparameterColumns, likeParts, resolveTime } from '../../src/core/query/values.js';

export interface ReferenceMetric {
  last: number | null;
  min: number | null;
  max: number | null;
  count: number;
  step: number;
}

export interface ReferenceRun {
  run: TrainingRun;
  params: Record<string, JsonValue>;
  metrics: Record<string, ReferenceMetric>;
  experiments: Array<{ id: number; name: string }>;
  model: { id: number; name: string } | null;
  modelVersion: { id: number; version: number } | null;
  dataset: { id: number; name: string; version: string; digest: string | null } | null;
}

type Scalar = number | string | null;

/** Reads every run with what a query can see of it, through the AiDatabase API only. */
export async function loadReferenceRuns(db: AiDatabase): Promise<ReferenceRun[]> {
  const runs: TrainingRun[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const answer = await db.listTrainingRuns({ limit: 1000, cursor });
    runs.push(...answer.items);
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  const memberships = new Map<number, Array<{ id: number; name: string }>>();
  let experimentCursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const answer = await db.listExperiments({ limit: 1000, cursor: experimentCursor });
    for (const experiment of answer.items) {
      for (const member of await db.getExperimentRuns(experiment.id)) {
        const list = memberships.get(member.id) ?? [];
        list.push({ id: experiment.id, name: experiment.name });
        memberships.set(member.id, list);
      }
    }
    experimentCursor = answer.nextCursor;
    if (experimentCursor === null) break;
  }
  const summaries = runs.length === 0 ? [] : await db.getMetricSummaries(runs.map((run) => run.id));
  const result: ReferenceRun[] = [];
  for (const run of runs) {
    const metrics: Record<string, ReferenceMetric> = {};
    for (const summary of summaries.filter((item) => item.runId === run.id)) {
      metrics[summary.name] = {
        last: Number.isFinite(summary.lastValue) ? summary.lastValue : null,
        min: summary.min,
        max: summary.max,
        count: summary.count,
        step: summary.lastStep,
      };
    }
    const model = run.modelId === null ? null : await db.getModel(run.modelId);
    const version = run.modelVersionId === null ? null : await db.getModelVersion(run.modelVersionId);
    const dataset = run.datasetId === null ? null : await db.getDataset(run.datasetId);
    result.push({
      run,
      params: await db.getHyperparameters(run.id),
      metrics,
      experiments: memberships.get(run.id) ?? [],
      model: model === null ? null : { id: model.id, name: model.name },
      modelVersion: version === null ? null : { id: version.id, version: version.version },
      dataset: dataset === null ? null : { id: dataset.id, name: dataset.name, version: dataset.version, digest: dataset.digest },
    });
  }
  return result;
}

const time = (date: Date | null) => (date === null ? null : date.getTime());

/** The values a field has for a run (several for experiments), missing ones as null. */
function valuesOf(field: Field, entry: ReferenceRun): Scalar[] {
  const { run } = entry;
  switch (field.kind) {
    case 'attribute':
      switch (field.name) {
        case 'id':
          return [run.id];
        case 'name':
          return [run.name];
        case 'status':
          return [run.status];
        case 'notes':
          return [run.notes];
        case 'error':
          return [run.error];
        case 'created':
          return [time(run.createdAt)];
        case 'started':
          return [time(run.startedAt)];
        case 'ended':
          return [time(run.endedAt)];
        case 'updated':
          return [time(run.updatedAt)];
        case 'duration':
          return [run.durationMs];
      }
      break;
    case 'tag':
      return [run.tags[field.key] ?? null];
    case 'metric': {
      const metric = entry.metrics[field.key];
      return metric === undefined ? [] : [metric[field.aggregate]];
    }
    case 'param':
      throw new Error('params are evaluated by their typed columns');
    case 'related':
      switch (field.property) {
        case 'experiment.id':
          return entry.experiments.map((experiment) => experiment.id);
        case 'experiment.name':
          return entry.experiments.map((experiment) => experiment.name);
        case 'model.id':
          return entry.model === null ? [] : [entry.model.id];
        case 'model.name':
          return entry.model === null ? [] : [entry.model.name];
        case 'model_version':
          return entry.modelVersion === null ? [] : [entry.modelVersion.version];
        case 'model_version.id':
          return entry.modelVersion === null ? [] : [entry.modelVersion.id];
        case 'dataset.id':
          return entry.dataset === null ? [] : [entry.dataset.id];
        case 'dataset.name':
          return entry.dataset === null ? [] : [entry.dataset.name];
        case 'dataset.version':
          return entry.dataset === null ? [] : [entry.dataset.version];
        case 'dataset.digest':
          return entry.dataset === null ? [] : [entry.dataset.digest];
      }
  }
}

/** Code-point order, as the store compares text. */
export function compareText(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const difference = left[index]!.codePointAt(0)! - right[index]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function compare(actual: Scalar, op: string, expected: number | string): boolean {
  if (actual === null) return false;
  const order = typeof actual === 'string' && typeof expected === 'string' ? compareText(actual, expected) : (actual as number) - (expected as number);
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

function likeRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const source = likeParts(caseInsensitive ? pattern.toLowerCase() : pattern)
    .map((part) => (part.kind === 'any' ? '[\\s\\S]*' : part.kind === 'one' ? '[\\s\\S]' : part.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'u');
}

function like(value: string, pattern: string, caseInsensitive: boolean): boolean {
  return likeRegExp(pattern, caseInsensitive).test(caseInsensitive ? value.toLowerCase() : value);
}

export class ReferenceEvaluator {
  constructor(
    private readonly now: number,
    /** Full-text matching, when a test covers `text ~`: whether the run's text holds every word. */
    private readonly textMatches: (entry: ReferenceRun, words: string) => boolean = () => {
      throw new Error('text ~ needs a text matcher');
    },
  ) {}

  private literal(value: Value): number | string {
    return value.type === 'time' ? resolveTime(value.value, this.now) : value.value;
  }

  private onValue(value: Scalar, condition: Extract<Condition, { field: Field }>): boolean {
    if (value === null) return condition.type === 'null' && !condition.negated;
    switch (condition.type) {
      case 'compare':
        return compare(value, condition.op, this.literal(condition.value));
      case 'in': {
        const inside = condition.values.some((item) => value === this.literal(item));
        return condition.negated ? !inside : inside;
      }
      case 'like': {
        const match = like(String(value), condition.pattern, condition.caseInsensitive);
        return condition.negated ? !match : match;
      }
      case 'null':
        return condition.negated;
    }
  }

  private onParam(raw: JsonValue, condition: Extract<Condition, { field: Field }>): boolean {
    const { valueNumber, valueText } = hyperparameterColumns(raw);
    switch (condition.type) {
      case 'compare':
        return condition.value.type === 'number' ? compare(valueNumber, condition.op, condition.value.value) : compare(valueText, condition.op, this.literal(condition.value));
      case 'in': {
        const inside = condition.values.some((item) => (item.type === 'number' ? valueNumber !== null && valueNumber === item.value : valueText === item.value));
        return condition.negated ? !inside : inside;
      }
      case 'like': {
        const match = like(valueText, condition.pattern, condition.caseInsensitive);
        return condition.negated ? !match : match;
      }
      case 'null':
        return true;
    }
  }

  matches(condition: Condition, entry: ReferenceRun): boolean {
    switch (condition.type) {
      case 'and':
        return condition.items.every((item) => this.matches(item, entry));
      case 'or':
        return condition.items.some((item) => this.matches(item, entry));
      case 'not':
        return !this.matches(condition.item, entry);
      case 'text':
        return this.textMatches(entry, condition.words);
      default:
        break;
    }
    const { field } = condition;
    if (field.kind === 'param') {
      const present = Object.hasOwn(entry.params, field.key);
      if (condition.type === 'null') return condition.negated ? present : !present;
      return present && this.onParam(entry.params[field.key]!, condition);
    }
    if (field.kind === 'metric' && condition.type === 'null') {
      const present = entry.metrics[field.key] !== undefined;
      return condition.negated ? present : !present;
    }
    const values = valuesOf(field, entry);
    if (condition.type === 'null') {
      const present = values.some((value) => value !== null);
      return condition.negated ? present : !present;
    }
    return values.some((value) => this.onValue(value, condition));
  }

  /** The sort tuple of one key, as the store builds it: flags first, then values. */
  private sortTuple(key: SortKey, entry: ReferenceRun): Array<{ value: number | string; descending: boolean }> {
    const descending = key.direction === 'desc';
    const { field } = key;
    if (field.kind === 'param') {
      const present = Object.hasOwn(entry.params, field.key);
      const columns = present ? hyperparameterColumns(entry.params[field.key]!) : { valueNumber: null, valueText: '' };
      return [
        { value: present ? 0 : 1, descending: false },
        { value: columns.valueNumber === null ? 1 : 0, descending: false },
        { value: columns.valueNumber ?? 0, descending },
        { value: columns.valueText, descending },
      ];
    }
    const values = valuesOf(field, entry).filter((value) => value !== null);
    const text = fieldType(field) === 'string' || fieldType(field) === 'status';
    let value: Scalar = null;
    for (const candidate of values) {
      if (value === null || (text ? compareText(candidate as string, value as string) < 0 : (candidate as number) < (value as number))) value = candidate;
    }
    return [
      { value: value === null ? 1 : 0, descending: false },
      { value: value ?? (text ? '' : 0), descending },
    ];
  }

  /** The ids of the matching runs in the order `searchRuns` must return them. */
  search(entries: readonly ReferenceRun[], query: string, orderBy?: string | string[]): number[] {
    const parsed = parseRunQuery(query);
    const keys = parseOrderBy(orderBy);
    const matching = entries.filter((entry) => parsed.where === undefined || this.matches(parsed.where, entry));
    const tuples = new Map(matching.map((entry) => [entry.run.id, [...keys.flatMap((key) => this.sortTuple(key, entry)), { value: entry.run.id, descending: true }]]));
    return matching
      .map((entry) => entry.run.id)
      .sort((a, b) => {
        const left = tuples.get(a)!;
        const right = tuples.get(b)!;
        for (let index = 0; index < left.length; index++) {
          const x = left[index]!.value;
          const y = right[index]!.value;
          const order = typeof x === 'string' ? compareText(x, y as string) : x - (y as number);
          if (order !== 0) return left[index]!.descending ? -order : order;
        }
        return 0;
      });
  }
}
