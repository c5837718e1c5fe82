/**
 * `aimdb copy`, `export` and `import` as a user runs them (the built binary), between every pair of
 * backends reachable by URL: exit codes, the summary, and refusal of a non-empty target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { TABLE_NAMES } from '../../src/store/sql/tables.js';
import { jsonOf, runCli } from '../cli/run-cli.js';
import { testBackends, type TestBackend } from '../support/backends.js';
import { seedSampleData, snapshot } from './sample-data.js';
import { openTestDatabase, type OpenedTestDatabase } from './transfer-fixtures.js';

vi.setConfig({ testTimeout: 180_000 });

const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-transfer-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const byUrl = testBackends().filter((backend) => backend.name !== 'sqlite-memory');
const pairs: Array<[string, TestBackend, TestBackend]> = byUrl.map((backend, index) => {
  const next = byUrl[(index + 1) % byUrl.length]!;
  return [`${backend.name} → ${next.name}`, backend, next];
});

describe.each(pairs)('aimdb copy/export/import %s', (_label, sourceBackend, targetBackend) => {
  const opened: OpenedTestDatabase[] = [];
  const open = async (backend: TestBackend) => {
    const database = await openTestDatabase(backend);
    opened.push(database);
    return database;
  };
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.dispose();
  });

  it('copies with a summary, refuses to copy twice, and rejects a bad URL with a usage error', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);

    const copied = await runCli(['copy', '--from', source.url, '--to', target.url]);
    expect(copied.stderr).not.toMatch(/aimdb:/);
    expect(copied.code).toBe(0);
    expect(copied.stdout).toMatch(/^metrics\s+427\s+0\s/m);
    expect(copied.stdout).toMatch(new RegExp(`copied [5-9]\\d\\d rows in .*; verified ${TABLE_NAMES.length} tables: row counts and checksums match`));
    expect(await snapshot(target.db)).toEqual(await snapshot(source.db));

    const again = await runCli(['copy', '--from', source.url, '--to', target.url]);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/^aimdb: target: already holds data \(models, datasets/);

    const resumed = await runCli(['copy', '--from', source.url, '--to', target.url, '--resume', '--json']);
    expect(resumed.code).toBe(0);
    const report = jsonOf(resumed);
    expect(report.verification.ok).toBe(true);
    expect(report.tables.every((table: { rowsWritten: number }) => table.rowsWritten === 0)).toBe(true);

    const badUrl = await runCli(['copy', '--from', source.url, '--to', 'ftp://example.org/db']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^aimdb: target: url: unknown scheme 'ftp'/);
  });

  it('exports chosen tables to a file and imports them into another database', async () => {
    const source = await open(sourceBackend);
    const target = await open(targetBackend);
    await seedSampleData(source.db);
    const file = path.join(folder, `${sourceBackend.name}-${targetBackend.name}.aimdb`);

    const exported = await runCli(['export', '--from', source.url, '--to', file, '--tables', 'models,datasets']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/exported 4 rows to /);

    const imported = await runCli(['import', file, '--to', target.url]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported 4 rows in .*verified 2 tables/);
    const [expected, actual] = [await snapshot(source.db), await snapshot(target.db)];
    expect(actual.models).toEqual(expected.models);
    expect(actual.datasets).toEqual(expected.datasets);
    expect(actual.runs).toEqual([]);

    const badSince = await runCli(['export', '--from', source.url, '--to', file, '--since', 'yesterday-ish']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toMatch(/--since/);
  });
});
