/**
 * Reading an aimdb archive front to back as a stream of checked events: the manifest, then per
 * table its header, batches of rows (each row checked against the column kinds) and its end,
 * whose row count and checksum must match what was read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ValidationError } from '../core/errors.js';
import { checkManifest, type ArchiveManifest, type TableHeader, type TableTrailer } from './archive-format.js';
import { checkRowValues, TableChecksum, type RowValues } from './row-values.js';
import { isTableName, tableSpec, type TableSpec } from './table-specs.js';

export type ArchiveEvent =
  | { kind: 'manifest'; manifest: ArchiveManifest }
  | { kind: 'table'; spec: TableSpec }
  | { kind: 'rows'; spec: TableSpec; rows: RowValues[] }
  | { kind: 'table-end'; spec: TableSpec; rows: number; checksum: string }
  /** Artifact bytes (format 2): a blob's start, its bytes in pieces, its end. */
  | { kind: 'blob-start'; sha256: string; size: number }
  | { kind: 'blob-data'; bytes: Buffer }
  | { kind: 'blob-end'; sha256: string };

const BATCH_BYTES = 8 * 1024 * 1024;

function damaged(line: number, message: string): ValidationError {
  return new ValidationError(`archive line ${line}: ${message}`, { field: 'archive' });
}

/** Maps an archive's column order onto the spec's; columns the archive lacks must be nullable. */
function columnMapping(spec: TableSpec, header: TableHeader, line: number): (values: unknown[]) => unknown[] {
  if (!Array.isArray(header.columns)) throw damaged(line, `table ${spec.name} names no columns`);
  const unknown = header.columns.filter((name) => !spec.columns.some((column) => column.name === name));
  if (unknown.length > 0) {
    throw damaged(line, `${spec.name} has columns this aimdb does not know (${unknown.join(', ')}); upgrade aimdb`);
  }
  const positions = spec.columns.map((column) => header.columns.indexOf(column.name));
  const missing = spec.columns.filter((column, index) => positions[index] === -1 && !column.nullable);
  if (missing.length > 0) throw damaged(line, `${spec.name} lacks required columns ${missing.map((column) => column.name).join(', ')}`);
  if (positions.every((position, index) => position === index) && header.columns.length === spec.columns.length) return (values) => values;
  return (values) => positions.map((position) => (position === -1 ? null : values[position]));
}

/** Opens an archive file or stream as decompressed lines. */
function archiveLines(input: string | Readable): AsyncIterable<string> {
  const raw = typeof input === 'string' ? createReadStream(input) : input;
  const gunzip = createGunzip();
  raw.on('error', (error: Error) => gunzip.destroy(error));
  return createInterface({ input: raw.pipe(gunzip), crlfDelay: Infinity });
}

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw damaged(line, 'not a JSON line');
  }
}

