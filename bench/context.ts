/** What every scenario receives for one backend. */
import type { AiDatabase } from '../src/index.js';
import type { BenchBackendName, BenchOptions, BenchSizes } from './config.js';
import type { BenchDatabase } from './provision.js';
import type { RawDriver } from './raw/raw-driver.js';
import { openMysqlRaw } from './raw/mysql-raw.js';
import { openPostgresRaw } from './raw/postgres-raw.js';
import { openSqliteRaw } from './raw/sqlite-raw.js';

export interface BenchContext {
  backend: BenchBackendName;
  options: BenchOptions;
  sizes: BenchSizes;
  database: BenchDatabase;
  db: AiDatabase;
  raw: RawDriver;
  /** The fastest raw bulk method per batch size, found by the logMetrics scenario. */
  fastestBulk: Map<number, { label: string; pointsPerSecond: number }>;
}

export async function openRaw(database: BenchDatabase): Promise<RawDriver> {
  switch (database.backend) {
    case 'sqlite':
      return openSqliteRaw(database.filename!);
    case 'postgresql':
      return openPostgresRaw(database.url);
    case 'mysql':
      return openMysqlRaw(database.url);
  }
}

/** Creates `count` runs, several per transaction so set-up does not dominate a run. */
export async function createRuns(db: AiDatabase, count: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 500) {
    const created = await db.transaction(async (tx) => {
      const batch: number[] = [];
      for (let index = start; index < Math.min(count, start + 500); index++) {
        batch.push((await tx.createTrainingRun({ name: `${prefix}-${index}`, status: 'running' })).id);
      }
      return batch;
    });
    ids.push(...created);
  }
  return ids;
}
