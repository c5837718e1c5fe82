/**
 * Artifacts: files kept for a training run or a model version, stored once per SHA-256 and described
 * by a metadata row (path, size, hash, content type, time). The rules every surface shares live here:
 * what an artifact path may be, what a hash looks like, and the content type guessed from a name.
 */
import { ValidationError } from './errors.js';
import { isStorableText } from './schemas.js';

/** Limits artifact input is checked against; errors name them. */
export const ARTIFACT_LIMITS = {
  /**
   * Characters in an artifact path. MySQL indexes at most 3,072 bytes of a key; 512 characters of
   * utf8mb4 (2,048 bytes) plus the owner's id fit in the unique (owner, path) index.
   */
  pathLength: 512,
  contentTypeLength: 255,
  /** Entries one list call answers at most. */
  listLimit: 10_000,
} as const;

/** Who an artifact belongs to. */
export type ArtifactOwnerKind = 'run' | 'modelVersion';

export interface ArtifactOwner {
  kind: ArtifactOwnerKind;
  id: number;
}

/** One stored artifact. */
export interface ArtifactInfo {
  /** Relative path below the owner, `/`-separated, e.g. `model/weights.pt`. */
  path: string;
  size: number;
  /** Lower-case hexadecimal SHA-256 of the bytes. */
  sha256: string;
  contentType: string;
  /** Epoch milliseconds of the upload that stored these bytes. */
  createdAt: number;
}

/** A listing: like one directory level, files below `prefix` and the folders under it. */
export interface ArtifactListing {
  /** Files directly in the listed folder (or, with `recursive`, every file below it). */
  files: ArtifactInfo[];
  /** Folders directly below the listed one, as paths ending in `/`. */
  folders: string[];
}

/** Options of `logArtifact`. */
export interface LogArtifactOptions {
  /** Default: guessed from the path's extension, else `application/octet-stream`. */
  contentType?: string;
  /**
   * The SHA-256 the caller expects; when the bytes that arrive hash differently, nothing is stored
   * and the call fails with IntegrityError.
   */
  sha256?: string;
}

export interface ListArtifactsOptions {
  /** A folder (`model/` or `model`) or a path prefix; default: the owner's root. */
  prefix?: string;
  /** Every file below the folder instead of one level. Default false. */
  recursive?: boolean;
}

/** A byte range to read, both ends inclusive (as HTTP's `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  /** Default: the last byte. */
  end?: number;
}

export interface OpenArtifactOptions {
  range?: ByteRange;
}

const SHA256_TEXT = /^[0-9a-f]{64}$/;

/** A lower-case SHA-256, or ValidationError naming `field`. */
export function checkSha256(value: unknown, field = 'sha256'): string {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (!SHA256_TEXT.test(text)) throw new ValidationError(`${field}: must be 64 hexadecimal characters (a SHA-256)`, { field });
  return text;
}

/**
 * Checks an artifact path and returns it. Refused: empty, longer than ARTIFACT_LIMITS.pathLength,
 * absolute (`/x`, `C:x`), with a backslash, a NUL or other control character, a `.` or `..` segment,
 * an empty segment (`a//b`), a trailing `/`, or an unpaired surrogate. What is left is safe as a key
 * on any file system or object store and cannot leave its owner's folder.
 */
export function checkArtifactPath(value: unknown, field = 'path'): string {
  if (typeof value !== 'string') throw new ValidationError(`${field}: must be a string`, { field });
  if (value.length === 0) throw new ValidationError(`${field}: must not be empty`, { field });
  if (value.length > ARTIFACT_LIMITS.pathLength) {
    throw new ValidationError(`${field}: must be at most ${ARTIFACT_LIMITS.pathLength} characters (got ${value.length})`, { field });
  }
  if (value.includes('\0')) throw new ValidationError(`${field}: must not contain the NUL character (U+0000)`, { field });
  if (/[\u0001-\u001f\u007f]/.test(value)) throw new ValidationError(`${field}: must not contain control characters`, { field });
  if (value.includes('\\')) throw new ValidationError(`${field}: must use '/' as separator, not a backslash`, { field });
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    throw new ValidationError(`${field}: must be a relative path (no leading '/' or drive letter)`, { field });
  }
  if (!isStorableText(value)) throw new ValidationError(`${field}: must not contain an unpaired surrogate`, { field });
  for (const segment of value.split('/')) {
    if (segment === '') throw new ValidationError(`${field}: must not contain an empty segment ('//' or a trailing '/')`, { field });
    if (segment === '.' || segment === '..') {
      throw new ValidationError(`${field}: must not contain a '.' or '..' segment`, { field });
    }
  }
  return value;
}

/** A listing prefix: empty, a folder with or without its trailing `/`, or a path prefix. */
export function checkArtifactPrefix(value: unknown, field = 'prefix'): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string') throw new ValidationError(`${field}: must be a string`, { field });
  return value.endsWith('/') ? `${checkArtifactPath(value.slice(0, -1), field)}/` : checkArtifactPath(value, field);
}

/** A content type such as `text/csv; charset=utf-8`; refuses what could not be sent as a header. */
export function checkContentType(value: unknown, field = 'contentType'): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${field}: must be a non-empty string`, { field });
  if (value.length > ARTIFACT_LIMITS.contentTypeLength) {
    throw new ValidationError(`${field}: must be at most ${ARTIFACT_LIMITS.contentTypeLength} characters`, { field });
  }
  if (!/^[\x21-\x7e]+\/[\x21-\x7e]+( *;[\x20-\x7e]*)?$/.test(value)) {
    throw new ValidationError(`${field}: must look like type/subtype (printable ASCII)`, { field });
  }
  return value;
}

/** Checks a byte range (non-negative integers, start ≤ end). */
export function checkByteRange(range: ByteRange | undefined, field = 'range'): ByteRange | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new ValidationError(`${field}.start: must be an integer ≥ 0`, { field: `${field}.start` });
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new ValidationError(`${field}.end: must be an integer ≥ start`, { field: `${field}.end` });
  }
  return end === undefined ? { start } : { start, end };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  html: 'text/html; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  pdf: 'application/pdf',
  gz: 'application/gzip',
  zip: 'application/zip',
};

/** The content type of a path from its extension, else `application/octet-stream`. */
export function guessContentType(artifactPath: string): string {
  const dot = artifactPath.lastIndexOf('.');
  const extension = dot < 0 || dot < artifactPath.lastIndexOf('/') ? '' : artifactPath.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}
