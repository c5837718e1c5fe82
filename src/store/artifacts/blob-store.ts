/**
 * Where artifact bytes live: a content-addressed blob store, one object per SHA-256. Two
 * implementations (a local folder, an S3-compatible bucket) share this small interface; what they
 * have in common (hashing while bytes stream, verifying on read) is written once here.
 */
import type { Readable } from 'node:stream';
import type { ByteRange } from '../../core/artifacts.js';


/** A blob's bytes staged under a temporary name, hashed, not yet visible under its hash. */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** Makes the bytes visible under their hash (a no-op when that hash is already stored). */
  commit(): Promise<void>;
  /** Removes the staged bytes (after a hash mismatch, or once committed). Never throws. */
  discard(): Promise<void>;
}

export interface BlobEntry {
  sha256: string;
  size: number;
  /** Epoch milliseconds the blob was last written. */
  modifiedAt: number;
}

/** A blob moved aside by garbage collection, until it is purged or put back. */
export interface TrashedBlob {
  sha256: string;
  restore(): Promise<void>;
  purge(): Promise<void>;
}

export interface BlobStore {
  /** Where the blobs are, for messages; never holds a credential. */
  readonly description: string;
  /**
   * Streams `source` into a temporary object while hashing it. A failing source (an interrupted
   * upload) leaves nothing behind and rejects with the source's error.
   */
  stage(source: Readable): Promise<StagedBlob>;
  /** The raw bytes of a blob (or a range of them), unverified; NotFound-like errors become undefined. */
  read(sha256: string, range?: ByteRange): Promise<{ stream: Readable; totalSize: number } | undefined>;
  stat(sha256: string): Promise<BlobEntry | undefined>;
  /** Every committed blob. */
  list(): AsyncIterable<BlobEntry>;
  /**
   * Records that an upload of `sha256` is between staging and its metadata row, so garbage
   * collection keeps the blob; the returned function removes the marker.
   */
  markPending(sha256: string): Promise<() => Promise<void>>;
  /** Hashes with a pending-upload marker younger than `maxAgeMs`. */
  pendingHashes(maxAgeMs: number): Promise<Set<string>>;
  /** Moves a blob aside (atomically where the store can), or undefined when it is not there. */
  trash(sha256: string): Promise<TrashedBlob | undefined>;
  /** Removes staged objects, markers and trashed blobs older than `maxAgeMs` (left by crashed processes). */
  sweep(maxAgeMs: number): Promise<number>;
}

/** Where a blob of a hash lives below a store's root: `blobs/ab/abcdef…`. */
export function blobKey(sha256: string): string {
  return `blobs/${sha256.slice(0, 2)}/${sha256}`;
}

