/**
 * MLflow's filter and order grammar for experiments and the model registry (`name LIKE 'a%'`,
 * `tags.key = 'v'`, `version_number DESC`), evaluated over entities the adapter has already read.
 * Runs are searched by the store (the query language of `searchRuns`); these entities are few, so an
 * in-memory pass over them is enough (docs/decisions/0903-mlflow-entity-search.md).
 */
import { invalidParameter } from './protocol.js';

/** What a filter can read from an entity: attributes by MLflow's names, and tags. */
export interface Filterable {
  attributes: Record<string, string | number | null>;
  tags: Record<string, string>;
}

type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

interface Clause {
  kind: 'attribute' | 'tag';
  key: string;
  comparator: Comparator;
  value: string | number | Array<string | number>;
}

const ATTRIBUTE_PREFIXES = new Set(['attribute', 'attributes', 'attr', 'run']);
const TAG_PREFIXES = new Set(['tag', 'tags']);

/** Splits on AND outside quotes. */
function splitClauses(filter: string): string[] {
  const clauses: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let index = 0; index < filter.length; index++) {
    const char = filter[index]!;
    if (quote !== undefined) {
      current += char;
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') {
      quote = char;
      current += char;
      continue;
    }
    const rest = filter.slice(index);
    const and = /^\s+and\s+/i.exec(rest);
    if (and !== null && current.trim() !== '') {
      clauses.push(current.trim());
      current = '';
      index += and[0].length - 1;
      continue;
    }
    current += char;
  }
  if (current.trim() !== '') clauses.push(current.trim());
  return clauses;
}

function unquote(text: string): string {
  const first = text[0];
  if ((first === "'" || first === '"' || first === '`') && text.endsWith(first) && text.length >= 2) return text.slice(1, -1);
  return text;
}

function readValue(text: string): string | number {
  const trimmed = text.trim();
  if (/^(['"]).*\1$/s.test(trimmed)) return trimmed.slice(1, -1);
  const number = Number(trimmed);
  if (trimmed !== '' && Number.isFinite(number)) return number;
  throw invalidParameter(`Invalid filter value '${trimmed}': strings must be quoted`);
}

const CLAUSE = /^((?:`[^`]+`|"[^"]+"|[\w.]+))\s*(!=|<=|>=|=|<|>|\bnot\s+in\b|\bilike\b|\blike\b|\bin\b)\s*(.+)$/is;

function parseClause(text: string): Clause {
  const match = CLAUSE.exec(text);
  if (match === null) throw invalidParameter(`Invalid filter '${text}'`);
  const identifier = match[1]!;
  const comparator = match[2]!.toUpperCase().replace(/\s+/g, ' ') as Comparator;
  let kind: Clause['kind'] = 'attribute';
  let key = unquote(identifier);
  const dot = identifier.startsWith('`') || identifier.startsWith('"') ? -1 : identifier.indexOf('.');
  if (dot > 0) {
    const prefix = identifier.slice(0, dot).toLowerCase();
    if (TAG_PREFIXES.has(prefix)) {
      kind = 'tag';
      key = unquote(identifier.slice(dot + 1));
    } else if (ATTRIBUTE_PREFIXES.has(prefix)) {
      key = unquote(identifier.slice(dot + 1));
    }
  }
  const rawValue = match[3]!.trim();
  if (comparator === 'IN' || comparator === 'NOT IN') {
    const inner = /^\((.*)\)$/s.exec(rawValue);
    if (inner === null) throw invalidParameter(`Invalid filter '${text}': IN takes a parenthesised list`);
    const items = inner[1]!.match(/'[^']*'|"[^"]*"|[^,\s]+/g) ?? [];
    return { kind, key, comparator, value: items.map(readValue) };
  }
  return { kind, key, comparator, value: readValue(rawValue) };
}

/** SQL LIKE as a regular expression: % any run, _ one character. */
function likePattern(pattern: string, insensitive: boolean): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('%', '.*').replaceAll('_', '.');
  return new RegExp(`^${body}$`, insensitive ? 'is' : 's');
}

function compare(actual: string | number | null | undefined, clause: Clause): boolean {
  if (actual === undefined || actual === null) return clause.comparator === '!=' && clause.kind === 'attribute' ? true : false;
  const expected = clause.value;
  switch (clause.comparator) {
    case '=':
      return String(actual) === String(expected);
    case '!=':
      return String(actual) !== String(expected);
    case 'LIKE':
      return likePattern(String(expected), false).test(String(actual));
    case 'ILIKE':
      return likePattern(String(expected), true).test(String(actual));
    case 'IN':
      return (expected as Array<string | number>).some((item) => String(item) === String(actual));
    case 'NOT IN':
      return !(expected as Array<string | number>).some((item) => String(item) === String(actual));
    default: {
      const left = Number(actual);
      const right = Number(expected);
      if (clause.comparator === '<') return left < right;
      if (clause.comparator === '<=') return left <= right;
      if (clause.comparator === '>') return left > right;
      return left >= right;
    }
  }
}

/**
 * A predicate for MLflow's filter string over the given attributes (any other attribute is an
 * INVALID_PARAMETER_VALUE, as in MLflow). The empty filter matches everything.
 */
export function entityFilter(filter: string | undefined, attributes: readonly string[]): (entity: Filterable) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  const clauses = splitClauses(filter).map(parseClause);
  for (const clause of clauses) {
    if (clause.kind === 'attribute' && !attributes.includes(clause.key)) {
      throw invalidParameter(`Invalid attribute key '${clause.key}' specified. Valid keys are '${attributes.join("', '")}'`);
    }
  }
  return (entity) =>
    clauses.every((clause) => compare(clause.kind === 'tag' ? entity.tags[clause.key] : entity.attributes[clause.key], clause));
}

export interface OrderKey {
  attribute: string;
  descending: boolean;
}

/** Reads `name DESC`-style order clauses, allowing only the given attributes. */
export function readOrderBy(orderBy: readonly string[], attributes: readonly string[]): OrderKey[] {
  return orderBy.map((text) => {
    const match = /^\s*(?:(?:attribute|attributes|attr)\.)?([\w.]+|`[^`]+`)\s*(ASC|DESC)?\s*$/i.exec(text);
    const attribute = match === null ? undefined : unquote(match[1]!);
    if (attribute === undefined || !attributes.includes(attribute)) {
      throw invalidParameter(`Invalid order_by clause '${text}'. Only ${attributes.join(', ')} are allowed.`);
    }
    return { attribute, descending: match![2]?.toUpperCase() === 'DESC' };
  });
}

/** Sorts by the keys in turn (strings by code point, as MLflow's SQL store with a binary collation). */
export function sortEntities<T extends Filterable>(items: T[], keys: readonly OrderKey[]): T[] {
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const left = a.attributes[key.attribute];
      const right = b.attributes[key.attribute];
      let order = 0;
      if (typeof left === 'number' && typeof right === 'number') order = left - right;
      else order = String(left) < String(right) ? -1 : String(left) > String(right) ? 1 : 0;
      if (order !== 0) return key.descending ? -order : order;
    }
    return 0;
  });
}
