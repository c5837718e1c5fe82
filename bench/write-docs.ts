/**
 * Puts a saved benchmark report into docs/benchmarks.md (the generated section only):
 * `npx tsx bench/write-docs.ts [bench/results/latest.json]`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocs, type BenchReport } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? path.join(root, 'bench', 'results', 'latest.json');
const report = JSON.parse(readFileSync(source, 'utf8')) as BenchReport;
process.stdout.write(`Updated ${path.relative(root, writeDocs(report, root))} from ${path.relative(root, source)}\n`);
