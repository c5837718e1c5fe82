/**
 * `importDatabase`: loads an aimdb archive into a database, ids kept, batch by batch. A file is read
 * twice: once to check it completely (format, every value, every table's checksum), so a damaged
 * archive changes nothing; then to write it. A stream can be read only once and is checked as it goes.
 */
import { fillMetricRollups, fillPredictionRollups } from '../store/index.js';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { ConflictError, IntegrityError } from '../core/errors.js';
import type { StagedBlob } from '../store/index.js';
import type { ArchiveManifest } from './archive-format.js';
import { readArchive } from './archive-reader.js';
import { occupiedTables } from './copy-database.js';
import { checkTransferableSchema } from './schema-check.js';
import { checkLocation, openTarget, type DatabaseLocation } from './endpoints.js';
import type { ProgressListener, TableTransferReport } from './progress.js';
import { combineChecksums } from './row-values.js';
import { insertRows, writeDeferredReferences, type DeferredPair } from './table-io.js';
import { tableSpec, TABLE_SPECS, type TableName } from './table-specs.js';
import { digestTable, VerificationFailedError, verifyTables, type TableDigest, type VerificationReport } from './verify-database.js';
import { writeFailure } from './write-errors.js';

export interface ImportOptions {
  /** Import into a database that already holds rows; incoming keys must not exist there yet. */
  append?: boolean;
  /** Compare every imported table's row count and checksum with the archive afterwards (default true). */
  verify?: boolean;
  onProgress?: ProgressListener;
}

export interface ImportReport {
  manifest: ArchiveManifest;
  tables: TableTransferReport[];
  verification: VerificationReport | null;
  /** Artifact blobs written to the target's blob store (each verified by its SHA-256). */
  blobs: number;
  elapsedMs: number;
}

/** Reads a whole archive file, checking it, and returns its manifest and per-table digests. */
async function checkArchive(path: string): Promise<{ manifest: ArchiveManifest; digests: Map<TableName, TableDigest> }> {
  let manifest: ArchiveManifest | undefined;
  const digests = new Map<TableName, TableDigest>();
  for await (const event of readArchive(path)) {
    if (event.kind === 'manifest') manifest = event.manifest;
    if (event.kind === 'table-end') digests.set(event.spec.name, { rows: event.rows, checksum: event.checksum });
  }
  return { manifest: manifest!, digests };
}

/**
 * Imports the archive at `from` (a file path or a readable stream) into `target`, which must be
 * empty unless `append` is set. Id counters follow the imported ids afterwards.
 *
 * @throws ValidationError for a malformed or damaged archive, ConflictError for a non-empty target,
 *   VerificationFailedError when the target's content differs from the archive afterwards.
 * @example
 * await importDatabase('backup.aimdb', 'postgresql://aimdb@db/restored');
 */
