/**
 * `aimdb predictions stats` and `aimdb predictions export`: statistics computed by the server for a
 * window given as a duration, versions side by side, a terminal chart; exports streamed as CSV or NDJSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { isPersistent, jsonOf, runCli, tempWorkdir } from './run-cli.js';

describe.each(testBackends().filter((backend) => isPersistent(backend.name)))('aimdb predictions stats and export on $name', (backend) => {
  const workdir = tempWorkdir();
  let database: ProvisionedDatabase;
  const cli = (...args: string[]) => runCli([...args, '--url', database.url], { cwd: workdir.dir });
  const HOUR = 3_600_000;

  beforeAll(async () => {
    database = await backend.provision();
    const db = await createAiDatabase({ url: database.url });
    try {
      const model = await db.createModel({ name: 'ranker' });
      const v1 = await db.createModelVersion({ modelId: model.id });
      const v2 = await db.createModelVersion({ modelId: model.id });
      const now = Date.now();
      await db.logPredictions(
        Array.from({ length: 60 }, (_unused, index) => ({
          modelVersionId: index % 3 === 0 ? v2.id : v1.id,
          input: { text: index === 0 ? 'a "quoted", multi\nline text' : `q${index}` },
          output: index % 2 === 0 ? 'yes' : 'no',
          groundTruth: index % 4 === 0 ? 'yes' : null,
          latencyMs: 5 + index,
          confidence: 0.5,
          timestamp: new Date(now - (index % 6) * HOUR - 60_000),
          key: `req-${index}`,
        })),
      );
      // Outside the last 24 hours: left out of the default window.
      await db.logPrediction({ modelVersionId: v1.id, input: 'old', output: 'no', timestamp: new Date(now - 48 * HOUR) });
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await database.drop();
    workdir.remove();
  });

  it('stats: the last 24 hours by default, per model or per version, as JSON and as a table with a chart', async () => {
    const merged = jsonOf(await cli('predictions', 'stats', '--model', 'ranker', '--bucket', 'hour', '--json'));
    expect(merged.bucket).toBe('hour');
    expect(merged.series).toHaveLength(1);
    expect(merged.series[0].total).toMatchObject({ count: 60, labelled: 15, correct: 15, accuracy: 1 });
    expect(new Date(merged.until).getTime() - new Date(merged.since).getTime()).toBe(25 * HOUR);

    const compared = jsonOf(await cli('predictions', 'stats', '--model-version', 'ranker@1', '--model-version', 'ranker@2', '--since', '7d', '--json'));
    expect(compared.series.map((series: { total: { count: number } }) => series.total.count)).toEqual([40 + 1, 20]);

    const human = await cli('predictions', 'stats', '--model', 'ranker', '--buckets', '12');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/per 2h \(quantiles within 1 %\)/);
    expect(human.stdout).toMatch(/count\s+[▁▂▃▄▅▆▇█]+/);
    expect(human.stdout).toMatch(/BUCKET START\s+COUNT\s+ERRORS\s+P50 MS/);
    expect(human.stdout).toMatch(/accuracy\s+100\.0 % of 15 labelled/);

    const bad = await cli('predictions', 'stats', '--since', 'yesterday-ish');
    expect(bad.code, bad.stderr).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/--since: expected a duration before now such as 24h/);
  });

  it('export: every prediction of the window as CSV or NDJSON, quoting what needs it', async () => {
    const csv = await cli('predictions', 'export', '--model', 'ranker', '--since', '24h', '--format', 'csv');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.startsWith('id,modelVersionId,timestamp,key,latencyMs,confidence,input,output,groundTruth,metadata\n')).toBe(true);
    expect(csv.stdout).toContain('"{""text"":""a \\""quoted\\"", multi\\nline text""}"');
    const ndjson = await cli('predictions', 'export', '--model-version', 'ranker@2', '--format', 'ndjson');
    const lines = ndjson.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; modelVersionId: number });
    expect(lines).toHaveLength(20);
    expect(lines.every((line) => line.key.startsWith('req-'))).toBe(true);
    const all = await cli('predictions', 'export');
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(61);
  });
});
