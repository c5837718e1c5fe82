/** A dropdown of checkboxes choosing a table's columns among many names, with a search. */
import { useState } from 'react';

/** Options listed at most; a search narrows thousands of metric names down to these. */
const CHOOSER_LIMIT = 200;

export function ColumnChooser({
  label,
  options,
  chosen,
  onChange,
  hint,
}: {
  label: string;
  options: string[];
  chosen: string[];
  onChange: (next: string[]) => void;
  hint?: string;
}) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const matching = needle === '' ? options : options.filter((name) => name.toLowerCase().includes(needle));
  // Chosen columns stay listed first, so they can be unticked whatever the search.
  const listed = [...chosen.filter((name) => matching.includes(name)), ...matching.filter((name) => !chosen.includes(name))].slice(0, CHOOSER_LIMIT);
  return (
    <details className="column-chooser">
      <summary>
        {label} ({chosen.length})
      </summary>
      <div className="chooser-body" role="group" aria-label={label}>
        {options.length > 10 && (
          <input type="search" value={search} placeholder={`Search ${options.length.toLocaleString('en-US')} names`} aria-label={`Search ${label.toLowerCase()}`} onChange={(event) => setSearch(event.target.value)} />
        )}
        {options.length === 0 && <p className="muted small">None yet.</p>}
        {listed.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={chosen.includes(name)}
              onChange={() => onChange(chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name])}
            />{' '}
            {name}
          </label>
        ))}
        {matching.length > listed.length && (
          <p className="muted small">
            {(matching.length - listed.length).toLocaleString('en-US')} more; narrow the search.
          </p>
        )}
        {hint !== undefined && <p className="muted small">{hint}</p>}
      </div>
    </details>
  );
}
