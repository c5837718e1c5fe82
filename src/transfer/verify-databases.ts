/** `verifyDatabases`: compares two databases table by table without copying anything. */
import type { Kysely } from 'kysely';
import { checkLocation, openSource, type DatabaseLocation } from './endpoints.js';
import type { ProgressListener } from './progress.js';
import { TABLE_SPECS } from './table-specs.js';
import { digestTable, verifyTables, type VerificationReport } from './verify-database.js';

/**
 * Row counts and content checksums of every table of `expected` and `actual`, compared. Neither
 * database is changed (both are opened without migrating).
 */
export async function verifyDatabases(
  expected: DatabaseLocation,
  actual: DatabaseLocation,
  options: { onProgress?: ProgressListener } = {},
): Promise<VerificationReport> {
  checkLocation(expected, 'source');
  checkLocation(actual, 'target');
  const left = await openSource(expected);
  try {
    const right = await openSource(actual);
    try {
      const from = left.database.kysely as unknown as Kysely<any>;
      return await verifyTables(
        right.database.kysely as unknown as Kysely<any>,
        right.database.backend,
        TABLE_SPECS,
        (spec) => digestTable(from, left.database.backend, spec),
        options.onProgress,
      );
    } finally {
      await right.close();
    }
  } finally {
    await left.close();
  }
}
