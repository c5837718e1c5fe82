/**
 * Blobs in a local folder: `blobs/ab/<sha256>`, their block lists in `blocks/ab/<sha256>`, staged in
 * `tmp/`, pending-upload markers in `pending/`, garbage-collection trash in `trash/`. A blob becomes visible by rename, which is atomic
 * on one file system, so a reader never sees half a file and two writers of one hash never mix bytes.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange } from '../../core/artifacts.js';
import { BackendError } from '../../core/errors.js';
import { BLOB_CHUNK_BYTES, HashingStream } from '../../core/artifact-streams.js';
import {
  blobKey,
  blockListKey,
  TRASHED_BLOCK_LIST_SUFFIX,
  type BlobEntry,
  type BlobStore,
  type StagedBlob,
  type TrashedBlob,
} from './blob-store.js';
import { BlockHasher, checkBlockSize, DEFAULT_BLOCK_BYTES } from './block-list.js';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A file-system failure as a BackendError that says what aimdb was doing and where. */
function storageError(what: string, error: unknown): BackendError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOSPC'
      ? 'no space left on the device'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : ((error as Error).message ?? String(error));
  return new BackendError(`${what}: ${reason}`, { cause: error });
}

export interface LocalBlobStoreOptions {
  /** Bytes per block of new block lists (default 4 MiB; small sizes are for tests). */
  blockSizeBytes?: number | undefined;
}

export class LocalBlobStore implements BlobStore {
  readonly description: string;
  readonly blockSizeBytes: number;

  constructor(
    readonly root: string,
    options: LocalBlobStoreOptions = {},
  ) {
    this.root = path.resolve(root);
    this.description = this.root;
    this.blockSizeBytes = checkBlockSize(options.blockSizeBytes ?? DEFAULT_BLOCK_BYTES);
  }

