/**
 * `aimdb runs search` on every persistent backend: the query and --order-by reach searchRuns, --json
 * pages with --cursor, and a query error shows the query with a caret under the column, exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb runs search on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  const ids: Record<string, number> = {};
  const cli = (...args: string[]) => runCli([...args, '--url', database.url], { cwd: workdir.dir });

  beforeAll(async () => {
    database = await backend.provision();
    const db = await createAiDatabase({ url: database.url });
    try {
      for (const [name, lr, accuracy] of [['slow-lr', 0.0001, 0.92], ['fast-lr', 0.01, 0.95], ['tiny-lr', 0.00001, 0.97]] as const) {
        const run = await db.createTrainingRun({ name, notes: `${name} baseline run` });
        await db.logHyperparameters(run.id, { lr });
        await db.logMetrics(run.id, [{ name: 'val_acc', value: accuracy, step: 1 }]);
        ids[name] = run.id;
      }
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('filters and sorts, as a table and as JSON pages', async () => {
    const table = await cli('runs', 'search', 'params.lr < 1e-3', '--order-by', 'metrics.val_acc DESC');
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n').slice(2);
    expect(rows.map((row) => /\b(\w+-lr)\b/.exec(row)?.[1])).toEqual(['tiny-lr', 'slow-lr']);
    expect(rows[0]).toMatch(/val_acc=0\.97/);

    const first = jsonOf(await cli('runs', 'search', 'metrics.val_acc > 0.9', '--order-by', 'params.lr', '--json', '--limit', '2'));
    expect(first.items.map((run: { id: number }) => run.id)).toEqual([ids['tiny-lr'], ids['slow-lr']]);
    expect(first.items[0].latestMetrics).toEqual({ val_acc: 0.97 });
    const second = jsonOf(await cli('runs', 'search', 'metrics.val_acc > 0.9', '--order-by', 'params.lr', '--json', '--limit', '2', '--cursor', first.nextCursor));
    expect(second).toMatchObject({ items: [{ id: ids['fast-lr'] }], nextCursor: null });
  });

  it('points at the column of a query error and exits with the usage code', async () => {
    const answer = await cli('runs', 'search', 'params.lr < 1e-3 and');
    expect(answer.code, answer.stderr).toBe(EXIT_CODES.usage);
    expect(answer.stderr).toContain(`  params.lr < 1e-3 and\n${' '.repeat(22)}^\n`);
    expect(answer.stderr).toMatch(/aimdb: query: at 21: expected a field name, found the end of the query — the grammar: docs\/query-language\.md/);
    const order = await cli('runs', 'search', '', '--order-by', 'params.lr upward');
    expect(order.code, order.stderr).toBe(EXIT_CODES.usage);
    expect(order.stderr).toMatch(/--order-by: at 11: expected ASC, DESC/);
  });

  it('aimdb search finds entities by words, ranked, with the matching text', async () => {
    const table = await cli('search', 'baseline', 'TINY');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^KIND\s+ID\s+NAME\s+SCORE\s+MATCH/);
    expect(table.stdout).toMatch(/run\s+\d+\s+tiny-lr\s+[\d.e-]+\s+tiny-lr\s+tiny-lr baseline run/);
    const hits = jsonOf(await cli('search', 'baseline', '--json', '--only', 'run', '-n', '2'));
    expect(hits).toHaveLength(2);
    expect(hits[0]).toMatchObject({ entity: 'run', id: expect.any(Number), snippet: expect.stringContaining('baseline') });
    expect((await cli('search', 'nothing-like-this')).stderr).toMatch(/nothing matches/);
    expect((await cli('search', 'x', '--only', 'robots')).code).toBe(EXIT_CODES.usage);
  });
});
