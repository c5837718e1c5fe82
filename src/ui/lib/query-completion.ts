/**
 * Completion for the run query box (docs/query-language.md): what may come at the cursor — a field,
 * an operator, or `and`/`or` — judged from the tokens before it, with the hyperparameter, metric and
 * tag names of the listed runs. Pure, so it is unit-tested; the parser on the server stays the judge
 * of what is valid.
 */

/** Names the listed runs have, offered after `params.`, `metrics.` and `tags.`. */
export interface QueryVocabulary {
  params: readonly string[];
  metrics: readonly string[];
  tags: readonly string[];
}

export interface Suggestion {
  /** What is inserted. */
  text: string;
  /** What the list shows beside it. */
  hint: string;
}

export interface Completion {
  /** The text from `from` to the cursor is replaced by the chosen suggestion. */
  from: number;
  items: Suggestion[];
}

const ATTRIBUTES: Array<[string, string]> = [
  ['name', 'run name (text)'],
  ['status', "queued, running, completed, failed, killed"],
  ['id', 'run id'],
  ['notes', 'run notes (text)'],
  ['error', 'error message (text)'],
  ['created', "time: '2026-11-01' or -24h"],
  ['started', "time: '2026-11-01' or -24h"],
  ['ended', "time: '2026-11-01' or -24h"],
  ['updated', "time: '2026-11-01' or -24h"],
  ['duration', 'milliseconds'],
  ['experiment.name', 'experiment'],
  ['experiment.id', 'experiment'],
  ['model.name', 'model'],
  ['model.id', 'model'],
  ['model_version', 'model version number'],
  ['dataset.name', 'dataset'],
  ['dataset.version', 'dataset'],
  ['text', "full-text search: text ~ 'words'"],
];

const PREFIXES: Array<[string, string]> = [
  ['params.', 'a hyperparameter'],
  ['metrics.', 'a metric (last value; .min .max .count .step)'],
  ['tags.', 'a tag'],
];

const OPERATORS: Array<[string, string]> = [
  ['=', 'equals'],
  ['!=', 'differs'],
  ['<', 'less than'],
  ['<=', 'at most'],
  ['>', 'greater than'],
  ['>=', 'at least'],
  ['LIKE', "pattern: 'vit%'"],
  ['ILIKE', 'pattern, any case'],
  ['IN', "one of ('a', 'b')"],
  ['NOT IN', "none of ('a', 'b')"],
  ['IS NULL', 'has no value'],
  ['IS NOT NULL', 'has a value'],
];

const CONNECTIVES: Array<[string, string]> = [
  ['and', 'both'],
  ['or', 'either'],
];

const AGGREGATES: Array<[string, string]> = [
  ['min', 'smallest value'],
  ['max', 'largest value'],
  ['last', 'value at the last step'],
  ['count', 'number of points'],
  ['step', 'last step'],
];

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null', 'true', 'false']);

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'open' | 'close' | 'comma'; text: string; start: number };

/** Tokens of `text`, tolerant of an unfinished string (it runs to the end). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    if (/\s/.test(character)) {
      index += 1;
      continue;
    }
    const start = index;
    if (character === "'" || character === '"') {
      index += 1;
      while (index < text.length) {
        if (text[index] === character) {
          if (text[index + 1] === character) index += 2;
          else {
            index += 1;
            break;
          }
        } else index += 1;
      }
      tokens.push({ kind: 'string', text: text.slice(start, index), start });
    } else if (character === '(' || character === ')' || character === ',') {
      index += 1;
      tokens.push({ kind: character === '(' ? 'open' : character === ')' ? 'close' : 'comma', text: character, start });
    } else if (/[<>=!~]/.test(character)) {
      while (index < text.length && /[<>=!~]/.test(text[index]!)) index += 1;
      tokens.push({ kind: 'op', text: text.slice(start, index), start });
    } else if (/[-+\d]/.test(character) && /[-+]?\.?\d/.test(text.slice(index, index + 3))) {
      index += 1;
      while (index < text.length && /[\w.+-]/.test(text[index]!)) index += 1;
      tokens.push({ kind: 'number', text: text.slice(start, index), start });
    } else {
      // A dotted name, with backquoted segments that may hold anything.
      while (index < text.length) {
        if (text[index] === '`') {
          index += 1;
          while (index < text.length && text[index] !== '`') index += 1;
          index += 1;
        } else if (/[\w.\-/]/.test(text[index]!)) index += 1;
        else break;
      }
      if (index === start) index += 1;
      tokens.push({ kind: 'word', text: text.slice(start, index), start });
    }
  }
  return tokens;
}

/** A name as the query language accepts it: bare when it is a plain identifier, else backquoted. */
export function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

const unquote = (segment: string) => segment.replace(/^`|`$/g, '').replace(/``/g, '`');

function matching(options: Array<[string, string]>, partial: string, limit = 12): Suggestion[] {
  const needle = partial.toLowerCase();
  const starts = options.filter(([text]) => text.toLowerCase().startsWith(needle));
  const contains = needle === '' ? [] : options.filter(([text]) => !text.toLowerCase().startsWith(needle) && text.toLowerCase().includes(needle));
  return [...starts, ...contains].slice(0, limit).map(([text, hint]) => ({ text, hint }));
}

