/**
 * `exportDatabase`: writes a database, or part of it, as an aimdb archive (see archive-format.ts).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Backend } from '../store/index.js';
import { IntegrityError, ValidationError } from '../core/errors.js';
import { schemaStatus } from '../migrate/migrator.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, BLOB_LINE_BYTES, type ArchiveManifest } from './archive-format.js';
import { checkTransferableSchema } from './schema-check.js';
import { checkLocation, openSource, type DatabaseLocation } from './endpoints.js';
import type { ProgressListener } from './progress.js';
import { TableChecksum } from './row-values.js';
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_ROWS, countRows, readBatches } from './table-io.js';
import { ARTIFACT_TABLES, TABLE_SPECS, isTableName, type TableName } from './table-specs.js';
import { VerifyingStream } from '../core/artifact-streams.js';
import type { BlobStore } from '../store/index.js';

export interface ExportOptions {
  /** Only these tables (default all). */
  tables?: readonly string[];
  /** Only rows created or changed at or after this time; hyperparameters follow their run. */
  since?: Date | number;
  /**
   * Include artifacts: their rows and, after the tables, the bytes those rows name, each checked
   * against its SHA-256 as it is read (default true). false (`--no-artifacts`) leaves both out.
   */
  artifacts?: boolean;
  onProgress?: ProgressListener;
}

export interface ExportReport {
  tables: Array<{ table: TableName; rows: number; checksum: string }>;
  /** Artifact blobs written into the archive. */
  blobs: number;
  elapsedMs: number;
}

/** Resolves `--tables`: known names only, kept in dependency order. */
export function selectTables(tables: readonly string[] | undefined): TableName[] {
  if (tables === undefined) return TABLE_SPECS.map((spec) => spec.name);
  const unknown = tables.filter((name) => !isTableName(name));
  if (unknown.length > 0) {
    throw new ValidationError(
      `tables: unknown table ${unknown.map((name) => `'${name}'`).join(', ')}; known tables are ${TABLE_SPECS.map((spec) => spec.name).join(', ')}`,
      { field: 'tables' },
    );
  }
  if (tables.length === 0) throw new ValidationError('tables: name at least one table', { field: 'tables' });
  return TABLE_SPECS.map((spec) => spec.name).filter((name) => tables.includes(name));
}

function sinceMillis(since: Date | number | undefined): number | undefined {
  if (since === undefined) return undefined;
  const millis = since instanceof Date ? since.getTime() : since;
  if (!Number.isSafeInteger(millis) || millis < 0) {
    throw new ValidationError('since: expected a time on or after 1970-01-01 (a Date or epoch milliseconds)', { field: 'since' });
  }
  return millis;
}

async function* archiveLines(
  db: Kysely<any>,
  backend: Backend,
  manifest: ArchiveManifest,
  report: ExportReport,
  onProgress: ProgressListener | undefined,
  blobs: () => Promise<BlobStore>,
): AsyncGenerator<string> {
  const hashes = new Set<string>();
  yield `${JSON.stringify(manifest)}\n`;
  const since = manifest.since ?? undefined;
  for (const name of manifest.tables) {
    const spec = TABLE_SPECS.find((candidate) => candidate.name === name)!;
    const started = Date.now();
    const rowsTotal = await countRows(db, spec, { since });
    await onProgress?.({ stage: 'table-start', table: name, rowsDone: 0, rowsTotal });
    yield `${JSON.stringify({ table: name, columns: spec.columns.map((column) => column.name) })}\n`;
    const checksum = new TableChecksum(spec);
    const shaIndex = spec.columns.findIndex((column) => column.name === 'sha256');
    for await (const rows of readBatches(db, backend, spec, { since }, { rows: DEFAULT_BATCH_ROWS, bytes: DEFAULT_BATCH_BYTES })) {
      let text = '';
      for (const row of rows) {
        checksum.add(row);
        text += `${JSON.stringify(row)}\n`;
      }
      if (ARTIFACT_TABLES.includes(name)) for (const row of rows) hashes.add(String(row[shaIndex]).trim());
      yield text;
      await onProgress?.({ stage: 'rows', table: name, rowsDone: checksum.rows, rowsTotal });
    }
    yield `${JSON.stringify({ end: name, rows: checksum.rows, checksum: checksum.hex })}\n`;
    report.tables.push({ table: name, rows: checksum.rows, checksum: checksum.hex });
    await onProgress?.({ stage: 'table-done', table: name, rowsDone: checksum.rows, rowsTotal, elapsedMs: Date.now() - started });
  }
  // The bytes the exported artifact rows name, each verified against its hash while read.
  if (hashes.size > 0) {
    const store = await blobs();
    for (const sha256 of [...hashes].sort()) {
      const read = await store.read(sha256);
      if (read === undefined) throw new IntegrityError(`source: artifact blob ${sha256} is missing from ${store.description}`);
      yield `${JSON.stringify({ blob: sha256, size: read.totalSize })}\n`;
      const verifying = new VerifyingStream(sha256, read.totalSize, `artifact blob ${sha256}`);
      read.stream.once('error', (error) => verifying.destroy(error));
      let pending: Buffer = Buffer.alloc(0);
      for await (const chunk of read.stream.pipe(verifying)) {
        pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
        while (pending.length >= BLOB_LINE_BYTES) {
          yield `"${pending.subarray(0, BLOB_LINE_BYTES).toString('base64')}"\n`;
          pending = pending.subarray(BLOB_LINE_BYTES);
        }
      }
      if (pending.length > 0) yield `"${pending.toString('base64')}"\n`;
      yield `${JSON.stringify({ endBlob: sha256 })}\n`;
      report.blobs += 1;
    }
  }
  yield `${JSON.stringify({ end: 'archive', tables: manifest.tables.length })}\n`;
}

/**
 * Writes `source` (or the chosen tables, or rows since a time) to a gzip NDJSON archive at `to`:
 * a file path, or any writable stream (left open when it is stdout).
 *
 * @example
 * await exportDatabase('sqlite:///aimdb.sqlite', 'backup.aimdb');
 */
export async function exportDatabase(source: DatabaseLocation, to: string | Writable, options: ExportOptions = {}): Promise<ExportReport> {
  const tables = selectTables(options.tables).filter((name) => options.artifacts !== false || !ARTIFACT_TABLES.includes(name));
  const since = sinceMillis(options.since);
  checkLocation(source, 'source');
  const started = Date.now();
  const opened = await openSource(source);
  try {
    const db = opened.database.kysely as unknown as Kysely<any>;
    await checkTransferableSchema(db, 'source');
    const status = await schemaStatus(db);
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      schemaVersion: status.current ?? '',
      createdAt: new Date().toISOString(),
      sourceBackend: opened.database.backend.name,
      tables,
      since: since ?? null,
    };
    const report: ExportReport = { tables: [], blobs: 0, elapsedMs: 0 };
    // A file appears under its name only when complete; a failed export leaves nothing behind.
    const partial = typeof to === 'string' ? `${to}.partial` : undefined;
    const sink = partial === undefined ? (to as Writable) : createWriteStream(partial);
    try {
      const blobs = () => opened.database.artifactBlobStore();
      await pipeline(Readable.from(archiveLines(db, opened.database.backend, manifest, report, options.onProgress, blobs)), createGzip(), sink, {
        end: sink !== process.stdout,
      });
      if (partial !== undefined) await rename(partial, to as string);
    } catch (error) {
      if (partial !== undefined) await rm(partial, { force: true });
      throw error;
    }
    report.elapsedMs = Date.now() - started;
    return report;
  } finally {
    await opened.close();
  }
}
