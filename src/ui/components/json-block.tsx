/** Pretty-printed JSON, collapsed behind a summary when long. */
import type { JsonValue } from '../../core/entities.js';

export function JsonBlock({ value, label }: { value: JsonValue | undefined; label: string }) {
  const text = JSON.stringify(value ?? null, null, 2);
  if (text.length < 400) {
    return (
      <pre className="json" aria-label={label}>
        {text}
      </pre>
    );
  }
  return (
    <details>
      <summary>
        {label} ({text.length.toLocaleString('en-US')} characters)
      </summary>
      <pre className="json">{text}</pre>
    </details>
  );
}

/** Whether a JSON object has any keys (empty objects are not worth a section). */
export function hasKeys(value: JsonValue | undefined): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}
