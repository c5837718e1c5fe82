/** Which hyperparameters differ between runs, for the compare view. */
import type { JsonValue } from '../../core/entities.js';

export interface ParameterRow {
  name: string;
  /** One entry per run, in the runs' order; undefined where the run did not log the name. */
  values: (JsonValue | undefined)[];
  differs: boolean;
}

/** Rows for every name any run logged, sorted; a name missing from some runs counts as different. */
export function parameterRows(perRun: readonly Record<string, JsonValue>[]): ParameterRow[] {
  const names = [...new Set(perRun.flatMap((values) => Object.keys(values)))].sort();
  return names.map((name) => {
    const values = perRun.map((values) => (Object.hasOwn(values, name) ? values[name] : undefined));
    const first = JSON.stringify(values[0] ?? null) + String(values[0] === undefined);
    const differs = values.some((value) => JSON.stringify(value ?? null) + String(value === undefined) !== first);
    return { name, values, differs };
  });
}
