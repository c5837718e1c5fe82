/**
 * Everything a command prints: aligned tables on a terminal (colour only there), JSON for scripts
 * (`--json`), notes on stderr that `--quiet` silences. Data goes to stdout, chatter to stderr, so a
 * pipe receives only the data.
 */
import Table from 'cli-table3';
import pc from 'picocolors';

/** The flags every command accepts (defined once, on the program). */
export interface GlobalOptions {
  config?: string;
  url?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export type Cell = string | number | boolean | null | undefined | Date;

/** JSON with metric values that JSON cannot hold written as the REST API writes them. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item),
    2,
  );
}

/** A cell as text: dates in ISO form without milliseconds, numbers compact, empty for null. */
export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/** Up to 6 significant digits, no trailing zeros; NaN and ±Infinity spelled out. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** A duration in words: 1.2s, 3m 04s, 2h 05m. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A JSON value on one line, shortened for a table cell. */
export function formatJson(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : toJson(value).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const SPARK_LEVELS = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series (non-finite values shown as a space). */
export function sparkline(values: readonly number[], width = 40): string {
  let series = values;
  if (series.length > width) {
    // Keep the shape of long histories: the last value of each of `width` equal slices.
    series = Array.from({ length: width }, (_, index) => values[Math.min(values.length - 1, Math.floor(((index + 1) * values.length) / width) - 1)]!);
  }
  const finite = series.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return series
    .map((value) => {
      if (!Number.isFinite(value)) return ' ';
      const level = max === min ? 3 : Math.round(((value - min) / (max - min)) * (SPARK_LEVELS.length - 1));
      return SPARK_LEVELS[level];
    })
    .join('');
}

/** Length of a line as displayed (colour codes take no room). */
function visibleLength(line: string): number {
  return line.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Where a command writes; created once per invocation from the global flags. */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  /** True when stdout is a terminal: colour and decorations are on. */
  readonly interactive: boolean;
  /** True when progress bars may be drawn (stderr is a terminal and not --quiet or --json). */
  readonly showProgress: boolean;

  constructor(
    options: GlobalOptions,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.json = options.json === true;
    this.quiet = options.quiet === true;
    this.debug = options.debug === true;
    this.interactive = stdout.isTTY === true;
    this.showProgress = stderr.isTTY === true && !this.quiet && !this.json;
  }

  /** A line of data on stdout (also under --quiet: it is what was asked for). */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A value as JSON on stdout. */
  printJson(value: unknown): void {
    this.stdout.write(`${toJson(value)}\n`);
  }

  /** A remark for the human at the terminal, on stderr; silenced by --quiet and --json. */
  note(text: string): void {
    if (!this.quiet && !this.json) this.stderr.write(`${text}\n`);
  }

  /** A section heading in human output. */
  heading(text: string): void {
    this.line(this.interactive ? pc.bold(pc.cyan(text)) : text);
  }

  dim(text: string): string {
    return this.interactive ? pc.dim(text) : text;
  }

  bold(text: string): string {
    return this.interactive ? pc.bold(text) : text;
  }

  /** An aligned table with a header row. */
  table(headers: string[], rows: Cell[][], options: { alignRight?: number[]; indent?: string } = {}): void {
    const table = new Table({
      head: headers.map((header) => (this.interactive ? pc.bold(header) : header)),
      style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
      chars: PLAIN_CHARS,
      colAligns: headers.map((_, index) => (options.alignRight?.includes(index) ? 'right' : 'left')),
    });
    for (const row of rows) table.push(row.map(formatCell));
    // cli-table3 pads the last column too; trailing spaces only make diffs noisy, and the rule under
    // the header should end where the widest row does.
    const lines = table.toString().split('\n').map((line) => line.replace(/\s+$/, ''));
    const width = Math.max(...lines.filter((line) => !/^─+$/.test(line)).map(visibleLength));
    const indent = options.indent ?? '';
    this.line(lines.map((line) => indent + (/^─+$/.test(line) ? '─'.repeat(width) : line)).join('\n'));
  }

  /** `key  value` pairs, keys aligned. */
  fields(pairs: Array<[string, Cell]>): void {
    const width = Math.max(...pairs.map(([key]) => key.length));
    for (const [key, value] of pairs) this.line(`${this.dim(key.padEnd(width))}  ${formatCell(value)}`);
  }
}

/** Borderless table characters: columns separated by spaces, a dashed line under the header. */
const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '─', 'mid-mid': '─',
  right: '', 'right-mid': '', middle: '',
};