/** The archive's events; throws ValidationError on anything malformed, truncated or inconsistent. */
export async function* readArchive(input: string | Readable): AsyncGenerator<ArchiveEvent> {
  let line = 0;
  let manifest: ArchiveManifest | undefined;
  let current: { spec: TableSpec; map: (values: unknown[]) => unknown[]; checksum: TableChecksum } | undefined;
  let batch: RowValues[] = [];
  let batchBytes = 0;
  let tablesSeen = 0;
  let finished = false;
  let blob: { sha256: string; size: number; read: number } | undefined;
  try {
    for await (const text of archiveLines(input)) {
      line += 1;
      if (text === '') continue;
      if (finished) throw damaged(line, 'data after the end of the archive');
      const value = parseLine(text, line);
      if (manifest === undefined) {
        manifest = checkManifest(value);
        for (const table of manifest.tables) if (!isTableName(table)) throw damaged(line, `unknown table '${String(table)}' in the manifest`);
        yield { kind: 'manifest', manifest };
        continue;
      }
      if (typeof value === 'string') {
        if (blob === undefined) throw damaged(line, 'artifact bytes outside of a blob');
        const bytes = Buffer.from(value, 'base64');
        blob.read += bytes.length;
        yield { kind: 'blob-data', bytes };
        continue;
      }
      if (blob !== undefined && (value as { endBlob?: unknown }).endBlob === undefined) throw damaged(line, `blob ${blob.sha256} is not ended`);
      if (Array.isArray(value)) {
        if (current === undefined) throw damaged(line, 'a row outside of a table');
        const row = checkRowValues(current.spec, current.map(value), `archive line ${line}`);
        current.checksum.add(row);
        batch.push(row);
        batchBytes += text.length;
        if (batchBytes >= BATCH_BYTES || batch.length >= 5_000) {
          yield { kind: 'rows', spec: current.spec, rows: batch };
          batch = [];
          batchBytes = 0;
        }
        continue;
      }
      const record = value as Partial<TableHeader & TableTrailer> & { tables?: number; blob?: unknown; size?: unknown; endBlob?: unknown };
      if (typeof record.blob === 'string') {
        if (current !== undefined) throw damaged(line, `a blob inside table ${current.spec.name}`);
        if (!/^[0-9a-f]{64}$/.test(record.blob) || typeof record.size !== 'number') throw damaged(line, 'a blob header without a SHA-256 and size');
        blob = { sha256: record.blob, size: record.size, read: 0 };
        yield { kind: 'blob-start', sha256: blob.sha256, size: blob.size };
      } else if (typeof record.endBlob === 'string') {
        if (blob === undefined || record.endBlob !== blob.sha256) throw damaged(line, `unexpected end of blob '${record.endBlob}'`);
        if (blob.read !== blob.size) throw damaged(line, `blob ${blob.sha256} holds ${blob.read} bytes, its header says ${blob.size}`);
        yield { kind: 'blob-end', sha256: blob.sha256 };
        blob = undefined;
      } else if (typeof record.table === 'string') {
        if (current !== undefined) throw damaged(line, `table ${record.table} starts before ${current.spec.name} ended`);
        if (!isTableName(record.table) || !manifest.tables.includes(record.table)) {
          throw damaged(line, `table '${record.table}' is not listed in the manifest`);
        }
        const spec = tableSpec(record.table);
        current = { spec, map: columnMapping(spec, record as TableHeader, line), checksum: new TableChecksum(spec) };
        tablesSeen += 1;
        yield { kind: 'table', spec };
      } else if (record.end === 'archive') {
        if (current !== undefined) throw damaged(line, `the archive ends inside table ${current.spec.name}`);
        if (record.tables !== manifest.tables.length || tablesSeen !== manifest.tables.length) {
          throw damaged(line, `the archive holds ${tablesSeen} tables, its manifest lists ${manifest.tables.length}`);
        }
        finished = true;
      } else if (typeof record.end === 'string') {
        if (current === undefined || record.end !== current.spec.name) throw damaged(line, `unexpected end of table '${record.end}'`);
        if (batch.length > 0) yield { kind: 'rows', spec: current.spec, rows: batch };
        batch = [];
        batchBytes = 0;
        if (record.rows !== current.checksum.rows || record.checksum !== current.checksum.hex) {
          throw damaged(line, `table ${current.spec.name} is damaged: ${current.checksum.rows} rows read do not match the recorded ${String(record.rows)} rows and checksum`);
        }
        yield { kind: 'table-end', spec: current.spec, rows: current.checksum.rows, checksum: current.checksum.hex };
        current = undefined;
      } else {
        throw damaged(line, 'not a row, table header or table end');
      }
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new ValidationError(`archive: file not found: ${String(typeof input === 'string' ? input : '')}`, { field: 'archive' });
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
      throw new ValidationError(`archive: not a gzip-compressed aimdb archive, or cut short (after line ${line})`, { field: 'archive', cause: error });
    }
    throw error;
  }
  if (manifest === undefined) throw new ValidationError('archive: empty; not an aimdb archive', { field: 'archive' });
  if (!finished) throw new ValidationError(`archive: cut short after line ${line} (no end marker)`, { field: 'archive' });
}
