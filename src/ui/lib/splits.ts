/**
 * Dataset splits come as `{ train: 8000 }` or richer objects such as `{ train: { count: 8000,
 * path: "…" } }`; this reads a sample count out of either when there is one.
 */
import type { JsonObject, JsonValue } from '../../core/entities.js';

export interface SplitEntry {
  name: string;
  count: number | null;
  details: JsonValue;
}

const COUNT_KEYS = ['count', 'samples', 'sampleCount', 'size', 'rows', 'n'];

export function splitEntries(splits: JsonObject): SplitEntry[] {
  return Object.entries(splits).map(([name, details]) => {
    if (typeof details === 'number') return { name, count: details, details };
    if (details !== null && typeof details === 'object' && !Array.isArray(details)) {
      const key = COUNT_KEYS.find((candidate) => typeof details[candidate] === 'number');
      return { name, count: key === undefined ? null : (details[key] as number), details };
    }
    return { name, count: null, details };
  });
}
