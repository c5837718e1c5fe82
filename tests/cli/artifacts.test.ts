/**
 * `aimdb artifacts put|get|ls|rm|gc` as a user runs them, with the artifact folder named in the
 * config file's `artifacts:` section.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { jsonOf, runCli, tempWorkdir } from './run-cli.js';

describe('aimdb artifacts', () => {
  const workdir = tempWorkdir();
  const cli = (...args: string[]) => runCli(args, { cwd: workdir.dir });
  let runId = 0;

  beforeAll(async () => {
    writeFileSync(
      path.join(workdir.dir, 'aimdb.config.yaml'),
      'database:\n  path: ./runs.sqlite\nartifacts:\n  url: ./stored-files\n',
    );
    writeFileSync(path.join(workdir.dir, 'weights.bin'), Buffer.alloc(3 * 1024 * 1024, 9));
    writeFileSync(path.join(workdir.dir, 'metrics.csv'), 'step,loss\n1,0.5\n');
    const created = await cli('runs', 'create', '--name', 'with-files', '--json');
    if (created.code === 0) runId = jsonOf(created).id;
  });
  afterAll(() => workdir.remove());

  it('puts, lists, gets (verified), removes and collects', async () => {
    if (runId === 0) {
      const { createAiDatabase } = await import('../../src/index.js');
      const db = await createAiDatabase({ url: `sqlite:///${path.join(workdir.dir, 'runs.sqlite')}` });
      runId = (await db.createTrainingRun({ name: 'with-files' })).id;
      await db.close();
    }
    const put = await cli('artifacts', 'put', '--run', String(runId), 'weights.bin', 'model/weights.bin', '--json');
    expect(put.code, put.stderr).toBe(0);
    const sha256 = createHash('sha256').update(Buffer.alloc(3 * 1024 * 1024, 9)).digest('hex');
    expect(jsonOf(put)).toMatchObject({ path: 'model/weights.bin', size: 3 * 1024 * 1024, sha256 });
    expect(readdirSync(path.join(workdir.dir, 'stored-files', 'blobs'))).toEqual([sha256.slice(0, 2)]);
    expect((await cli('artifacts', 'put', '--run', String(runId), 'metrics.csv')).code).toBe(0);

    const listed = await cli('artifacts', 'ls', '--run', String(runId));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/model\/\s+folder/);
    expect(listed.stdout).toMatch(/metrics\.csv\s+\d+ B\s+[0-9a-f]{16}\s+text\/csv/);
    expect(jsonOf(await cli('artifacts', 'ls', '--run', String(runId), 'model/', '--json')).files).toHaveLength(1);

    const got = await cli('artifacts', 'get', '--run', String(runId), 'model/weights.bin', 'copy.bin');
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('(verified)');
    expect(readFileSync(path.join(workdir.dir, 'copy.bin')).equals(Buffer.alloc(3 * 1024 * 1024, 9))).toBe(true);

    const wrong = await cli('artifacts', 'put', '--run', String(runId), 'metrics.csv', 'x.csv', '--sha256', '0'.repeat(64));
    expect(wrong.code, wrong.stderr).not.toBe(0);
    expect(wrong.stderr).toMatch(/sha256/);
    const bad = await cli('artifacts', 'put', '--run', String(runId), 'metrics.csv', '../escape.csv');
    expect(bad.code, bad.stderr).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/path/);
    expect((await cli('artifacts', 'ls')).code).toBe(EXIT_CODES.usage);

    expect((await cli('artifacts', 'rm', '--run', String(runId), 'model/weights.bin')).code).toBe(0);
    const missing = await cli('artifacts', 'get', '--run', String(runId), 'model/weights.bin', 'again.bin');
    expect(missing.code, missing.stderr).not.toBe(0);
    expect(existsSync(path.join(workdir.dir, 'again.bin'))).toBe(false);
    const gc = await cli('artifacts', 'gc', '--grace', '0', '--json');
    expect(gc.code, gc.stderr).toBe(0);
    expect(jsonOf(gc)).toMatchObject({ removed: 1, removedBytes: 3 * 1024 * 1024 });
    expect(existsSync(path.join(workdir.dir, 'stored-files', 'blobs', sha256.slice(0, 2), sha256))).toBe(false);
  // About a dozen CLI processes, each starting Node: minutes on a loaded machine.
  }, 240_000);
});
