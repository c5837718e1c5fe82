/**
 * The run query box: text in the run query language with completion of fields, names and operators
 * (a combobox with a listbox of suggestions), the parser's error shown under the query with the
 * offending column underlined, the last queries run offered when the box is empty, and syntax help.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { applySuggestion, completeQuery, type QueryVocabulary, type Suggestion } from '../lib/query-completion.js';

/** A query the server did not accept: its message and the 1-based column it points at. */
export interface QueryProblem {
  message: string;
  position?: number;
}

const RECENT_KEY = 'aimdb.recentQueries';
const RECENT_LIMIT = 8;

function readRecent(): string[] {
  try {
    const stored = JSON.parse(window.localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(stored) ? stored.filter((item): item is string => typeof item === 'string').slice(0, RECENT_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Remembers a query that ran without error, most recent first. */
export function rememberQuery(query: string): void {
  const text = query.trim();
  if (text === '') return;
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify([text, ...readRecent().filter((item) => item !== text)].slice(0, RECENT_LIMIT)));
  } catch {
    // Storage may be full or disabled; recent queries are a convenience.
  }
}

const EXAMPLES = [
  'params.learning_rate < 1e-3 and metrics.val_accuracy > 0.9',
  "status = 'completed' and name LIKE 'sweep%'",
  "tags.team = 'vision' or experiment.name = 'ablation'",
  'metrics.loss.min < 0.1 and started > -24h',
  "params.optimizer IN ('adam', 'sgd') and params.warmup IS NULL",
  "text ~ 'resnet baseline'",
];

export function QueryBox({
  value,
  onApply,
  problem,
  vocabulary,
}: {
  /** The query that is applied (from the URL). */
  value: string;
  onApply: (query: string) => void;
  problem: QueryProblem | undefined;
  vocabulary: QueryVocabulary;
}) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  // Enter takes the highlighted suggestion only after the arrows moved to it; otherwise it runs the query.
  const navigated = useRef(false);
  const listId = useId();
  const helpId = useId();

  // A new URL (back button, a link) replaces what is typed.
  useEffect(() => setText(value), [value]);

  const items: Suggestion[] = useMemo(() => {
    if (text.trim() === '') return readRecent().map((query) => ({ text: query, hint: 'recent' }));
    return completeQuery(text, cursor, vocabulary).items;
  }, [text, cursor, vocabulary]);
  const shown = open && items.length > 0;

  const choose = (item: Suggestion) => {
    if (item.hint === 'recent') {
      setText(item.text);
      setCursor(item.text.length);
      onApply(item.text);
      setOpen(false);
      return;
    }
    const completion = completeQuery(text, cursor, vocabulary);
    const next = applySuggestion(text, cursor, completion, item);
    setText(next.text);
    setCursor(next.cursor);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.cursor, next.cursor);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (shown && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setActive((previous) => (previous + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length);
    } else if (event.key === 'ArrowDown') {
      setOpen(true);
    } else if (shown && event.key === 'Tab' && !event.shiftKey) {
      event.preventDefault();
      choose(items[Math.min(active, items.length - 1)]!);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (shown && active >= 0 && active < items.length && navigated.current) {
        choose(items[active]!);
      } else {
        setOpen(false);
        onApply(text);
      }
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
    navigated.current = shown && (event.key === 'ArrowDown' || event.key === 'ArrowUp');
  };

  // The error is about the applied query: once the text is edited, the box stops looking wrong.
  const invalid = problem !== undefined && text === value;
  const activeId = shown ? `${listId}-${Math.min(active, items.length - 1)}` : undefined;
  return (
    <div className="query-box">
      <div className="query-input-row">
        <input
          ref={input}
          type="text"
          role="combobox"
          className={invalid ? 'query-input mono invalid' : 'query-input mono'}
          value={text}
          spellCheck={false}
          autoComplete="off"
          placeholder="params.lr < 1e-3 and metrics.val_accuracy > 0.9"
          aria-label="Run query"
          aria-autocomplete="list"
          aria-expanded={shown}
          aria-controls={listId}
          aria-activedescendant={activeId}
          aria-invalid={invalid}
          aria-describedby={helpId}
          onChange={(event) => {
            setText(event.target.value);
            setCursor(event.target.selectionStart ?? event.target.value.length);
            setActive(0);
            setOpen(true);
          }}
          onSelect={(event) => setCursor(event.currentTarget.selectionStart ?? 0)}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
        />
        <button type="button" onClick={() => onApply(text)}>
          Run
        </button>
        {value !== '' && (
          <button
            type="button"
            onClick={() => {
              setText('');
              onApply('');
            }}
          >
            Clear
          </button>
        )}
      </div>
      <ul id={listId} role="listbox" aria-label="Query suggestions" className="query-suggestions" hidden={!shown}>
        {shown &&
          items.map((item, index) => (
            <li
              key={`${item.text}-${index}`}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(item);
              }}
            >
              <span className="mono">{item.text}</span>
              <span className="muted small">{item.hint}</span>
            </li>
          ))}
      </ul>
      {problem !== undefined && <QueryError query={value} problem={problem} />}
      <details className="query-help" id={helpId}>
        <summary>Query syntax</summary>
        <p className="small">
          Conditions on <code>params.&lt;name&gt;</code>, <code>metrics.&lt;name&gt;</code> (last value; <code>.min</code>, <code>.max</code>,{' '}
          <code>.count</code>, <code>.step</code>), <code>tags.&lt;key&gt;</code>, <code>name</code>, <code>status</code>, <code>started</code>,{' '}
          <code>experiment.name</code>, <code>model.name</code>, <code>dataset.name</code> … joined by <code>and</code>, <code>or</code>, <code>not</code>{' '}
          and parentheses. Operators: <code>= != &lt; &lt;= &gt; &gt;=</code>, <code>LIKE</code>/<code>ILIKE</code> (<code>%</code> any text),{' '}
          <code>IN (…)</code>, <code>IS NULL</code>. Text is quoted (<code>'adam'</code>); numbers are not. Names with other characters go in
          backquotes: <code>metrics.`val/acc`</code>. Times: <code>'2026-11-01'</code> or <code>-24h</code>. Tab completes; Enter runs.
        </p>
        <ul className="small">
          {EXAMPLES.map((example) => (
            <li key={example}>
              <button type="button" className="link-button mono" onClick={() => onApply(example)}>
                {example}
              </button>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

/** The query with the column the parser stopped at underlined, and its message. */
function QueryError({ query, problem }: { query: string; problem: QueryProblem }) {
  const position = problem.position;
  let marked: ReactNode = null;
  if (position !== undefined && position >= 1) {
    const start = Math.min(position - 1, query.length);
    const wordEnd = query.slice(start).search(/\s/);
    const end = start >= query.length ? start : wordEnd <= 0 ? (wordEnd === 0 ? start + 1 : query.length) : start + wordEnd;
    marked = (
      <code className="query-error-text" aria-hidden="true">
        {query.slice(0, start)}
        <mark className="query-error-mark">{start >= query.length ? '\u00a0' : query.slice(start, end)}</mark>
        {query.slice(end)}
      </code>
    );
  }
  return (
    <div className="query-error" role="alert">
      {marked}
      <span>{problem.message}</span>
    </div>
  );
}
