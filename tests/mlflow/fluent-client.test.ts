/**
 * MLflow's real fluent client (Python, MLflow 2.10.2 from ../shared/tools/mlflow) against an aimdb
 * server on every backend: tests/mlflow/fluent_end_to_end.py logs as a training script does (params,
 * metrics in a loop, negative steps, tags, nested runs, a 100,000-point history, searches, the
 * registry with an alias and a stage) and reads the same runs back through aimdb's native API.
 *
 * Runs whenever the tool is installed (../shared/tools/mlflow/install-deps.sh). Where it is missing
 * the test is skipped, except in CI (CI=true), where it fails saying what to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = path.join(REPO, 'tests', 'mlflow', 'fluent_end_to_end.py');

/** ../shared/tools/mlflow beside the repository (one level further up from a worktree), or AIMDB_MLFLOW_TOOLS. */
function toolsFolder(): string {
  if (process.env.AIMDB_MLFLOW_TOOLS) return process.env.AIMDB_MLFLOW_TOOLS;
  const beside = path.join(REPO, '..', 'shared', 'tools', 'mlflow');
  return existsSync(beside) ? beside : path.join(REPO, '..', '..', 'shared', 'tools', 'mlflow');
}

const PYTHON = path.join(toolsFolder(), 'python');
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

/** Why MLflow's Python client cannot run here, or undefined when it can. */
function missingTool(): string | undefined {
  if (!existsSync(PYTHON)) return `no MLflow tool at ${PYTHON}`;
  const probe = spawnSync(PYTHON, ['-c', 'import mlflow'], { env: PYTHON_ENV, encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) return `${PYTHON} cannot import mlflow: ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`;
  return undefined;
}

const missing = missingTool();
const inCi = process.env.CI === 'true';

/** Runs the fluent script against `url`: its exit code and its output. */
function runFluentScript(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [SCRIPT, url], { env: PYTHON_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

if (missing !== undefined && inCi) {
  describe('MLflow fluent client against aimdb', () => {
    it('needs the MLflow tool in CI', () => {
      expect.fail(`${missing}; CI must run ../shared/tools/mlflow/install-deps.sh before the tests (.ci/run does)`);
    });
  });
} else {
  // One server per backend family; the in-memory SQLite adds nothing the file does not.
  describe.skipIf(missing !== undefined).each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))(
    'MLflow fluent client against aimdb on $name',
    (backend) => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer(backend);
      });
      afterAll(async () => {
        await server?.close();
      });

      it('logs, searches and registers through MLflow, and the native API reads the same runs', async () => {
        const result = await runFluentScript(server.url);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain('fluent end-to-end check passed');
      }, 600_000);
    },
  );
}
