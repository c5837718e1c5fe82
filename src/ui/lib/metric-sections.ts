/**
 * How a run's metrics are laid out when there are thousands of them: grouped into sections by the
 * part of the name before the first `.` or `/` (`layers.17.grad_norm` → `layers`), filtered by a
 * substring or a regular expression, pinned charts first. Pure, so it is unit-tested.
 */

/** The section of names without a prefix. */
export const GENERAL_SECTION = '';
/** Up to this many metrics, every section starts open; beyond it, sections open on request. */
export const OPEN_ALL_UP_TO = 60;

export function sectionOf(name: string): string {
  const cut = name.search(/[./]/);
  return cut <= 0 ? GENERAL_SECTION : name.slice(0, cut);
}

export interface MetricFilter {
  text: string;
  regex: boolean;
}

/** A name test for the filter box; an invalid regular expression is reported, not thrown. */
export function compileFilter(filter: MetricFilter): { test: (name: string) => boolean; error: string | null } {
  const text = filter.text.trim();
  if (text === '') return { test: () => true, error: null };
  if (!filter.regex) {
    const needle = text.toLowerCase();
    return { test: (name) => name.toLowerCase().includes(needle), error: null };
  }
  try {
    const pattern = new RegExp(text, 'i');
    return { test: (name) => pattern.test(name), error: null };
  } catch (error) {
    return { test: () => true, error: `Not a regular expression: ${(error as Error).message}` };
  }
}

export interface Section {
  /** GENERAL_SECTION for names without a prefix. */
  name: string;
  metrics: string[];
}

/** Orders names as people read them (`layers.2` before `layers.10`); one collator, not localeCompare per pair. */
export const compareNames = new Intl.Collator('en', { numeric: true }).compare;

/** Sections in name order (the general one first), each with its names in order, without pinned names. */
export function groupIntoSections(names: readonly string[], pinned: ReadonlySet<string>): Section[] {
  const sections = new Map<string, string[]>();
  for (const name of [...names].sort(compareNames)) {
    if (pinned.has(name)) continue;
    const section = sectionOf(name);
    const list = sections.get(section);
    if (list === undefined) sections.set(section, [name]);
    else list.push(name);
  }
  return [...sections.entries()]
    .sort(([a], [b]) => (a === GENERAL_SECTION ? -1 : b === GENERAL_SECTION ? 1 : compareNames(a, b)))
    .map(([name, metrics]) => ({ name, metrics }));
}

/**
 * Whether a section is shown open: as the user set it (kept in the URL), else open when a filter is
 * active or the run has few metrics.
 */
export function isSectionOpen(section: string, state: { opened: ReadonlySet<string>; closed: ReadonlySet<string>; filtering: boolean; total: number }): boolean {
  if (state.opened.has(section)) return true;
  if (state.closed.has(section)) return false;
  return state.filtering || state.total <= OPEN_ALL_UP_TO;
}
