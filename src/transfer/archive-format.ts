/**
 * The aimdb archive: one gzip-compressed NDJSON stream, written and read front to back, so it can
 * be piped and never needs to fit in memory.
 *
 *   {"format":"aimdb-archive","formatVersion":1,…manifest}
 *   {"table":"models","columns":["id","name",…]}
 *   [1,"resnet",…]                     one line per row, values in the header's column order
 *   {"end":"models","rows":2,"checksum":"…"}
 *   …more tables, parents first…
 *   {"blob":"<sha256>","size":123}    artifact bytes (format 2): base64 text lines, then its end
 *   "AAEC…"
 *   {"endBlob":"<sha256>"}
 *   {"end":"archive","tables":10}
 *
 * Columns are named in each table header, so a newer aimdb maps an older archive's columns by name.
 * JSON columns hold the stored JSON text, which keeps SQL NULL apart from a JSON null.
 */
import { ValidationError } from '../core/errors.js';
import type { TableName } from './table-specs.js';

export const ARCHIVE_FORMAT = 'aimdb-archive';
/** Raised only when a reader of the previous version could no longer read the archive correctly. */
export const ARCHIVE_FORMAT_VERSION = 2;
/** Raw bytes per base64 line of an artifact blob (4 MiB of text a line). */
export const BLOB_LINE_BYTES = 3 * 1024 * 1024;

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  /** The schema migration the source was at. */
  schemaVersion: string;
  /** ISO-8601 time of the export. */
  createdAt: string;
  /** The source backend's name (never its URL). */
  sourceBackend: string;
  /** Tables in the archive, parents first. */
  tables: TableName[];
  /** Epoch milliseconds of `--since`, or null for everything. */
  since: number | null;
}

export interface TableHeader {
  table: string;
  columns: string[];
}

export interface TableTrailer {
  end: string;
  rows: number;
  checksum: string;
}

export function checkManifest(value: unknown): ArchiveManifest {
  const manifest = value as Partial<ArchiveManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== ARCHIVE_FORMAT) {
    throw new ValidationError('archive: not an aimdb archive (the first line is not its manifest)', { field: 'archive' });
  }
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > ARCHIVE_FORMAT_VERSION) {
    throw new ValidationError(
      `archive: format version ${String(manifest.formatVersion)} is newer than this aimdb reads (${ARCHIVE_FORMAT_VERSION}); upgrade aimdb`,
      { field: 'archive' },
    );
  }
  if (!Array.isArray(manifest.tables)) throw new ValidationError('archive: the manifest lists no tables', { field: 'archive' });
  return manifest as ArchiveManifest;
}
