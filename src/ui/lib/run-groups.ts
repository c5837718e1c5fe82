/**
 * Runs grouped by a hyperparameter or a tag, for charts that draw one mean line and min–max band
 * per group (compare and the runs page; decision 0612). Pure, unit-tested.
 */
import type { JsonValue, TrainingRun } from '../../core/entities.js';
import { runColor } from '../charts/palette.js';

/** The group of runs without the hyperparameter or tag. */
const NONE = '(none)';

/** A group of runs with its legend label and colour. */
export interface RunGroup {
  label: string;
  color: string;
  runIds: number[];
}

/**
 * The runs grouped by `param:<name>` or `tag:<key>` (runs without it form their own group,
 * "(none)", last), numbers in numeric order, each group with a colour; undefined when `groupBy` names no
 * grouping. `paramOf` reads a run's hyperparameter.
 */
export function groupRuns(
  groupBy: string,
  runs: readonly TrainingRun[],
  paramOf: (run: TrainingRun, name: string) => JsonValue | undefined,
): RunGroup[] | undefined {
  const match = /^(param|tag):(.+)$/.exec(groupBy);
  if (match === null) return undefined;
  const [, kind, name] = match as unknown as [string, 'param' | 'tag', string];
  const byValue = new Map<string, number[]>();
  for (const run of runs) {
    const value = kind === 'param' ? paramOf(run, name) : run.tags[name];
    const key = value === undefined ? NONE : typeof value === 'string' ? value : JSON.stringify(value);
    let members = byValue.get(key);
    if (members === undefined) byValue.set(key, (members = []));
    members.push(run.id);
  }
  const prefix = kind === 'param' ? name : `tags.${name}`;
  return [...byValue.entries()]
    .sort(([a], [b]) => {
      // Runs without the value last; numbers in numeric order (0.001 before 0.01 before 0.1), other values as text.
      if (a === NONE || b === NONE) return a === NONE ? 1 : -1;
      const [x, y] = [Number(a), Number(b)];
      return Number.isFinite(x) && Number.isFinite(y) && a !== '' && b !== '' ? x - y : a.localeCompare(b, 'en', { numeric: true });
    })
    .map(([value, runIds], index) => ({ label: `${prefix}=${value} (${runIds.length} run${runIds.length === 1 ? '' : 's'})`, color: runColor(index), runIds }));
}
