/**
 * Run-query text → typed syntax tree (docs/query-language.md). A hand-written recursive-descent
 * parser: the grammar is small, and writing it by hand lets every error name the column and what was
 * expected there. No SQL is built here.
 */
import { RUN_STATUSES, type RunStatus } from '../entities.js';
import { ValidationError } from '../errors.js';
import type {
  ComparisonOperator,
  Condition,
  Field,
  RunQuery,
  SortDirection,
  SortKey,
  Value,
} from './ast.js';
import { MAX_KEY_LENGTH, fieldLabel, fieldType, resolveField, type NameSegment } from './fields.js';

/** Longest query text accepted, in characters. */
export const MAX_QUERY_LENGTH = 20_000;
/** Deepest nesting of parentheses and NOTs, so a hostile query cannot exhaust the stack. */
const MAX_DEPTH = 64;
/** Most values one IN list may hold. */
export const MAX_IN_VALUES = 1_000;
/** Most sort keys of one order-by. */
export const MAX_SORT_KEYS = 10;

type TokenKind = 'word' | 'backtick' | 'dquote' | 'string' | 'number' | 'relative' | 'op' | '(' | ')' | ',' | '.' | 'end';

interface Token {
  kind: TokenKind;
  /** The token's text: the word, the unquoted string, the operator. */
  text: string;
  /** 0-based offset of its first character. */
  start: number;
  /** For numbers: the value; for relative times: the offset in milliseconds. */
  number?: number;
}

const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const RELATIVE = /^-([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)(?![A-Za-z0-9_])/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const OPERATORS = ['<=', '>=', '!=', '<>', '==', '=', '<', '>', '~'];

/** MLflow's run statuses, accepted beside ours so MLflow filters work unchanged. */
const STATUS_ALIASES: Readonly<Record<string, RunStatus>> = {
  finished: 'completed',
  scheduled: 'queued',
};

class QueryError extends ValidationError {}

function fail(field: string, offset: number, message: string): never {
  throw new QueryError(`${field}: at ${offset + 1}: ${message}`, { field, position: offset + 1 });
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the query';
    case 'string':
      return `'${token.text.slice(0, 40)}'`;
    default:
      return `'${token.text.slice(0, 40)}'`;
  }
}

