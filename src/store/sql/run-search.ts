/**
 * `searchRuns`: a parsed run query compiled to one SQL statement per page, for all three backends
 * (docs/query-language.md, docs/decisions/0800-query-language.md). Dialect differences (JSON keys,
 * LIKE, text order) come from the backend object; everything else is written once here.
 *
 * Every predicate is two-valued (true or false, never NULL): a comparison with a missing value is
 * false, so `NOT` simply inverts. Sort keys are non-null expressions (a "missing" flag first), so
 * keyset pages compare plain values.
 */
import { createHash } from 'node:crypto';
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Page, TrainingRun } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import type { Condition, Field, SortKey, Value } from '../../core/query/ast.js';
import { fieldType } from '../../core/query/fields.js';
import { parseOrderBy, parseRunQuery } from '../../core/query/parser.js';
import { likeParts, resolveTime } from '../../core/query/values.js';
import { parseInput, searchRunsOptionsSchema, type SearchRunsOptions } from '../../core/schemas.js';
import { guarded, type StoreContext } from './context.js';
import { toTrainingRun } from './mappers.js';
import { textMatch } from './text-search.js';

type Sql = RawBuilder<unknown>;
type Predicate = RawBuilder<SqlBool>;

interface SortColumn {
  expression: Sql;
  descending: boolean;
}

/** A table a sort key reads, joined to the run `r` (a left join: the run may lack the value). */
interface SortJoin {
  table: 'metric_summaries' | 'hyperparameters';
  alias: string;
  name: string;
}

/**
 * A leading sort key an index hands over in order: the runs that have a value for it, walked along
 * `(name, value…)`, come first; a page of 100 then reads a few hundred index entries instead of
 * sorting every matching run (docs/decisions/0803).
 */
interface IndexedLead {
  /** Holds for the runs that have a value, joined to the key's table. */
  present: Predicate;
  /** Sorting `present` runs by this, then by the remaining columns, is the search's order. */
  value: SortColumn;
  /** How many of the key's columns `value` stands for (its flags and value). */
  width: number;
  /** The index that hands the key's rows over in `value` order (migration 0013). */
  index: string;
}

function renderJoin(join: SortJoin): Sql {
  const alias = sql.ref(join.alias);
  return sql`left join ${sql.table(join.table)} ${alias} on ${sql.ref(`${join.alias}.run_id`)} = ${col('id')} and ${sql.ref(`${join.alias}.name`)} = ${join.name}`;
}

const RUN = sql.ref('r');
const col = (name: string) => sql.ref(`r.${name}`);
const TRUE: Predicate = sql<SqlBool>`(1 = 1)`;

const ATTRIBUTE_COLUMNS = {
  id: 'id',
  name: 'name',
  status: 'status',
  notes: 'notes',
  error: 'error',
  created: 'created_at',
  started: 'started_at',
  ended: 'ended_at',
  updated: 'updated_at',
  duration: 'duration_ms',
} as const;

const METRIC_COLUMNS = { last: 'last_value', min: 'min_value', max: 'max_value', count: 'count', step: 'last_step' } as const;

/** A linked entity's property: the table it lives in, how it joins to the run, and its column. */
interface RelatedSource {
  /** `from … where …` selecting rows linked to the run `r`, aliased `x`. */
  from: Sql;
  column: string;
}

function relatedSource(property: Extract<Field, { kind: 'related' }>['property']): RelatedSource {
  switch (property) {
    case 'experiment.id':
      return { from: sql`experiment_runs x where x.run_id = ${col('id')}`, column: 'experiment_id' };
    case 'experiment.name':
      return {
        from: sql`experiment_runs xr join experiments x on x.id = xr.experiment_id where xr.run_id = ${col('id')}`,
        column: 'name',
      };
    case 'model.id':
      return { from: sql`models x where x.id = ${col('model_id')}`, column: 'id' };
    case 'model.name':
      return { from: sql`models x where x.id = ${col('model_id')}`, column: 'name' };
    case 'model_version':
      return { from: sql`model_versions x where x.id = ${col('model_version_id')}`, column: 'version' };
    case 'model_version.id':
      return { from: sql`model_versions x where x.id = ${col('model_version_id')}`, column: 'id' };
    case 'dataset.id':
      return { from: sql`datasets x where x.id = ${col('dataset_id')}`, column: 'id' };
    case 'dataset.name':
      return { from: sql`datasets x where x.id = ${col('dataset_id')}`, column: 'name' };
    case 'dataset.version':
      return { from: sql`datasets x where x.id = ${col('dataset_id')}`, column: 'version' };
    case 'dataset.digest':
      return { from: sql`datasets x where x.id = ${col('dataset_id')}`, column: 'digest' };
  }
}

