/**
 * `copyDatabase`: every table from one SQL database into another, ids and relationships kept,
 * streamed in keyset-ordered batches, each batch committed in its own transaction so memory stays
 * flat and an interrupted copy can be resumed.
 */
import type { Kysely } from 'kysely';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { SqlAiDatabase } from '../store/index.js';
import { checkTransferableSchema } from './schema-check.js';
import { checkLocation, describeLocation, openSource, openTarget, type DatabaseLocation } from './endpoints.js';
import type { ProgressListener, TableTransferReport } from './progress.js';
import { combineChecksums } from './row-values.js';
import {
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_ROWS,
  countRows,
  hasRows,
  insertRows,
  readBatches,
  readDeferredReferences,
  writeDeferredReferences,
  type RowFilter,
} from './table-io.js';
import { ARTIFACT_TABLES, TABLE_SPECS, type TableSpec } from './table-specs.js';
import { copyArtifactBlobs, type BlobTransferReport } from './artifact-blobs.js';
import { digestTable, VerificationFailedError, verifyTables, type TableDigest, type VerificationReport } from './verify-database.js';
import { writeFailure } from './write-errors.js';

export interface CopyOptions {
  /** Copy into a target that already holds rows; incoming keys must not exist there yet. */
  append?: boolean;
  /** Continue an interrupted copy into this target: rows already copied are kept, not copied again. */
  resume?: boolean;
  /** Compare row counts and content checksums of every table afterwards (default true). */
  verify?: boolean;
  /** Rows per batch at most (default 5000); batches also stay near `batchBytes`. */
  batchRows?: number;
  /** Bytes a batch aims at (default 8 MiB), so large payloads do not grow memory. */
  batchBytes?: number;
  /**
   * Copy artifacts: their rows and the bytes they name, each blob verified by its SHA-256 in the
   * target's blob store (default true). false (`--no-artifacts`) leaves both out.
   */
  artifacts?: boolean;
  onProgress?: ProgressListener;
}

export interface CopyReport {
  /** Source and target, passwords redacted. */
  source: string;
  target: string;
  tables: TableTransferReport[];
  /** null when verification was switched off. */
  verification: VerificationReport | null;
  /** Artifact blobs moved; null with `artifacts: false`. */
  artifacts: BlobTransferReport | null;
  elapsedMs: number;
}

/** Tables of the target that already hold rows. */
export async function occupiedTables(db: Kysely<any>): Promise<string[]> {
  const occupied: string[] = [];
  for (const spec of TABLE_SPECS) if (await hasRows(db, spec)) occupied.push(spec.name);
  return occupied;
}

/**
 * Where a resumed copy continues in one table. Batches were committed in the source's key order,
 * so the target holds a prefix of the source. Only the first key column (always an integer) is
 * compared across backends, because text keys sort differently per collation: rows below the
 * target's highest first-key value are complete; the rows at that value are removed and copied
 * again (composite keys only; for an id key that value is one complete row).
 */
async function resumePoint(target: Kysely<any>, spec: TableSpec, sourceRows: number): Promise<{ filter: RowFilter; kept: number; complete: boolean }> {
  const kept = await countRows(target, spec);
  if (kept === 0) return { filter: {}, kept: 0, complete: false };
  // As many rows as the source: the table was finished before the interruption (verify confirms it).
  if (kept === sourceRows) return { filter: {}, kept, complete: true };
  const first = spec.key[0]!;
  const row = await target
    .selectFrom(spec.name)
    .select((eb) => eb.fn.max(first).as('highest'))
    .executeTakeFirstOrThrow();
  const highest = Number(row.highest);
  if (spec.key.length === 1) return { filter: { after: [highest] }, kept, complete: false };
  const deleted = await target.transaction().execute((trx) => trx.deleteFrom(spec.name).where(first, '=', highest).executeTakeFirst());
  return { filter: { firstKeyAtLeast: highest }, kept: kept - Number(deleted.numDeletedRows), complete: false };
}

function checkOptions(options: CopyOptions): void {
  if (options.append === true && options.resume === true) {
    throw new ValidationError('resume: cannot be combined with append; resume continues a copy into a target that was empty when it started', {
      field: 'resume',
    });
  }
  for (const field of ['batchRows', 'batchBytes'] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new ValidationError(`${field}: must be a positive integer, got ${value}`, { field });
    }
  }
}

/**
 * Copies every table of `source` into `target`, keeping ids. The target must be empty unless
 * `append` or `resume` is set. Afterwards the target's id counters follow the copied ids and,
 * unless `verify: false`, every table's row count and checksum are compared.
 *
 * @throws ValidationError for bad options or URLs, ConflictError for a non-empty target,
 *   VerificationFailedError when the target's content differs afterwards.
 * @example
 * await copyDatabase('sqlite:///aimdb.sqlite', 'postgresql://aimdb@db/aimodels', { onProgress: console.log });
 */
