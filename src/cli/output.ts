/**
 * Everything a command prints: aligned tables on a terminal (colour only there), JSON for scripts
 * (`--json`), notes on stderr that `--quiet` silences. Data goes to stdout, chatter to stderr, so a
 * pipe receives only the data.
 */
import { once } from 'node:events';
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

/**
 * Which entries a sparkline `width` characters wide shows of a series of `count`: every one when it
 * fits, else the last of each of `width` equal slices (which keeps the shape of long histories).
 */
export function sparklineIndices(count: number, width: number): number[] {
  if (count <= width) return Array.from({ length: count }, (_, index) => index);
  return Array.from({ length: width }, (_, index) => Math.min(count - 1, Math.floor(((index + 1) * count) / width) - 1));
}

/** A one-line chart of a series (non-finite values shown as a space). */
export function sparkline(values: readonly number[], width = 40): string {
  const series = sparklineIndices(values.length, width).map((index) => values[index]!);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of series) {
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) return '';
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

  /**
   * Text on stdout as is, waiting while the pipe is full: a long stream of lines then never piles
   * up in memory.
   */
  async write(text: string): Promise<void> {
    if (!this.stdout.write(text)) await once(this.stdout, 'drain');
  }

  /** A table printed as it is read, for listings too long to hold (see StreamedTable). */
  streamedTable(headers: string[], widths: number[], options: { alignRight?: number[] } = {}): StreamedTable {
    return new StreamedTable(headers, widths, options.alignRight ?? [], (text) => (this.interactive ? pc.bold(text) : text));
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
    // A loop, not a spread: a spread of a long table's lines overflows the call stack.
    let width = 0;
    for (const line of lines) if (!/^─+$/.test(line)) width = Math.max(width, visibleLength(line));
    const indent = options.indent ?? '';
    this.line(lines.map((line) => indent + (/^─+$/.test(line) ? '─'.repeat(width) : line)).join('\n'));
  }

  /** `key  value` pairs, keys aligned. */
  fields(pairs: Array<[string, Cell]>): void {
    const width = Math.max(...pairs.map(([key]) => key.length));
    for (const [key, value] of pairs) this.line(`${this.dim(key.padEnd(width))}  ${formatCell(value)}`);
  }
}

/**
 * A table laid out like `Output.table` but written row by row: the caller measures the widest cell
 * of each column first (a pass over the data that keeps nothing), so memory does not grow with the
 * number of rows and each row costs the same.
 */
export class StreamedTable {
  readonly #widths: number[];

  constructor(
    private readonly headers: string[],
    contentWidths: number[],
    private readonly alignRight: number[],
    private readonly bold: (text: string) => string,
  ) {
    this.#widths = headers.map((header, index) => Math.max(header.length, contentWidths[index] ?? 0));
  }

  /** The header line and the rule under it, newline-terminated. */
  header(): string {
    const header = this.#line(this.headers).replace(/\S+/g, (word) => this.bold(word));
    const width = this.#widths.reduce((sum, columnWidth) => sum + columnWidth, 0) + 2 * (this.#widths.length - 1);
    return `${header}\n${'─'.repeat(width)}\n`;
  }

  /** One row, newline-terminated. */
  row(cells: Cell[]): string {
    return `${this.#line(cells.map(formatCell))}\n`;
  }

  #line(texts: string[]): string {
    return texts
      .map((text, index) => (this.alignRight.includes(index) ? text.padStart(this.#widths[index]!) : text.padEnd(this.#widths[index]!)))
      .join('  ')
      .replace(/\s+$/, '');
  }
}

/** Borderless table characters: columns separated by spaces, a dashed line under the header. */
const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '─', 'mid-mid': '─',
  right: '', 'right-mid': '', middle: '',
};
