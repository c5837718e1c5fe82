/** Display formatting shared by every page. */
import type { JsonValue } from '../../core/entities.js';

/** A metric value with NaN and ±Infinity spelled out and a sensible number of digits. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '∞';
  if (value === Number.NEGATIVE_INFINITY) return '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e9) return value.toLocaleString('en-US');
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** A number with its full precision, for a cell's hover title. */
export function fullNumber(value: number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Number.isFinite(value) ? String(value) : formatMetric(value);
}

/** A hyperparameter in a table cell: numbers to 4 significant digits (full value in `fullJsonValue`). */
export function formatParamCell(value: JsonValue | undefined): string {
  return typeof value === 'number' ? formatMetric(value) : formatJsonValue(value);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Local date and time, second precision. */
/** One formatter for every date: `toLocaleString` with options builds a new one per call (~1 ms each). */
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatDateTime(date: Date | null): string {
  if (date === null) return '—';
  return DATE_TIME.format(date);
}

/** "3 min ago", "in 2 h", relative to `now`. */
export function formatRelative(date: Date | null, now: number = Date.now()): string {
  if (date === null) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [amount, unit] =
    abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86_400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86_400), 'd'];
  if (abs < 5) return 'just now';
  return seconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** A hyperparameter or JSON value as one short line. */
export function formatJsonValue(value: JsonValue | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  // Hyperparameters are chosen values: shown exactly as logged, not rounded.
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** The first `maxLength` characters of a JSON document, for table previews. */
export function jsonPreview(value: JsonValue | null | undefined, maxLength = 80): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

/** The short form of a sha256 digest (first 12 hex digits). */
export function shortDigest(digest: string | null): string {
  if (digest === null) return '—';
  return digest.length > 12 ? `${digest.slice(0, 12)}…` : digest;
}

/**
 * Axis tick labels: one format for the whole axis, with just enough digits to tell neighbouring
 * ticks apart (fixed-point), or exponents when the axis spans tiny or huge magnitudes.
 */
export function formatTicks(splits: readonly number[], step: number): string[] {
  const largest = Math.max(0, ...splits.map((value) => Math.abs(value)));
  if (largest === 0) return splits.map(() => '0');
  if (largest >= 1e6 || largest < 1e-3) {
    const exponent = (value: number) => Math.floor(Math.log10(Math.abs(value)) + 1e-9);
    const digits = step > 0 ? Math.max(0, Math.min(6, exponent(largest) - exponent(step))) : 2;
    return splits.map((value) => (value === 0 ? '0' : value.toExponential(digits)));
  }
  // As many decimals as the tick increment has (0.00025 needs 5), so neighbouring ticks never print alike.
  let decimals = 0;
  while (decimals < 10 && step > 0 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals += 1;
  return splits.map((value) => value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
}

/** A log-axis tick (uPlot passes null for the minor ticks it leaves unlabelled). */
export function formatLogTick(value: number | null): string {
  if (value === null || value <= 0) return '';
  if (value >= 1e-3 && value < 1e6) return Number(value.toPrecision(3)).toLocaleString('en-US');
  return value.toExponential(0);
}