class Compiler {
  constructor(
    private readonly ctx: StoreContext,
    private readonly now: number,
  ) {}

  private literal(value: Value): unknown {
    switch (value.type) {
      case 'time':
        return this.ctx.backend.numberParameter(resolveTime(value.value, this.now));
      case 'number':
        return this.ctx.backend.numberParameter(value.value);
      default:
        return value.value;
    }
  }

  /** `expression op value`, text compared by code point; the caller makes it two-valued. */
  private compareTo(expression: Expression<unknown>, op: string, value: Value): Predicate {
    const operator = sql.raw(op === '!=' ? '<>' : op);
    if (value.type === 'string' && op !== '=' && op !== '!=') {
      const { backend } = this.ctx;
      return sql<SqlBool>`${backend.orderedText(expression)} ${operator} ${backend.orderedText(sql`${value.value}`)}`;
    }
    return sql<SqlBool>`${expression} ${operator} ${this.literal(value)}`;
  }

  private inList(expression: Expression<unknown>, values: Value[]): Predicate {
    return sql<SqlBool>`${expression} in (${sql.join(values.map((value) => this.literal(value)))})`;
  }

  /** The predicate on a value expression `v` that is NULL when the value is missing. */
  private onValue(expression: Expression<unknown>, condition: Extract<Condition, { field: Field }>): Predicate {
    const present = sql<SqlBool>`${expression} is not null`;
    switch (condition.type) {
      case 'compare':
        return sql<SqlBool>`(${present} and ${this.compareTo(expression, condition.op, condition.value)})`;
      case 'in': {
        const inside = this.inList(expression, condition.values);
        return condition.negated ? sql<SqlBool>`(${present} and not ${inside})` : sql<SqlBool>`(${present} and ${inside})`;
      }
      case 'like': {
        const match = this.ctx.backend.likeMatch(expression, likeParts(condition.pattern), condition.caseInsensitive);
        return condition.negated ? sql<SqlBool>`(${present} and not ${match})` : sql<SqlBool>`(${present} and ${match})`;
      }
      case 'null':
        return condition.negated ? present : sql<SqlBool>`${expression} is null`;
    }
  }

  /** A hyperparameter row `h` satisfying the condition (typed by the literal). */
  private onHyperparameter(condition: Extract<Condition, { field: Field }>): Predicate {
    const number = sql.ref('h.value_number');
    const text = sql.ref('h.value_text');
    const typed = (value: Value): Expression<unknown> => (value.type === 'number' ? number : text);
    switch (condition.type) {
      case 'compare':
        return condition.value.type === 'number'
          ? sql<SqlBool>`(${number} is not null and ${this.compareTo(number, condition.op, condition.value)})`
          : this.compareTo(text, condition.op, condition.value);
      case 'in': {
        const numbers = condition.values.filter((value) => value.type === 'number');
        const texts = condition.values.filter((value) => value.type !== 'number');
        const branches: Predicate[] = [];
        if (numbers.length > 0) branches.push(sql<SqlBool>`(${number} is not null and ${this.inList(number, numbers)})`);
        if (texts.length > 0) branches.push(this.inList(typed(texts[0]!), texts));
        const inside = sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
        return condition.negated ? sql<SqlBool>`not ${inside}` : inside;
      }
      case 'like': {
        const match = this.ctx.backend.likeMatch(text, likeParts(condition.pattern), condition.caseInsensitive);
        return condition.negated ? sql<SqlBool>`not ${match}` : match;
      }
      case 'null':
        return TRUE;
    }
  }

