/**
 * Where artifact bytes live: a content-addressed blob store, one object per SHA-256. Two
 * implementations (a local folder, an S3-compatible bucket) share this small interface; what they
 * have in common (hashing while bytes stream, verifying on read) is written once here.
 */
import type { Readable } from 'node:stream';
import type { ByteRange } from '../../core/artifacts.js';
import { IntegrityError } from '../../core/errors.js';


/** A blob's bytes staged under a temporary name, hashed, not yet visible under its hash. */
export interface StagedBlob {
  sha256: string;
  size: number;
  /**
   * Makes the bytes visible under their hash (a no-op when that hash is already stored), after
   * storing the block list computed while staging (kept when the blob has one).
   */
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
  /** Bytes per block of the block lists this store makes (each list records its own). */
  readonly blockSizeBytes: number;
  /**
   * Streams `source` into a temporary object while hashing it, whole and per block (the block
   * list, decision 1014), in one pass. A failing source (an interrupted
   * upload) leaves nothing behind and rejects with the source's error.
   */
  stage(source: Readable): Promise<StagedBlob>;
  /** The raw bytes of a blob (or a range of them), unverified; NotFound-like errors become undefined. */
  read(sha256: string, range?: ByteRange): Promise<{ stream: Readable; totalSize: number } | undefined>;
  /**
   * Bytes of a blob's block list (`blocks/ab/<sha256>`, see block-list.ts), or a range of them
   * (clipped to its end); undefined when the blob has none (stored before block lists existed).
   */
  readBlockList(sha256: string, range?: ByteRange): Promise<Buffer | undefined>;
  hasBlockList(sha256: string): Promise<boolean>;
  /**
   * Stores a block list unless the blob has one already: lists are immutable like blobs, so a reader
   * that reads a header and then digests never mixes two lists. Staged blobs write theirs at
   * commit, before the blob becomes visible; this is for lists built later (decision 1014).
   */
  writeBlockList(sha256: string, list: Buffer): Promise<void>;
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
  /** Moves a blob and its block list aside (atomically where the store can), or undefined when the blob is not there. */
  trash(sha256: string): Promise<TrashedBlob | undefined>;
  /**
   * Removes staged objects, markers and trashed blobs older than `maxAgeMs` (left by crashed
   * processes; trashed blobs and lists are put back), and block lists that old whose blob is gone.
   */
  sweep(maxAgeMs: number): Promise<number>;
}

/** Where a blob of a hash lives below a store's root: `blobs/ab/abcdef…`. */
export function blobKey(sha256: string): string {
  return `blobs/${sha256.slice(0, 2)}/${sha256}`;
}

/** Where the block list of a blob lives below a store's root: `blocks/ab/abcdef…`. */
export function blockListKey(sha256: string): string {
  return `blocks/${sha256.slice(0, 2)}/${sha256}`;
}

/** Suffix of a trashed block list's name (`trash/<sha256>.<uuid>.blocks`), beside its trashed blob. */
export const TRASHED_BLOCK_LIST_SUFFIX = '.blocks';


/**
 * A blob's bytes (or a range of them) for an artifact, checked to exist and to have the artifact's
 * size; either failing is IntegrityError naming `what` (the row promises bytes the store lacks).
 */
export async function readArtifactBlob(
  store: BlobStore,
  blob: { sha256: string; size: number },
  range: ByteRange | undefined,
  what: string,
): Promise<{ stream: Readable }> {
  const read = await store.read(blob.sha256, range);
  if (read === undefined) throw new IntegrityError(`${what}: its blob ${blob.sha256} is missing from the artifact store (${store.description})`);
  if (read.totalSize !== blob.size) {
    read.stream.destroy();
    throw new IntegrityError(`${what}: the stored blob has ${read.totalSize} bytes, the artifact ${blob.size}; the blob store holds corrupted data`);
  }
  return read;
}
