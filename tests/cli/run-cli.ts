/**
 * Runs the built `aimdb` binary as a user would (`node bin/aimdb.js …`), in a directory of the
 * test's choosing and with an environment free of the caller's AIMDB_* settings.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const AIMDB_BIN = path.join(REPO_ROOT, 'bin/aimdb.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AIMDB_') && key !== 'FORCE_COLOR') env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `aimdb args…` and resolves with its exit code and output (never rejects on a non-zero code). */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does it in pretest)');
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AIMDB_BIN, ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: cleanEnv(options.env ?? {}), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Parses stdout as JSON, failing with the output when it is not. */
export function jsonOf<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A fresh empty working directory, removed by the returned function. */
export function tempWorkdir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'aimdb-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The database options a URL stands for, as separate flags (as the seed's demo takes them). */
export function flagsOfUrl(url: string, family: 'postgresql' | 'mysql'): string[] {
  const parsed = new URL(url);
  const flags = ['--backend', family, '--host', parsed.hostname, '--database', decodeURIComponent(parsed.pathname.slice(1))];
  if (parsed.port !== '') flags.push('--port', parsed.port);
  if (parsed.username !== '') flags.push('--user', decodeURIComponent(parsed.username));
  if (parsed.password !== '') flags.push('--password', decodeURIComponent(parsed.password));
  return flags;
}

/** Backends whose data outlives a process: every test backend except in-memory SQLite. */
export function isPersistent(name: string): boolean {
  return name !== 'sqlite-memory';
}
