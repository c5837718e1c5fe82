/**
 * The CLI verbs that change things (docs/decisions/1203-editing-and-optimistic-concurrency.md):
 * run tags, notes, delete and restore; version promotion and aliases; the registry's history;
 * and `aimdb gc` with the config file's retention.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb edit commands on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  const cli = (...args: string[]) => runCli([...args, '--url', database.url], { cwd: workdir.dir });

  beforeAll(async () => {
    database = await backend.provision();
    const db = await createAiDatabase({ url: database.url });
    const model = await db.createModel({ name: 'detector' });
    await db.createModelVersion({ modelId: model.id });
    await db.createModelVersion({ modelId: model.id });
    await db.createTrainingRun({ name: 'baseline' });
    await db.close();
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('tags, untags, notes, deletes and restores a run', async () => {
    expect((await cli('runs', 'tag', 'baseline', 'team=vision', 'gpu=a100')).code).toBe(0);
    expect(jsonOf(await cli('runs', 'untag', 'baseline', 'gpu', '--json')).tags).toEqual({ team: 'vision' });
    await cli('runs', 'note', 'baseline', 'first try');
    expect(jsonOf(await cli('runs', 'note', 'baseline', 'lr too high', '--append', '--json')).notes).toBe('first try\n\nlr too high');
    const deleted = await cli('runs', 'delete', 'baseline');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/deleted \(restore with: aimdb runs restore \d+\)/);
    expect(jsonOf(await cli('runs', 'list', '--json')).items).toEqual([]);
    expect((await cli('runs', 'restore', 'baseline')).code).toBe(0);
    expect(jsonOf(await cli('runs', 'list', '--json')).items.map((run: { name: string }) => run.name)).toEqual(['baseline']);
    const bad = await cli('runs', 'tag', 'baseline', 'novalue');
    expect(bad.code, bad.stderr).toBe(2);
  });

  it('promotes versions (refusing a second production holder unless told) and moves aliases, all in the history', async () => {
    expect((await cli('versions', 'promote', 'detector@1', 'production')).stdout).toContain('none → production');
    const refused = await cli('versions', 'promote', 'detector@2', 'Production');
    expect(refused.code, refused.stderr).not.toBe(0);
    expect(refused.stderr).toMatch(/v1 is already in production; pass archiveOthers/);
    expect((await cli('versions', 'promote', 'detector@2', 'production', '--archive-others')).code).toBe(0);
    expect((await cli('versions', 'alias', 'detector', 'champion', '2')).stdout).toContain('detector@champion → v2');
    expect((await cli('versions', 'alias', 'detector', 'champion', '--remove')).code).toBe(0);
    const history = jsonOf(await cli('models', 'events', 'detector', '--json'));
    expect(history.items.map((event: { kind: string; from: string | null; to: string | null }) => [event.kind, event.from, event.to])).toEqual([
      ['alias', '2', null],
      ['alias', null, '2'],
      ['stage', 'production', 'archived'],
      ['stage', 'none', 'production'],
      ['stage', 'none', 'production'],
    ]);
    const table = await cli('models', 'events', 'detector');
    expect(table.stdout).toMatch(/WHEN\s+CHANGE\s+WHO/);
    expect(table.stdout).toContain('@champion: v2 → –');
  });

  it('gc: counts on --dry-run, purges with --older-than, and reads the retention from the config file', async () => {
    const db = await createAiDatabase({ url: database.url });
    const run = await db.createTrainingRun({ name: 'doomed' });
    await db.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
    await db.updateTrainingRun(run.id, { deleted: true });
    await db.close();
    // Deleted just now: the default 30 days keep it.
    expect(jsonOf(await cli('gc', '--json'))).toMatchObject({ runs: 0 });
    expect(jsonOf(await cli('gc', '--dry-run', '--older-than', '0d', '--json'))).toMatchObject({ dryRun: true, runs: 1, metricPoints: 1 });
    const configPath = path.join(workdir.dir, 'retention.yaml');
    writeFileSync(configPath, `database:\n  url: ${JSON.stringify(database.url)}\nretention:\n  deleted: 0d\n  predictions: 90d\n`);
    const configured = await runCli(['gc', '--config', configPath], { cwd: workdir.dir });
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout).toMatch(/training runs\s+1/);
    expect(configured.stdout).toMatch(/complete\s+yes/);
    expect((await cli('gc', '--older-than', 'soon')).code).toBe(2);
  });
});
