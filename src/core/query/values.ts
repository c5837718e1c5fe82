/**
 * The rules that give query values their meaning, shared by the SQL store and any other evaluator
 * (the tests' reference), so both read a hyperparameter, a pattern or a relative time the same way.
 */
import type { JsonValue } from '../entities.js';
import type { TimeValue } from './ast.js';

const NUMERIC_TEXT = /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;

/**
 * The typed, indexable columns stored beside a hyperparameter's JSON value:
 * - `valueNumber`: the value when it is a finite number, or a string that reads as one (MLflow logs
 *   every parameter as a string, and `params.lr < 1e-3` should still compare numerically);
 * - `valueText`: a string as it is, anything else as its JSON text (`0.01`, `true`, `[1,2]`), so
 *   `params.lr = '0.01'` matches however the value was logged.
 */
export function hyperparameterColumns(value: JsonValue): { valueNumber: number | null; valueText: string } {
  if (typeof value === 'number') return { valueNumber: Number.isFinite(value) ? value : null, valueText: JSON.stringify(value) };
  if (typeof value === 'string') {
    const number = NUMERIC_TEXT.test(value) ? Number(value) : Number.NaN;
    return { valueNumber: Number.isFinite(number) ? number : null, valueText: value };
  }
  return { valueNumber: null, valueText: JSON.stringify(value) };
}

/** One piece of a LIKE pattern: a literal run of characters, `%` (any run) or `_` (one character). */
export type LikePart = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' };

/** Splits a LIKE pattern; a backslash makes the next character literal (`\%`, `\_`, `\\`). */
export function likeParts(pattern: string): LikePart[] {
  const parts: LikePart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '\\' && index + 1 < pattern.length) {
      literal += pattern[++index];
    } else if (character === '%') {
      flush();
      parts.push({ kind: 'any' });
    } else if (character === '_') {
      flush();
      parts.push({ kind: 'one' });
    } else {
      literal += character;
    }
  }
  flush();
  return parts;
}

/** Epoch milliseconds of a time literal, relative ones counted back from `now`. */
export function resolveTime(time: TimeValue, now: number): number {
  return time.kind === 'absolute' ? time.ms : now + time.offsetMs;
}