function readQuoted(text: string, start: number, quote: string, field: string): { value: string; end: number } {
  // A quote is escaped by doubling it (SQL style) or with a backslash (MLflow style).
  let value = '';
  let index = start + 1;
  while (index < text.length) {
    const character = text[index]!;
    if (character === '\\' && index + 1 < text.length && (text[index + 1] === quote || text[index + 1] === '\\')) {
      value += text[index + 1];
      index += 2;
      continue;
    }
    if (character === quote) {
      if (text[index + 1] === quote) {
        value += quote;
        index += 2;
        continue;
      }
      return { value, end: index + 1 };
    }
    value += character;
    index++;
  }
  return fail(field, start, `unterminated ${quote === '`' ? 'quoted name' : 'string'} starting here`);
}

function tokenize(text: string, field: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    if (/\s/.test(character)) {
      index++;
      continue;
    }
    const rest = text.slice(index, index + 400);
    const previous = tokens[tokens.length - 1];
    // A sign belongs to a number only where a value may start (after an operator, '(' or ',').
    const valuePosition = previous === undefined || previous.kind === 'op' || previous.kind === '(' || previous.kind === ',';
    if (character === "'" || character === '"' || character === '`') {
      const { value, end } = readQuoted(text, index, character, field);
      tokens.push({ kind: character === "'" ? 'string' : character === '"' ? 'dquote' : 'backtick', text: value, start: index });
      index = end;
      continue;
    }
    const relative = valuePosition && character === '-' ? RELATIVE.exec(rest) : null;
    if (relative !== null) {
      tokens.push({ kind: 'relative', text: relative[0], start: index, number: -Number(relative[1]) * UNIT_MS[relative[2]!]! });
      index += relative[0].length;
      continue;
    }
    const number = (valuePosition ? /[0-9.+-]/ : /[0-9]/).test(character) ? NUMBER.exec(rest) : null;
    if (number !== null) {
      const after = text[index + number[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) fail(field, index, `'${number[0]}${after}…' is neither a number nor a name`);
      tokens.push({ kind: 'number', text: number[0], start: index, number: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word !== null) {
      tokens.push({ kind: 'word', text: word[0], start: index });
      index += word[0].length;
      continue;
    }
    const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (operator !== undefined) {
      tokens.push({ kind: 'op', text: operator, start: index });
      index += operator.length;
      continue;
    }
    if (character === '(' || character === ')' || character === ',' || character === '.') {
      tokens.push({ kind: character, text: character, start: index });
      index++;
      continue;
    }
    fail(field, index, `unexpected character '${character}'`);
  }
  tokens.push({ kind: 'end', text: '', start: text.length });
  return tokens;
}

/** Reads tokens with one token of look-ahead; every method fails with the column it stands at. */
class Cursor {
  index = 0;
  constructor(
    readonly tokens: Token[],
    readonly field: string,
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }
  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }
  takeKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.index++;
    return true;
  }
  expect(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.failAt(token, `expected ${what}, found ${describe(token)}`);
    return this.next();
  }
  failAt(token: Token, message: string): never {
    return fail(this.field, token.start, message);
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'like', 'ilike', 'asc', 'desc']);

function readField(cursor: Cursor): { field: Field | 'text'; start: Token } {
  const start = cursor.peek();
  const segments: NameSegment[] = [];
  for (;;) {
    const token = cursor.peek();
    if (token.kind === 'word' && !(segments.length === 0 && KEYWORDS.has(token.text.toLowerCase()))) {
      segments.push({ text: token.text, quoted: false });
    } else if (token.kind === 'backtick' || token.kind === 'dquote') {
      if (token.text === '') cursor.failAt(token, 'a quoted name cannot be empty');
      segments.push({ text: token.text, quoted: true });
    } else {
      cursor.failAt(token, segments.length === 0 ? `expected a field name, found ${describe(token)}` : `expected a name after '.', found ${describe(token)}`);
    }
    cursor.next();
    if (cursor.peek().kind !== '.') break;
    cursor.next();
  }
  if (segments.length === 1 && !segments[0]!.quoted && segments[0]!.text.toLowerCase() === 'text') return { field: 'text', start };
  const field = resolveField(segments);
  if (typeof field === 'string') cursor.failAt(start, field);
  if ('key' in field && (field.key.length === 0 || field.key.length > MAX_KEY_LENGTH)) {
    cursor.failAt(start, `a key must have 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return { field, start };
}

function parseTime(cursor: Cursor, token: Token, field: Field): Value {
  if (token.kind === 'relative') return { type: 'time', value: { kind: 'relative', offsetMs: token.number! } };
  if (token.kind === 'number') {
    if (!Number.isSafeInteger(token.number)) cursor.failAt(token, `${fieldLabel(field)} takes epoch milliseconds, an ISO date or a relative time such as -24h`);
    return { type: 'time', value: { kind: 'absolute', ms: token.number! } };
  }
  const text = token.text.trim();
  const relative = RELATIVE.exec(text);
  if (relative !== null && relative[0] === text) {
    return { type: 'time', value: { kind: 'relative', offsetMs: -Number(relative[1]) * UNIT_MS[relative[2]!]! } };
  }
  // Dates without a zone are UTC, so a query means the same on every machine.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) {
    cursor.failAt(token, `'${text.slice(0, 40)}' is not a time; use an ISO date ('2026-11-01', '2026-11-01T12:00:00Z'), epoch milliseconds or a relative time such as -24h`);
  }
  return { type: 'time', value: { kind: 'absolute', ms } };
}

/** Reads one literal and types it for the field, or fails naming what the field takes. */
function readValue(cursor: Cursor, field: Field, after: string): Value {
  const token = cursor.peek();
  const isString = token.kind === 'string' || token.kind === 'dquote';
  if (!isString && token.kind !== 'number' && token.kind !== 'relative') {
    cursor.failAt(token, `expected a value after ${after}, found ${describe(token)}`);
  }
  cursor.next();
  const type = fieldType(field);
  const label = fieldLabel(field);
  switch (type) {
    case 'time':
      return parseTime(cursor, token, field);
    case 'number': {
      if (token.kind === 'number') {
        if (!Number.isFinite(token.number)) cursor.failAt(token, `${token.text} is out of range`);
        return { type: 'number', value: token.number! };
      }
      const numeric = isString ? NUMBER.exec(token.text.trim()) : null;
      if (numeric !== null && numeric[0] === token.text.trim() && Number.isFinite(Number(numeric[0]))) {
        return { type: 'number', value: Number(numeric[0]) };
      }
      return cursor.failAt(token, `${label} is a number; expected a number, found ${describe(token)}`);
    }
    case 'string':
      if (!isString) cursor.failAt(token, `${label} is text; expected a quoted string such as '${token.text}', found ${describe(token)}`);
      return { type: 'string', value: token.text };
    case 'status': {
      if (!isString) cursor.failAt(token, `status is one of ${RUN_STATUSES.join(', ')}; found ${describe(token)}`);
      const lower = token.text.toLowerCase();
      const status = STATUS_ALIASES[lower] ?? (RUN_STATUSES as readonly string[]).find((candidate) => candidate === lower);
      if (status === undefined) cursor.failAt(token, `unknown status '${token.text.slice(0, 40)}'; statuses are ${RUN_STATUSES.join(', ')} (or MLflow's FINISHED, SCHEDULED …)`);
      return { type: 'status', value: status as RunStatus };
    }
    case 'param':
      if (token.kind === 'relative') cursor.failAt(token, `${label}: expected a number or a quoted string, found ${describe(token)}`);
      if (token.kind === 'number') {
        if (!Number.isFinite(token.number)) cursor.failAt(token, `${token.text} is out of range`);
        return { type: 'number', value: token.number! };
      }
      return { type: 'string', value: token.text };
  }
}

const COMPARISON: Readonly<Record<string, ComparisonOperator>> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function parseComparison(cursor: Cursor): Condition {
  const { field, start } = readField(cursor);
  const position = start.start;
  const operator = cursor.peek();
  if (field === 'text') {
    if (!(operator.kind === 'op' && (operator.text === '~' || operator.text === '='))) {
      cursor.failAt(operator, `expected '~' after text (text ~ 'words'), found ${describe(operator)}`);
    }
    cursor.next();
    const words = cursor.peek();
    if (words.kind !== 'string' && words.kind !== 'dquote') cursor.failAt(words, `expected quoted words after 'text ~', found ${describe(words)}`);
    cursor.next();
    if (words.text.trim() === '') cursor.failAt(words, 'text ~ needs at least one word');
    return { type: 'text', words: words.text, position };
  }
  const type = fieldType(field);
  const label = fieldLabel(field);
  if (cursor.isKeyword('is')) {
    cursor.next();
    const negated = cursor.takeKeyword('not');
    if (!cursor.takeKeyword('null')) cursor.failAt(cursor.peek(), `expected NULL after IS${negated ? ' NOT' : ''}, found ${describe(cursor.peek())}`);
    return { type: 'null', field, negated, position };
  }
  const negated = cursor.isKeyword('not') && (cursor.isKeyword('in', 1) || cursor.isKeyword('like', 1) || cursor.isKeyword('ilike', 1));
  if (negated) cursor.next();
  if (cursor.takeKeyword('in')) {
    cursor.expect('(', `'(' after IN`);
    const values: Value[] = [];
    for (;;) {
      values.push(readValue(cursor, field, values.length === 0 ? "'('" : "','"));
      if (values.length > MAX_IN_VALUES) cursor.failAt(cursor.peek(), `an IN list holds at most ${MAX_IN_VALUES} values`);
      const separator = cursor.peek();
      if (separator.kind === ')') break;
      if (separator.kind !== ',') cursor.failAt(separator, `expected ',' or ')' in the IN list, found ${describe(separator)}`);
      cursor.next();
    }
    cursor.next();
    return { type: 'in', field, negated, values, position };
  }
  if (cursor.isKeyword('like') || cursor.isKeyword('ilike')) {
    const keyword = cursor.next();
    const caseInsensitive = keyword.text.toLowerCase() === 'ilike';
    if (type === 'number' || type === 'time') cursor.failAt(keyword, `${label} is a ${type === 'time' ? 'time' : 'number'}; LIKE needs a text field`);
    const pattern = cursor.peek();
    if (pattern.kind !== 'string' && pattern.kind !== 'dquote') cursor.failAt(pattern, `expected a quoted pattern after ${keyword.text.toUpperCase()}, found ${describe(pattern)}`);
    cursor.next();
    return { type: 'like', field, negated, pattern: pattern.text, caseInsensitive, position };
  }
  if (negated) cursor.failAt(cursor.peek(), 'expected IN, LIKE or ILIKE after NOT');
  if (operator.kind !== 'op' || COMPARISON[operator.text] === undefined) {
    cursor.failAt(operator, `expected an operator after ${label} (=, !=, <, <=, >, >=, IN, LIKE, ILIKE, IS NULL), found ${describe(operator)}`);
  }
  cursor.next();
  const op = COMPARISON[operator.text]!;
  if (type === 'status' && op !== '=' && op !== '!=') cursor.failAt(operator, `status compares with = , != or IN only`);
  const value = readValue(cursor, field, `'${operator.text}'`);
  return { type: 'compare', field, op, value, position };
}

function parsePrimary(cursor: Cursor, depth: number): Condition {
  if (depth > MAX_DEPTH) cursor.failAt(cursor.peek(), `nested deeper than ${MAX_DEPTH} levels`);
  const token = cursor.peek();
  if (token.kind === '(') {
    cursor.next();
    const inner = parseOr(cursor, depth + 1);
    cursor.expect(')', `')' to close the '(' at ${token.start + 1}`);
    return inner;
  }
  if (cursor.isKeyword('not')) {
    cursor.next();
    return { type: 'not', item: parsePrimary(cursor, depth + 1), position: token.start };
  }
  return parseComparison(cursor);
}

function parseAnd(cursor: Cursor, depth: number): Condition {
  const first = parsePrimary(cursor, depth);
  const items = [first];
  while (cursor.takeKeyword('and')) items.push(parsePrimary(cursor, depth));
  return items.length === 1 ? first : { type: 'and', items, position: first.position };
}

function parseOr(cursor: Cursor, depth: number): Condition {
  const first = parseAnd(cursor, depth);
  const items = [first];
  while (cursor.takeKeyword('or')) items.push(parseAnd(cursor, depth));
  return items.length === 1 ? first : { type: 'or', items, position: first.position };
}

function checkLength(text: unknown, field: string): string {
  if (typeof text !== 'string') throw new ValidationError(`${field}: must be a string`, { field });
  if (text.length > MAX_QUERY_LENGTH) {
    throw new ValidationError(`${field}: at most ${MAX_QUERY_LENGTH} characters, got ${text.length}`, { field });
  }
  return text;
}

/**
 * Parses a run query such as `metrics.acc > 0.9 and (params.lr < 1e-3 or tags.team = 'vision')`.
 * The empty string matches every run.
 *
 * @throws ValidationError naming the column (`position`, 1-based) and what was expected there.
 */
export function parseRunQuery(text: string, field = 'query'): RunQuery {
  const cursor = new Cursor(tokenize(checkLength(text, field), field), field);
  if (cursor.peek().kind === 'end') return { where: undefined };
  const where = parseOr(cursor, 0);
  const rest = cursor.peek();
  if (rest.kind !== 'end') {
    cursor.failAt(rest, `expected AND, OR or the end of the query, found ${describe(rest)}`);
  }
  return { where };
}

/**
 * Parses sort keys: `metrics.acc DESC, params.lr, created ASC` (or a list of such strings, as
 * MLflow's `order_by` sends them). Missing values always sort last.
 */
export function parseOrderBy(orderBy: string | readonly string[] | undefined, field = 'orderBy'): SortKey[] {
  if (orderBy === undefined) return [];
  const parts = typeof orderBy === 'string' ? [orderBy] : orderBy;
  if (!Array.isArray(parts)) throw new ValidationError(`${field}: must be a string or a list of strings`, { field });
  const keys: SortKey[] = [];
  parts.forEach((part, index) => {
    const partField = parts.length === 1 ? field : `${field}.${index}`;
    const cursor = new Cursor(tokenize(checkLength(part, partField), partField), partField);
    if (cursor.peek().kind === 'end') return;
    for (;;) {
      const { field: sortField, start } = readField(cursor);
      if (sortField === 'text') return cursor.failAt(start, 'text cannot be sorted by; sort by a field');
      let direction: SortDirection = 'asc';
      if (cursor.takeKeyword('desc')) direction = 'desc';
      else cursor.takeKeyword('asc');
      keys.push({ field: sortField, direction });
      if (keys.length > MAX_SORT_KEYS) cursor.failAt(start, `at most ${MAX_SORT_KEYS} sort keys`);
      const next = cursor.peek();
      if (next.kind === 'end') break;
      if (next.kind !== ',') cursor.failAt(next, `expected ASC, DESC, ',' or the end, found ${describe(next)}`);
      cursor.next();
    }
  });
  return keys;
}