export async function importDatabase(from: string | Readable, target: DatabaseLocation, options: ImportOptions = {}): Promise<ImportReport> {
  checkLocation(target, 'target');
  const started = Date.now();
  const checked = typeof from === 'string' ? await checkArchive(from) : undefined;
  const opened = await openTarget(target);
  try {
    const db = opened.database.kysely as unknown as Kysely<any>;
    const backend = opened.database.backend;
    await checkTransferableSchema(db, 'target');
    const occupied = await occupiedTables(db);
    if (occupied.length > 0 && options.append !== true) {
      throw new ConflictError(
        `target: already holds data (${occupied.join(', ')}); import into an empty database, or pass --append to add to it`,
        { field: 'target' },
      );
    }
    const verify = options.verify !== false;
    const before = new Map<TableName, TableDigest>();
    if (verify && options.append === true) {
      for (const name of checked?.manifest.tables ?? TABLE_SPECS.map((spec) => spec.name)) before.set(name, await digestTable(db, backend, tableSpec(name)));
    }

    let manifest: ArchiveManifest | undefined;
    const digests = new Map<TableName, TableDigest>();
    const reports: TableTransferReport[] = [];
    const deferred = new Map<TableName, DeferredPair[]>();
    let tableStarted = 0;
    let written = 0;
    let blob: { sha256: string; sink: PassThrough | undefined; staged: Promise<StagedBlob> | undefined } | undefined;
    let blobs = 0;
    for await (const event of readArchive(from)) {
      switch (event.kind) {
        case 'blob-start': {
          const store = await opened.database.artifactBlobStore();
          // Bytes the target holds already (same hash) are read past, not stored twice.
          if ((await store.stat(event.sha256)) !== undefined) {
            blob = { sha256: event.sha256, sink: undefined, staged: undefined };
          } else {
            const sink = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
            const staged = store.stage(sink);
            // Staging failures surface at blob-end; this keeps them from being unhandled meanwhile.
            staged.catch(() => undefined);
            blob = { sha256: event.sha256, sink, staged };
          }
          break;
        }
        case 'blob-data':
          if (blob?.sink !== undefined && !blob.sink.write(event.bytes)) await once(blob.sink, 'drain');
          break;
        case 'blob-end': {
          if (blob?.sink !== undefined) {
            blob.sink.end();
            const staged = await (blob.staged as Promise<StagedBlob>);
            if (staged.sha256 !== blob.sha256) {
              await staged.discard();
              throw new IntegrityError(`archive: artifact blob ${blob.sha256} holds bytes hashing to ${staged.sha256}; not imported`);
            }
            await staged.commit();
            await staged.discard();
            blobs += 1;
          }
          blob = undefined;
          break;
        }
        case 'manifest':
          manifest = event.manifest;
          break;
        case 'table': {
          tableStarted = Date.now();
          written = 0;
          const rowsTotal = checked?.digests.get(event.spec.name)?.rows ?? 0;
          await options.onProgress?.({ stage: 'table-start', table: event.spec.name, rowsDone: 0, rowsTotal });
          break;
        }
        case 'rows': {
          const { spec, rows } = event;
          if (spec.deferred !== undefined) {
            const index = spec.columns.findIndex((column) => column.name === spec.deferred!.column);
            const idIndex = spec.columns.findIndex((column) => column.name === 'id');
            const pairs = deferred.get(spec.name) ?? [];
            for (const row of rows) if (row[index] !== null) pairs.push([row[idIndex] as number, row[index] as number]);
            deferred.set(spec.name, pairs);
          }
          try {
            await db.transaction().execute((trx) => insertRows(trx, backend, spec, rows));
          } catch (error) {
            throw writeFailure(backend, spec.name, error, written);
          }
          written += rows.length;
          const rowsTotal = checked?.digests.get(spec.name)?.rows ?? written;
          await options.onProgress?.({ stage: 'rows', table: spec.name, rowsDone: written, rowsTotal });
          break;
        }
        case 'table-end': {
          const { spec } = event;
          digests.set(spec.name, { rows: event.rows, checksum: event.checksum });
          if (spec.generatedId) await backend.resetIdSequence(db, spec.name, 'id');
          const elapsedMs = Date.now() - tableStarted;
          reports.push({ table: spec.name, rowsWritten: written, rowsKept: 0, elapsedMs });
          await options.onProgress?.({ stage: 'table-done', table: spec.name, rowsDone: written, rowsTotal: event.rows, elapsedMs });
          break;
        }
      }
    }
    // The run → version references wait until every version is in (they point at each other).
    for (const [name, pairs] of deferred) {
      const spec = tableSpec(name);
      try {
        await db.transaction().execute((trx) => writeDeferredReferences(trx, backend, spec, pairs));
      } catch (error) {
        throw writeFailure(backend, name, error, 0);
      }
    }

    // Points imported without their rollups (an archive written before schema 0002, or exported with
    // --tables but not metric_rollups) get them built from the points, or long charts would be wrong.
    if (manifest!.tables.includes('metrics') && !manifest!.tables.includes('metric_rollups')) {
      await fillMetricRollups(db, backend, { missingOnly: true });
    }
    // Likewise predictions imported without their rollups would have no statistics.
    if (manifest!.tables.includes('predictions') && !manifest!.tables.includes('prediction_rollups')) {
      await fillPredictionRollups(db, backend, { missingOnly: true });
    }

    let verification: VerificationReport | null = null;
    if (verify) {
      verification = await verifyTables(
        db,
        backend,
        manifest!.tables.map((name) => tableSpec(name)),
        async (spec) => {
          const archived = digests.get(spec.name)!;
          const previous = before.get(spec.name);
          return previous === undefined
            ? archived
            : { rows: archived.rows + previous.rows, checksum: combineChecksums(archived.checksum, previous.checksum) };
        },
        options.onProgress,
      );
      if (!verification.ok) throw new VerificationFailedError(verification);
    }
    return { manifest: manifest!, tables: reports, verification, blobs, elapsedMs: Date.now() - started };
  } finally {
    await opened.close();
  }
}