  #path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  async stage(source: Readable): Promise<StagedBlob> {
    const tmpDir = this.#path('tmp');
    try {
      await mkdir(tmpDir, { recursive: true });
    } catch (error) {
      throw storageError(`cannot create the artifact folder ${tmpDir}`, error);
    }
    const tmp = path.join(tmpDir, randomUUID());
    const blocks = new BlockHasher(this.blockSizeBytes);
    const hashing = new HashingStream(blocks);
    // flush: fsync before close, so a committed blob survives a crash of the machine.
    const sink = createWriteStream(tmp, { highWaterMark: BLOB_CHUNK_BYTES, flush: true });
    let sinkFailure: unknown;
    sink.once('error', (error) => {
      sinkFailure = error;
    });
    try {
      await pipeline(source, hashing, sink);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      // The disk failing (full, read-only) is the store's error; a failing source is the caller's.
      if (sinkFailure !== undefined) throw storageError(`cannot write an artifact to ${this.root}`, sinkFailure);
      throw error;
    }
    const sha256 = hashing.digest();
    const size = hashing.byteCount;
    const final = this.#path(blobKey(sha256));
    return {
      sha256,
      size,
      commit: async () => {
        // The list first: a visible blob always has its list (unless it predates lists).
        await this.writeBlockList(sha256, blocks.encode(sha256, size));
        try {
          await mkdir(path.dirname(final), { recursive: true });
          // Replacing an existing blob of the same hash replaces identical bytes, atomically.
          await rename(tmp, final);
        } catch (error) {
          throw storageError(`cannot store an artifact in ${this.root}`, error);
        }
      },
      discard: async () => {
        await rm(tmp, { force: true }).catch(() => undefined);
      },
    };
  }

  async read(sha256: string, range?: ByteRange): Promise<{ stream: Readable; totalSize: number } | undefined> {
    const file = this.#path(blobKey(sha256));
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError(`cannot read the artifact blob ${sha256}`, error);
    }
    const { size } = await handle.stat();
    const stream = createReadStream('', {
      fd: handle,
      highWaterMark: BLOB_CHUNK_BYTES,
      ...(range === undefined ? {} : { start: range.start, end: range.end ?? Math.max(size - 1, range.start) }),
    });
    return { stream, totalSize: size };
  }

  async readBlockList(sha256: string, range?: ByteRange): Promise<Buffer | undefined> {
    let handle;
    try {
      handle = await open(this.#path(blockListKey(sha256)), 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError(`cannot read the block list of artifact blob ${sha256}`, error);
    }
    try {
      const { size } = await handle.stat();
      const start = Math.min(range?.start ?? 0, size);
      const end = Math.min(range?.end ?? size - 1, size - 1);
      const bytes = Buffer.alloc(Math.max(end - start + 1, 0));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return bytes.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  async hasBlockList(sha256: string): Promise<boolean> {
    return stat(this.#path(blockListKey(sha256))).then(
      () => true,
      (error: unknown) => {
        if (isMissing(error)) return false;
        throw storageError(`cannot read the block list of artifact blob ${sha256}`, error);
      },
    );
  }

  async writeBlockList(sha256: string, list: Buffer): Promise<void> {
    const final = this.#path(blockListKey(sha256));
    const tmp = this.#path('tmp', `${randomUUID()}${TRASHED_BLOCK_LIST_SUFFIX}`);
    try {
      await mkdir(path.dirname(tmp), { recursive: true });
      await mkdir(path.dirname(final), { recursive: true });
      await writeFile(tmp, list, { flush: true });
      await this.#placeIfAbsent(tmp, final);
    } catch (error) {
      throw storageError(`cannot store the block list of an artifact in ${this.root}`, error);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Gives `from` the name `to` unless `to` exists (a hard link is atomic and never replaces), then
   * removes `from`. On a file system without hard links, a rename, which replaces: the same bytes
   * unless two processes with different block sizes race for one blob.
   */
  async #placeIfAbsent(from: string, to: string): Promise<void> {
    try {
      await link(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
        await rename(from, to);
        return;
      }
    }
    await rm(from, { force: true });
  }

  async stat(sha256: string): Promise<BlobEntry | undefined> {
    try {
      const info = await stat(this.#path(blobKey(sha256)));
      return { sha256, size: info.size, modifiedAt: info.mtimeMs };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError(`cannot read the artifact blob ${sha256}`, error);
    }
  }

  async *list(): AsyncIterable<BlobEntry> {
    const root = this.#path('blobs');
    let shards: string[];
    try {
      shards = await readdir(root);
    } catch (error) {
      if (isMissing(error)) return;
      throw storageError(`cannot list ${root}`, error);
    }
    for (const shard of shards.sort()) {
      let names: string[];
      try {
        names = await readdir(path.join(root, shard));
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      for (const name of names.sort()) {
        const entry = await this.stat(name);
        if (entry !== undefined) yield entry;
      }
    }
  }

  async markPending(sha256: string): Promise<() => Promise<void>> {
    const folder = this.#path('pending');
    await mkdir(folder, { recursive: true });
    const marker = path.join(folder, `${sha256}.${randomUUID()}`);
    await (await open(marker, 'w')).close();
    return async () => {
      await rm(marker, { force: true }).catch(() => undefined);
    };
  }

  async pendingHashes(maxAgeMs: number): Promise<Set<string>> {
    const hashes = new Set<string>();
    const folder = this.#path('pending');
    const names = await readdir(folder).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[];
      throw error;
    });
    const now = Date.now();
    for (const name of names) {
      const info = await stat(path.join(folder, name)).catch(() => undefined);
      if (info !== undefined && now - info.mtimeMs < maxAgeMs) hashes.add(name.slice(0, 64));
    }
    return hashes;
  }

  async trash(sha256: string): Promise<TrashedBlob | undefined> {
    const folder = this.#path('trash');
    await mkdir(folder, { recursive: true });
    const from = this.#path(blobKey(sha256));
    const aside = path.join(folder, `${sha256}.${randomUUID()}`);
    try {
      await rename(from, aside);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError(`cannot move the artifact blob ${sha256} aside`, error);
    }
    // The list after the blob, so a visible blob keeps its list; back in the opposite order.
    const listFrom = this.#path(blockListKey(sha256));
    const listAside = `${aside}${TRASHED_BLOCK_LIST_SUFFIX}`;
    const listMoved = await rename(listFrom, listAside).then(
      () => true,
      () => false,
    );
    // The trash's age counts from now: sweep() must not purge a blob a collector is still deciding on.
    const now = new Date();
    await utimes(aside, now, now).catch(() => undefined);
    if (listMoved) await utimes(listAside, now, now).catch(() => undefined);
    return {
      sha256,
      // A new upload of the same hash may have stored it again meanwhile: identical bytes, either
      // wins; its list, if it wrote one, stays (lists are never replaced).
      restore: async () => {
        if (listMoved) await this.#placeIfAbsent(listAside, listFrom);
        await rename(aside, from);
      },
      purge: async () => {
        await rm(aside, { force: true });
        if (listMoved) await rm(listAside, { force: true });
      },
    };
  }

  async sweep(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const folder of ['tmp', 'pending', 'trash']) {
      const full = this.#path(folder);
      const names = await readdir(full).catch(() => [] as string[]);
      for (const name of names) {
        const file = path.join(full, name);
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || now - info.mtimeMs < maxAgeMs) continue;
        if (folder === 'trash') {
          // A collector that crashed between moving and deciding: put the blob back, the next run decides again.
          const sha256 = name.slice(0, 64);
          if (name.endsWith(TRASHED_BLOCK_LIST_SUFFIX)) {
            await mkdir(path.dirname(this.#path(blockListKey(sha256))), { recursive: true });
            await this.#placeIfAbsent(file, this.#path(blockListKey(sha256))).catch(() => undefined);
            continue;
          }
          await mkdir(path.dirname(this.#path(blobKey(sha256))), { recursive: true });
          await rename(file, this.#path(blobKey(sha256))).catch(() => undefined);
        } else {
          await rm(file, { force: true }).catch(() => undefined);
          removed += 1;
        }
      }
    }
    return removed + (await this.#sweepOrphanBlockLists(now, maxAgeMs));
  }

  /** Block lists whose blob is gone (a crash between writing the list and committing the blob). */
  async #sweepOrphanBlockLists(now: number, maxAgeMs: number): Promise<number> {
    let removed = 0;
    const root = this.#path('blocks');
    for (const shard of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(root, shard)).catch(() => [] as string[])) {
        const file = path.join(root, shard, name);
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || now - info.mtimeMs < maxAgeMs) continue;
        if ((await this.stat(name).catch(() => undefined)) !== undefined) continue;
        await rm(file, { force: true }).catch(() => undefined);
        removed += 1;
      }
    }
    return removed;
  }
}