/** What may be typed at `cursor` in `text`. */
export function completeQuery(text: string, cursor: number, vocabulary: QueryVocabulary): Completion {
  const before = text.slice(0, cursor);
  const tokens = tokenize(before);
  const last = tokens[tokens.length - 1];
  // Is the cursor touching the last token (still typing it) or after a space?
  const typing = last !== undefined && last.start + last.text.length === before.length && !/\s$/.test(before);
  const partial = typing ? last : undefined;
  const previous = typing ? tokens[tokens.length - 2] : last;
  const from = partial?.start ?? cursor;

  if (partial?.kind === 'string' || partial?.kind === 'number') return { from, items: [] };
  const context = contextAfter(previous, typing ? tokens.slice(0, -1) : tokens);
  const typed = partial?.text ?? '';
  if (context === 'value') return { from, items: [] };
  if (context === 'operator') {
    const fieldToken = previous?.text.toLowerCase();
    const operators: Array<[string, string]> = fieldToken === 'text' ? [['~', "matches words: text ~ 'resnet baseline'"]] : OPERATORS;
    return { from, items: matching(operators, typed) };
  }
  if (context === 'connective') return { from, items: matching(CONNECTIVES, typed) };
  return { from, items: fieldItems(typed, vocabulary) };
}

type Context = 'field' | 'operator' | 'value' | 'connective';

function contextAfter(previous: Token | undefined, tokens: Token[]): Context {
  if (previous === undefined) return 'field';
  const lower = previous.text.toLowerCase();
  if (previous.kind === 'open') {
    // `IN (`: values follow; otherwise a group of conditions.
    const beforeOpen = tokens[tokens.length - 2]?.text.toLowerCase();
    return beforeOpen === 'in' ? 'value' : 'field';
  }
  if (previous.kind === 'comma' || previous.kind === 'op') return 'value';
  if (previous.kind === 'string' || previous.kind === 'number' || previous.kind === 'close') return 'connective';
  if (lower === 'and' || lower === 'or' || lower === 'not') {
    // `IS NOT` wants NULL, `NOT IN` wants a list; `and not` wants a field.
    const beforeNot = tokens[tokens.length - 2]?.text.toLowerCase();
    if (lower === 'not' && beforeNot === 'is') return 'value';
    if (lower === 'not' && beforeNot !== undefined && !['and', 'or', 'not', '('].includes(beforeNot) && tokens[tokens.length - 2]?.kind === 'word') return 'operator';
    return 'field';
  }
  if (lower === 'null' || lower === 'true' || lower === 'false') return 'connective';
  if (lower === 'in' || lower === 'like' || lower === 'ilike' || lower === 'is') return 'value';
  if (previous.kind === 'word' && !KEYWORDS.has(lower)) return 'operator';
  return 'field';
}

function fieldItems(typed: string, vocabulary: QueryVocabulary): Suggestion[] {
  const dot = typed.indexOf('.');
  const prefix = dot < 0 ? '' : typed.slice(0, dot).toLowerCase();
  const rest = dot < 0 ? '' : typed.slice(dot + 1);
  const named = (names: readonly string[], canonical: string, hint: string) => {
    const needle = unquote(rest).toLowerCase();
    const starts = names.filter((name) => name.toLowerCase().startsWith(needle));
    const contains = needle === '' ? [] : names.filter((name) => !name.toLowerCase().startsWith(needle) && name.toLowerCase().includes(needle));
    return [...starts, ...contains].slice(0, 12).map((name) => ({ text: `${canonical}.${quoteName(name)}`, hint }));
  };
  if (prefix === 'params' || prefix === 'param' || prefix === 'hp') return named(vocabulary.params, 'params', 'hyperparameter');
  if (prefix === 'tags' || prefix === 'tag') return named(vocabulary.tags, 'tags', 'tag');
  if (prefix === 'metrics' || prefix === 'metric') {
    // After a full metric name, its aggregates.
    const exact = vocabulary.metrics.find((name) => rest.startsWith(`${quoteName(name)}.`));
    if (exact !== undefined) {
      const aggregate = rest.slice(quoteName(exact).length + 1);
      return matching(AGGREGATES, aggregate).map((item) => ({ text: `metrics.${quoteName(exact)}.${item.text}`, hint: item.hint }));
    }
    return named(vocabulary.metrics, 'metrics', 'metric');
  }
  const fields = [...PREFIXES, ...ATTRIBUTES];
  const items = matching(fields, typed);
  // A bare name that is a hyperparameter or metric: offer its full spelling too.
  if (typed.length > 0 && dot < 0) {
    const needle = typed.toLowerCase();
    for (const name of vocabulary.params) if (name.toLowerCase().startsWith(needle)) items.push({ text: `params.${quoteName(name)}`, hint: 'hyperparameter' });
    for (const name of vocabulary.metrics) if (name.toLowerCase().startsWith(needle)) items.push({ text: `metrics.${quoteName(name)}`, hint: 'metric' });
  }
  return items.slice(0, 12);
}

/** `text` with the completion's range replaced by `suggestion`, and where the cursor goes. */
export function applySuggestion(text: string, cursor: number, completion: Completion, suggestion: Suggestion): { text: string; cursor: number } {
  const tail = text.slice(cursor);
  // Prefixes (`params.`) continue with a name; everything else is followed by a space.
  const inserted = suggestion.text.endsWith('.') ? suggestion.text : `${suggestion.text} `;
  // The rest of a word the cursor was inside is replaced too, and a space is not doubled.
  let rest = tail.replace(/^[^\s()]*/, '');
  if (inserted.endsWith(' ') && rest.startsWith(' ')) rest = rest.slice(1);
  const next = text.slice(0, completion.from) + inserted + rest;
  return { text: next, cursor: completion.from + inserted.length };
}