  private leaf(condition: Extract<Condition, { field: Field }>): Predicate {
    const { field } = condition;
    switch (field.kind) {
      case 'attribute':
        return this.onValue(col(ATTRIBUTE_COLUMNS[field.name]), condition);
      case 'tag':
        return this.onValue(this.ctx.backend.jsonStringAt(col('tags'), field.key), condition);
      // Uncorrelated IN subqueries: evaluated once, as a range read of the (name, value) index,
      // instead of a probe per run (which SQLite planned as a range scan per run).
      case 'param': {
        const rows = sql`select h.run_id from hyperparameters h where h.name = ${field.key}`;
        if (condition.type === 'null') {
          return condition.negated ? sql<SqlBool>`${col('id')} in (${rows})` : sql<SqlBool>`${col('id')} not in (${rows})`;
        }
        return sql<SqlBool>`${col('id')} in (${rows} and ${this.onHyperparameter(condition)})`;
      }
      case 'metric': {
        const rows = sql`select s.run_id from metric_summaries s where s.name = ${field.key}`;
        if (condition.type === 'null') {
          return condition.negated ? sql<SqlBool>`${col('id')} in (${rows})` : sql<SqlBool>`${col('id')} not in (${rows})`;
        }
        return sql<SqlBool>`${col('id')} in (${rows} and ${this.onValue(sql.ref(`s.${METRIC_COLUMNS[field.aggregate]}`), condition)})`;
      }
      case 'related': {
        const source = relatedSource(field.property);
        const value = sql.ref(`x.${source.column}`);
        if (condition.type === 'null') {
          const linked = sql<SqlBool>`exists (select 1 from ${source.from} and ${value} is not null)`;
          return condition.negated ? linked : sql<SqlBool>`not ${linked}`;
        }
        return sql<SqlBool>`exists (select 1 from ${source.from} and ${this.onValue(value, condition)})`;
      }
    }
  }

  condition(condition: Condition): Predicate {
    switch (condition.type) {
      case 'and':
        return sql<SqlBool>`(${sql.join(condition.items.map((item) => this.condition(item)), sql` and `)})`;
      case 'or':
        return sql<SqlBool>`(${sql.join(condition.items.map((item) => this.condition(item)), sql` or `)})`;
      case 'not':
        return sql<SqlBool>`(not ${this.condition(condition.item)})`;
      case 'text':
        return textMatch(this.ctx, col('id'), condition.words);
      default:
        return this.leaf(condition);
    }
  }

  /**
   * The non-null expressions one sort key sorts by, each with its direction: a "missing" flag
   * first (always ascending, so missing values come last), then the value.
   */
  sortColumns(key: SortKey, index: number, joins: SortJoin[]): SortColumn[] {
    const { field } = key;
    const descending = key.direction === 'desc';
    const { backend } = this.ctx;
    const flagged = (value: Expression<unknown>, text: boolean) => [
      { expression: sql`case when ${value} is null then 1 else 0 end`, descending: false },
      {
        expression: text ? backend.orderedText(sql`coalesce(${value}, '')`) : sql`coalesce(${value}, 0)`,
        descending,
      },
    ];
    const isText = (type: string) => type === 'string' || type === 'status';
    switch (field.kind) {
      case 'attribute':
        return flagged(col(ATTRIBUTE_COLUMNS[field.name]), isText(fieldType(field)));
      case 'tag':
        return flagged(backend.jsonStringAt(col('tags'), field.key), true);
      case 'metric': {
        const alias = `s${index}`;
        joins.push({ table: 'metric_summaries', alias, name: field.key });
        return flagged(sql.ref(`${alias}.${METRIC_COLUMNS[field.aggregate]}`), false);
      }
      case 'param': {
        // Numbers first, in numeric order; then other values in text order; missing ones last.
        const alias = `h${index}`;
        joins.push({ table: 'hyperparameters', alias, name: field.key });
        const number = sql.ref(`${alias}.value_number`);
        return [
          { expression: sql`case when ${sql.ref(`${alias}.run_id`)} is null then 1 else 0 end`, descending: false },
          { expression: sql`case when ${number} is null then 1 else 0 end`, descending: false },
          { expression: sql`coalesce(${number}, 0)`, descending },
          { expression: backend.orderedText(sql`coalesce(${sql.ref(`${alias}.value_text`)}, '')`), descending },
        ];
      }
      case 'related': {
        // Several experiments: the run sorts by the smallest name (or id).
        const source = relatedSource(field.property);
        const column = sql.ref(`x.${source.column}`);
        const value = sql`(select min(${isText(fieldType(field)) ? backend.orderedText(column) : column}) from ${source.from})`;
        return flagged(value, isText(fieldType(field)));
      }
    }
  }
}

