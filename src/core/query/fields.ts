/**
 * The fields a run query can name, and how a dotted name resolves to one. MLflow's spellings
 * (`attributes.run_name`, `metric.x`, `datasets.name` …) resolve to the same fields as ours.
 */
import type { Field, FieldType, MetricAggregate, RelatedProperty, RunAttribute } from './ast.js';

/** One dotted segment as written: quoted segments are taken literally (never an aggregate or prefix). */
export interface NameSegment {
  text: string;
  quoted: boolean;
}

const ATTRIBUTE_ALIASES: Readonly<Record<string, RunAttribute>> = {
  id: 'id',
  run_id: 'id',
  name: 'name',
  run_name: 'name',
  status: 'status',
  notes: 'notes',
  error: 'error',
  created: 'created',
  created_at: 'created',
  creation_time: 'created',
  started: 'started',
  started_at: 'started',
  start_time: 'started',
  ended: 'ended',
  ended_at: 'ended',
  end_time: 'ended',
  updated: 'updated',
  updated_at: 'updated',
  duration: 'duration',
  duration_ms: 'duration',
};

const ATTRIBUTE_TYPES: Readonly<Record<RunAttribute, FieldType>> = {
  id: 'number',
  name: 'string',
  status: 'status',
  notes: 'string',
  error: 'string',
  created: 'time',
  started: 'time',
  ended: 'time',
  updated: 'time',
  duration: 'number',
};

const RELATED: Readonly<Record<string, RelatedProperty>> = {
  'experiment.id': 'experiment.id',
  'experiment.name': 'experiment.name',
  'experiments.id': 'experiment.id',
  'experiments.name': 'experiment.name',
  'model.id': 'model.id',
  'model.name': 'model.name',
  model_version: 'model_version',
  'model_version.version': 'model_version',
  'model_version.id': 'model_version.id',
  'dataset.id': 'dataset.id',
  'dataset.name': 'dataset.name',
  'dataset.version': 'dataset.version',
  'dataset.digest': 'dataset.digest',
  'datasets.id': 'dataset.id',
  'datasets.name': 'dataset.name',
  'datasets.version': 'dataset.version',
  'datasets.digest': 'dataset.digest',
};

const RELATED_TYPES: Readonly<Record<RelatedProperty, FieldType>> = {
  'experiment.id': 'number',
  'experiment.name': 'string',
  'model.id': 'number',
  'model.name': 'string',
  model_version: 'number',
  'model_version.id': 'number',
  'dataset.id': 'number',
  'dataset.name': 'string',
  'dataset.version': 'string',
  'dataset.digest': 'string',
};

const PARAM_PREFIXES = new Set(['params', 'param', 'parameters', 'parameter', 'hyperparameters', 'hp']);
const METRIC_PREFIXES = new Set(['metrics', 'metric']);
const TAG_PREFIXES = new Set(['tags', 'tag']);
const ATTRIBUTE_PREFIXES = new Set(['attributes', 'attribute', 'attr', 'run']);
const AGGREGATES = new Set<MetricAggregate>(['last', 'min', 'max', 'count', 'step']);

/** What an unknown field's error lists. */
export const KNOWN_FIELDS =
  'metrics.<name>[.min|.max|.last|.count|.step], params.<name>, tags.<key>, attributes.<name> ' +
  `(${[...new Set(Object.values(ATTRIBUTE_ALIASES))].join(', ')}), ` +
  'experiment.name, experiment.id, model.name, model.id, model_version, dataset.name, dataset.version, ' +
  'dataset.digest, dataset.id, text';

export function fieldType(field: Field): FieldType {
  switch (field.kind) {
    case 'attribute':
      return ATTRIBUTE_TYPES[field.name];
    case 'param':
      return 'param';
    case 'metric':
      return 'number';
    case 'tag':
      return 'string';
    case 'related':
      return RELATED_TYPES[field.property];
  }
}

/** The field's canonical spelling, for error messages and docs. */
export function fieldLabel(field: Field): string {
  const quote = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `\`${key.replace(/`/g, '``')}\``);
  switch (field.kind) {
    case 'attribute':
      return field.name;
    case 'param':
      return `params.${quote(field.key)}`;
    case 'metric':
      return `metrics.${quote(field.key)}${field.aggregate === 'last' ? '' : `.${field.aggregate}`}`;
    case 'tag':
      return `tags.${quote(field.key)}`;
    case 'related':
      return field.property;
  }
}

/**
 * Resolves dotted segments to a field, or returns an explanation of why not. After a params,
 * metrics or tags prefix, the rest is the key (dots included: `params.optimizer.lr` is the
 * hyperparameter `optimizer.lr`); an unquoted last segment min/max/last/count/step after a metric
 * name is the aggregate.
 */
export function resolveField(segments: readonly NameSegment[]): Field | string {
  const [head, ...rest] = segments;
  if (head === undefined) return 'expected a field name';
  const prefix = head.quoted ? undefined : head.text.toLowerCase();
  const keyOf = (parts: readonly NameSegment[]) => parts.map((part) => part.text).join('.');
  if (prefix !== undefined && rest.length > 0) {
    if (PARAM_PREFIXES.has(prefix)) return { kind: 'param', key: keyOf(rest) };
    if (TAG_PREFIXES.has(prefix)) return { kind: 'tag', key: keyOf(rest) };
    if (METRIC_PREFIXES.has(prefix)) {
      const last = rest[rest.length - 1]!;
      const aggregate = last.text.toLowerCase() as MetricAggregate;
      if (rest.length > 1 && !last.quoted && AGGREGATES.has(aggregate)) {
        return { kind: 'metric', key: keyOf(rest.slice(0, -1)), aggregate };
      }
      return { kind: 'metric', key: keyOf(rest), aggregate: 'last' };
    }
    if (ATTRIBUTE_PREFIXES.has(prefix)) {
      const attribute = rest.length === 1 ? ATTRIBUTE_ALIASES[rest[0]!.text.toLowerCase()] : undefined;
      return attribute === undefined
        ? `unknown attribute '${keyOf(rest)}'; attributes are ${[...new Set(Object.values(ATTRIBUTE_ALIASES))].join(', ')}`
        : { kind: 'attribute', name: attribute };
    }
  }
  if (segments.every((segment) => !segment.quoted)) {
    const dotted = keyOf(segments).toLowerCase();
    const related = RELATED[dotted];
    if (related !== undefined) return { kind: 'related', property: related };
    if (segments.length === 1) {
      const attribute = ATTRIBUTE_ALIASES[dotted];
      if (attribute !== undefined) return { kind: 'attribute', name: attribute };
    }
  }
  return `unknown field '${keyOf(segments)}'; known fields are ${KNOWN_FIELDS}`;
}

/** Key names are bounded like the names they match, so a query cannot smuggle in megabytes. */
export const MAX_KEY_LENGTH = 250;