export async function copyDatabase(source: DatabaseLocation, target: DatabaseLocation, options: CopyOptions = {}): Promise<CopyReport> {
  checkOptions(options);
  checkLocation(source, 'source');
  checkLocation(target, 'target');
  const started = Date.now();
  const from = await openSource(source);
  try {
    const to = await openTarget(target);
    try {
      return await copyOpened(from.database, to.database, options, {
        source: describeLocation(source),
        target: describeLocation(target),
        started,
      });
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

async function copyOpened(
  source: SqlAiDatabase,
  target: SqlAiDatabase,
  options: CopyOptions,
  labels: { source: string; target: string; started: number },
): Promise<CopyReport> {
  const from = source.kysely as unknown as Kysely<any>;
  const to = target.kysely as unknown as Kysely<any>;
  const sizing = { rows: options.batchRows ?? DEFAULT_BATCH_ROWS, bytes: options.batchBytes ?? DEFAULT_BATCH_BYTES };
  await checkTransferableSchema(from, 'source');
  await checkTransferableSchema(to, 'target');
  const occupied = await occupiedTables(to);
  if (occupied.length > 0 && options.append !== true && options.resume !== true) {
    throw new ConflictError(
      `target: already holds data (${occupied.join(', ')}); copy into an empty database, pass --append to add to it, or --resume to finish an interrupted copy`,
      { field: 'target' },
    );
  }
  const verify = options.verify !== false;
  const specs = options.artifacts === false ? TABLE_SPECS.filter((spec) => !ARTIFACT_TABLES.includes(spec.name)) : TABLE_SPECS;
  // With --append the expected target is what it held before plus the source (checksums XOR).
  const before = new Map<string, TableDigest>();
  if (verify && options.append === true) {
    for (const spec of specs) before.set(spec.name, await digestTable(to, target.backend, spec));
  }

  const reports: TableTransferReport[] = [];
  for (const spec of specs) {
    const tableStarted = Date.now();
    const rowsTotal = await countRows(from, spec);
    const { filter, kept, complete } =
      options.resume === true ? await resumePoint(to, spec, rowsTotal) : { filter: {}, kept: 0, complete: false };
    let written = 0;
    await options.onProgress?.({ stage: 'table-start', table: spec.name, rowsDone: kept, rowsTotal });
    for await (const rows of complete ? [] : readBatches(from, source.backend, spec, filter, sizing)) {
      try {
        await to.transaction().execute((trx) => insertRows(trx, target.backend, spec, rows));
      } catch (error) {
        throw writeFailure(target.backend, spec.name, error, kept + written);
      }
      written += rows.length;
      await options.onProgress?.({ stage: 'rows', table: spec.name, rowsDone: kept + written, rowsTotal });
    }
    for (const dependent of TABLE_SPECS.filter((other) => other.deferred?.references === spec.name)) {
      for await (const pairs of readDeferredReferences(from, dependent, {}, sizing.rows)) {
        try {
          await to.transaction().execute((trx) => writeDeferredReferences(trx, target.backend, dependent, pairs));
        } catch (error) {
          throw writeFailure(target.backend, dependent.name, error, 0);
        }
      }
    }
    if (spec.generatedId) await target.backend.resetIdSequence(to, spec.name, 'id');
    const elapsedMs = Date.now() - tableStarted;
    reports.push({ table: spec.name, rowsWritten: written, rowsKept: kept, elapsedMs });
    await options.onProgress?.({ stage: 'table-done', table: spec.name, rowsDone: kept + written, rowsTotal, elapsedMs });
  }

  // The bytes before the verification, so a blob that fails its hash stops the copy as loudly as a row would.
  const artifacts = options.artifacts === false ? null : await copyArtifactBlobs(source, target);

  let verification: VerificationReport | null = null;
  if (verify) {
    verification = await verifyTables(
      to,
      target.backend,
      specs,
      async (spec) => {
        const digest = await digestTable(from, source.backend, spec);
        const previous = before.get(spec.name);
        return previous === undefined
          ? digest
          : { rows: digest.rows + previous.rows, checksum: combineChecksums(digest.checksum, previous.checksum) };
      },
      options.onProgress,
    );
    if (!verification.ok) throw new VerificationFailedError(verification);
  }
  return { source: labels.source, target: labels.target, tables: reports, verification, artifacts, elapsedMs: Date.now() - labels.started };
}