/**
 * The leading key's index walk, when it has one: a metric's last value (index `(name, last_value,
 * run_id)`) or a hyperparameter's numeric value (`(name, value_number)`). Other keys sort as a whole.
 */
function indexedLead(key: SortKey | undefined): IndexedLead | undefined {
  if (key === undefined) return undefined;
  const descending = key.direction === 'desc';
  if (key.field.kind === 'metric' && key.field.aggregate === 'last') {
    const value = sql.ref('s0.last_value');
    return { present: sql<SqlBool>`${value} is not null`, value: { expression: value, descending }, width: 2, index: 'metric_summaries_name_last_idx' };
  }
  if (key.field.kind === 'param') {
    // Numbers sort before text, so the numeric ones are the leading run of the order.
    const value = sql.ref('h0.value_number');
    return { present: sql<SqlBool>`${value} is not null`, value: { expression: value, descending }, width: 3, index: 'hyperparameters_name_number_run_idx' };
  }
  return undefined;
}

/** What a page token carries: the query it belongs to and the sort values of the page's last run. */
interface PageToken {
  signature: string;
  values: unknown[];
}

function signatureOf(query: string, orderBy: unknown): string {
  return createHash('sha256').update(JSON.stringify([query, orderBy ?? null])).digest('base64url').slice(0, 16);
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify([token.signature, token.values])).toString('base64url');
}

