/**
 * Verification: per table, the row count and the content checksum (see `TableChecksum`) of both
 * sides, computed by the same code from normalised values, so any backend compares with any other.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../store/index.js';
import { AimdbError } from '../core/errors.js';
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_ROWS, readBatches } from './table-io.js';
import { TableChecksum } from './row-values.js';
import type { ProgressListener } from './progress.js';
import type { TableName, TableSpec } from './table-specs.js';

export interface TableDigest {
  rows: number;
  checksum: string;
}

export interface TableVerification {
  table: TableName;
  expected: TableDigest;
  actual: TableDigest;
  ok: boolean;
}

export interface VerificationReport {
  ok: boolean;
  tables: TableVerification[];
}

/** The target's contents differ from what was copied; `report` says which tables. */
export class VerificationFailedError extends AimdbError {
  readonly report: VerificationReport;
  constructor(report: VerificationReport) {
    const failed = report.tables.filter((table) => !table.ok);
    super(
      'verification_failed',
      `verification failed: ${failed
        .map((table) =>
          table.expected.rows === table.actual.rows
            ? `${table.table} has ${table.actual.rows} rows as expected but different content`
            : `${table.table} has ${table.actual.rows} rows, expected ${table.expected.rows}`,
        )
        .join('; ')}`,
    );
    this.report = report;
  }
}

/** Reads a whole table and returns its row count and checksum. */
export async function digestTable(db: Kysely<any>, backend: Backend, spec: TableSpec): Promise<TableDigest> {
  const checksum = new TableChecksum(spec);
  for await (const rows of readBatches(db, backend, spec, {}, { rows: DEFAULT_BATCH_ROWS, bytes: DEFAULT_BATCH_BYTES })) {
    for (const row of rows) checksum.add(row);
  }
  return { rows: checksum.rows, checksum: checksum.hex };
}

/** Compares expected digests with the target's tables, reading the target. */
export async function verifyTables(
  target: Kysely<any>,
  targetBackend: Backend,
  specs: readonly TableSpec[],
  expected: (spec: TableSpec) => Promise<TableDigest>,
  onProgress?: ProgressListener,
): Promise<VerificationReport> {
  const tables: TableVerification[] = [];
  for (const spec of specs) {
    const [wanted, actual] = await Promise.all([expected(spec), digestTable(target, targetBackend, spec)]);
    const ok = wanted.rows === actual.rows && wanted.checksum === actual.checksum;
    tables.push({ table: spec.name, expected: wanted, actual, ok });
    await onProgress?.({ stage: 'verified', table: spec.name, ok });
  }
  return { ok: tables.every((table) => table.ok), tables };
}
