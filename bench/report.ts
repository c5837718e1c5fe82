/** The results table: printed, saved as JSON and Markdown, and optionally written into docs/benchmarks.md. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import type { BenchOptions } from './config.js';
import type { ScenarioResult } from './measure.js';

export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  mode: 'quick' | 'full' | 'custom';
  machine: { cpus: number; memoryGb: number; node: string; platform: string };
  servers: Record<string, string>;
  sizes: BenchOptions['sizes'];
  results: ScenarioResult[];
  skipped: string[];
}

const DOCS_START = '<!-- bench:results:start -->';
const DOCS_END = '<!-- bench:results:end -->';

export function formatFigure(value: number | null, unit: string): string {
  if (value === null) return '—';
  if (unit === 'ms') return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
  if (unit === 'MB') return `${value.toFixed(0)} MB`;
  return `${Math.round(value).toLocaleString('en')} ${unit}`;
}

const formatRatio = (ratio: number | null) => (ratio === null ? '—' : `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`);
const verdict = (result: ScenarioResult) => (result.met ? 'met' : 'NOT met');

function rows(results: ScenarioResult[]): string[][] {
  return results.map((result) => [
    result.backend,
    result.title,
    formatFigure(result.aimdb, result.unit),
    `${formatFigure(result.baseline, result.unit)} (${result.baselineLabel})`,
    formatRatio(result.ratio),
    result.targetText,
    verdict(result) + (result.note === undefined ? '' : ` — ${result.note}`),
  ]);
}

const HEADER = ['backend', 'scenario', 'aimdb', 'baseline', 'ratio', 'target', 'verdict'];

export function printTable(results: ScenarioResult[]): string {
  const table = new Table({ head: HEADER, wordWrap: true, colWidths: [12, 44, 18, 34, 9, 14, 12] });
  table.push(...rows(results));
  return table.toString();
}

export function markdownTable(results: ScenarioResult[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows(results).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export function markdownReport(report: BenchReport): string {
  const sizes = Object.entries(report.sizes)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : value}`)
    .join(', ');
  return [
    `Run of ${report.startedAt} (${report.mode}, ${report.durationSeconds.toFixed(0)} s) on ${report.machine.cpus} CPUs, ` +
      `${report.machine.memoryGb} GB, Node ${report.machine.node}; ${Object.values(report.servers).join('; ')}.`,
    '',
    `Sizes: ${sizes}.`,
    '',
    'Ratios are aimdb relative to the baseline measured in the same process and run, oriented so that higher is better ' +
      'for aimdb (rates: aimdb ÷ baseline; durations: baseline ÷ aimdb).',
    '',
    markdownTable(report.results),
    ...(report.skipped.length === 0 ? [] : ['', ...report.skipped.map((note) => `- skipped: ${note}`)]),
    '',
  ].join('\n');
}

export function saveReport(report: BenchReport, root: string): { json: string; markdown: string } {
  const folder = path.join(root, 'bench', 'results');
  mkdirSync(folder, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = path.join(folder, `bench-${stamp}.json`);
  const markdown = path.join(folder, `bench-${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, markdownReport(report));
  writeFileSync(path.join(folder, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(folder, 'latest.md'), markdownReport(report));
  return { json, markdown };
}

/** Replaces the generated section of docs/benchmarks.md, leaving the prose around it alone. */
export function writeDocs(report: BenchReport, root: string): string {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(DOCS_START);
  const end = text.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${DOCS_START} … ${DOCS_END} section to replace`);
  writeFileSync(file, `${text.slice(0, start + DOCS_START.length)}\n${markdownReport(report)}${text.slice(end)}`);
  return file;
}