function decodeToken(cursor: string, signature: string, width: number): unknown[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || !Array.isArray(decoded[1]) || decoded[1].length !== width) {
    throw new ValidationError('cursor: not a page token this search returned', { field: 'cursor' });
  }
  if (decoded[0] !== signature) {
    throw new ValidationError('cursor: the page token belongs to a different query or order', { field: 'cursor' });
  }
  const values = decoded[1] as unknown[];
  if (!values.every((value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
    throw new ValidationError('cursor: not a page token this search returned', { field: 'cursor' });
  }
  return values;
}

/** Rows after the keyset position: lexicographically after `values` in the sort order. */
function afterPosition(columns: SortColumn[], values: unknown[]): Predicate {
  const branches: Predicate[] = [];
  for (let index = 0; index < columns.length; index++) {
    const equal = columns.slice(0, index).map((column, position) => sql<SqlBool>`${column.expression} = ${values[position]}`);
    const column = columns[index]!;
    const beyond = sql<SqlBool>`${column.expression} ${sql.raw(column.descending ? '<' : '>')} ${values[index]}`;
    branches.push(sql<SqlBool>`(${sql.join([...equal, beyond], sql` and `)})`);
  }
  return sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
}

/**
 * One page of runs matching `query`, sorted by `orderBy` (then newest first), with a keyset token
 * for the next page.
 */
export async function searchRuns(ctx: StoreContext, query: string, options: SearchRunsOptions = {}): Promise<Page<TrainingRun>> {
  const parsedOptions = parseInput(searchRunsOptionsSchema, options, 'options');
  const parsed = parseRunQuery(query);
  const sortKeys = parseOrderBy(parsedOptions.orderBy);
  const limit = parsedOptions.limit ?? 100;
  const compiler = new Compiler(ctx, ctx.now());
  const joins: SortJoin[] = [];
  const keyColumns = sortKeys.flatMap((key, index) => compiler.sortColumns(key, index, joins));
  // The run id breaks ties (newest first, or as text for MLflow), so the order is total and pages never overlap.
  const tie = (runId: Expression<number>): SortColumn =>
    parsedOptions.ties === 'idText'
      ? { expression: ctx.backend.orderedText(ctx.backend.integerText(runId)), descending: false }
      : { expression: sql`${runId}`, descending: true };
  const columns = [...keyColumns, tie(col('id') as Expression<number>)];
  const signature = signatureOf(query, parsedOptions.ties === 'idText' ? [parsedOptions.orderBy, 'idText'] : parsedOptions.orderBy);
  const conditions: Predicate[] = [];
  const view = parsedOptions.view ?? 'active';
  if (view !== 'all') conditions.push(sql`${col('deleted_at')} ${sql.raw(view === 'active' ? 'is null' : 'is not null')}`);
  if (parsed.where !== undefined) conditions.push(compiler.condition(parsed.where));
  const after = parsedOptions.cursor != null && parsedOptions.cursor !== '' ? decodeToken(parsedOptions.cursor, signature, columns.length) : undefined;
  if (after !== undefined) conditions.push(afterPosition(columns, after));
  const keys = columns.map((column, index) => sql`${column.expression} as ${sql.ref(`sort_${index}`)}`);
  const ordered = (list: SortColumn[]) => sql.join(list.map((column) => sql`${column.expression} ${sql.raw(column.descending ? 'desc' : 'asc')}`));
  const rendered = (list: SortJoin[]) => list.map(renderJoin);
  const pageOf = (from: Sql, where: Predicate[], order: SortColumn[], rows: number) =>
    sql<Record<string, unknown>>`select ${RUN}.*, ${sql.join(keys)} from ${from} where ${where.length === 0 ? TRUE : sql.join(where, sql` and `)} order by ${ordered(order)} limit ${rows}`;
  const runsWith = (list: SortJoin[]) => sql`training_runs ${RUN} ${sql.join(rendered(list), sql` `)}`;

  const lead = indexedLead(sortKeys[0]);
  const statements: Array<(rows: number) => RawBuilder<Record<string, unknown>>> = [];
  if (lead === undefined) {
    statements.push((rows) => pageOf(runsWith(joins), conditions, columns, rows));
  } else {
    // Runs with a value for the leading key come first, read along its index (SQLite and MySQL are
    // told to: they would sort every match); the others follow in the full order, read only when a
    // page reaches them (docs/decisions/0803).
    const [first, ...others] = joins as [SortJoin, ...SortJoin[]];
    const joined = sql.ref(`${first.alias}.run_id`) as Expression<number>;
    // A token past the valued runs (one of the key's "missing" flags set) leaves only the rest.
    if (after === undefined || after.slice(0, lead.width - 1).every((flag) => Number(flag) === 0)) {
      const from = sql`${ctx.backend.tableAlongIndex(first.table, first.alias, lead.index)} join training_runs ${RUN} on ${joined} = ${col('id')} and ${sql.ref(`${first.alias}.name`)} = ${first.name} ${sql.join(rendered(others), sql` `)}`;
      // The joined row's run id is the run's: its index order gives the tie-break too.
      const order = [lead.value, ...keyColumns.slice(lead.width), tie(joined)];
      statements.push((rows) => pageOf(from, [lead.present, ...conditions], order, rows));
    }
    const unvalued = sql<SqlBool>`(${joined} is null or not (${lead.present}))`;
    statements.push((rows) => pageOf(runsWith(joins), [unvalued, ...conditions], columns, rows));
  }
  return guarded(ctx, async () => {
    const rows: Array<Record<string, unknown>> = [];
    for (const statement of statements) {
      if (rows.length > limit) break;
      rows.push(...(await statement(limit + 1 - rows.length).execute(ctx.db)).rows);
    }
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => toTrainingRun(row as never)),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeToken({ signature, values: columns.map((_, index) => normaliseKey(last[`sort_${index}`])) })
          : null,
    };
  });
}

/** Drivers hand back BIGINT/DECIMAL as strings or bigint on some paths; keys travel as JSON numbers. */
function normaliseKey(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return value;
}
