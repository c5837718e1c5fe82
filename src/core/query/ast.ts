/**
 * The typed syntax tree of a run query (docs/query-language.md). The parser builds it from text and
 * checks every literal against its field, so whoever evaluates it (the SQL compiler, the tests'
 * reference evaluator) never sees a value of the wrong type.
 */
import type { RunStatus } from '../entities.js';

/** Run columns the language names directly. */
export type RunAttribute =
  | 'id'
  | 'name'
  | 'status'
  | 'notes'
  | 'error'
  | 'created'
  | 'started'
  | 'ended'
  | 'updated'
  | 'duration';

/** What a metric field reads from the series' summary; plain `metrics.x` is `last`. */
export type MetricAggregate = 'last' | 'min' | 'max' | 'count' | 'step';

/** A property of a linked entity: the run's model, model version, dataset or experiments. */
export type RelatedProperty =
  | 'experiment.id'
  | 'experiment.name'
  | 'model.id'
  | 'model.name'
  | 'model_version'
  | 'model_version.id'
  | 'dataset.id'
  | 'dataset.name'
  | 'dataset.version'
  | 'dataset.digest';

export type Field =
  | { kind: 'attribute'; name: RunAttribute }
  | { kind: 'param'; key: string }
  | { kind: 'metric'; key: string; aggregate: MetricAggregate }
  | { kind: 'tag'; key: string }
  | { kind: 'related'; property: RelatedProperty };

/** How a field's values compare: decides which literals and operators it accepts. */
export type FieldType = 'number' | 'string' | 'time' | 'status' | 'param';

/**
 * A time literal: epoch milliseconds, or an offset from "now" (`-24h`) that whoever runs the query
 * resolves against its clock.
 */
export type TimeValue = { kind: 'absolute'; ms: number } | { kind: 'relative'; offsetMs: number };

/** A literal as typed for its field: hyperparameters keep the literal's own type. */
export type Value =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'time'; value: TimeValue }
  | { type: 'status'; value: RunStatus };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Character offset (0-based) of the node's first character in the query text. */
export interface Positioned {
  position: number;
}

export type Condition =
  | ({ type: 'and'; items: Condition[] } & Positioned)
  | ({ type: 'or'; items: Condition[] } & Positioned)
  | ({ type: 'not'; item: Condition } & Positioned)
  | ({ type: 'compare'; field: Field; op: ComparisonOperator; value: Value } & Positioned)
  | ({ type: 'in'; field: Field; negated: boolean; values: Value[] } & Positioned)
  /** `LIKE` is case-sensitive, `ILIKE` is not; `%` and `_` are wildcards, `\` escapes them. */
  | ({ type: 'like'; field: Field; negated: boolean; pattern: string; caseInsensitive: boolean } & Positioned)
  /** `IS NULL`: the run has no such value (no hyperparameter, metric, tag, link). */
  | ({ type: 'null'; field: Field; negated: boolean } & Positioned)
  /** `text ~ 'words'`: every word occurs in the run's searchable text. */
  | ({ type: 'text'; words: string } & Positioned);

export type SortDirection = 'asc' | 'desc';

export interface SortKey {
  field: Field;
  direction: SortDirection;
}

/** A parsed query: `where` is undefined for the empty query (every run). */
export interface RunQuery {
  where: Condition | undefined;
}
