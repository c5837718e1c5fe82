/**
 * Blobs in an S3-compatible bucket, through `@aws-sdk/client-s3` (loaded only when configured).
 * Keys below the configured prefix: `blobs/ab/<sha256>`, block lists in `blocks/ab/<sha256>`, staged uploads in `tmp/`, markers in
 * `pending/`, garbage-collection trash in `trash/`. Uploads go to a staging key in parts
 * (`@aws-sdk/lib-storage`), hashed as they stream; the hash then names the blob by a server-side copy.
 * Credentials come from the SDK's default chain (the environment); they are never logged.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ByteRange } from '../../core/artifacts.js';
import { BackendError } from '../../core/errors.js';
import { HashingStream } from '../../core/artifact-streams.js';
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

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix, without leading or trailing `/` (may be empty). */
  prefix: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Path-style URLs (`http://host/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean | undefined;
  /** Bytes per uploaded part (at least 5 MiB). */
  partSize?: number | undefined;
  /** Parts uploaded at once; memory held is about partSize × queueSize. */
  queueSize?: number | undefined;
  /** Bytes per block of new block lists (default 4 MiB; small sizes are for tests). */
  blockSizeBytes?: number | undefined;
}

/** S3's largest single CopyObject; larger blobs are copied in parts. */
const SINGLE_COPY_LIMIT = 5 * 1024 * 1024 * 1024;
const COPY_PART_BYTES = 1024 * 1024 * 1024;

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return statusOf(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

export class S3BlobStore implements BlobStore {
  readonly description: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly blockSizeBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.blockSizeBytes = checkBlockSize(options.blockSizeBytes ?? DEFAULT_BLOCK_BYTES);
    this.#bucket = options.bucket;
    this.#prefix = options.prefix === '' ? '' : `${options.prefix}/`;
    this.#partSize = options.partSize ?? 16 * 1024 * 1024;
    this.#queueSize = options.queueSize ?? 4;
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint === undefined ? '' : ` at ${options.endpoint}`}`;
    this.#client = new S3Client({
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Checksums only where an operation requires them (decision 1003): several S3-compatible
      // servers store the SDK's default aws-chunked trailing-checksum bodies wrongly, and aimdb
      // verifies every blob by its own SHA-256 on read anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  #key(relative: string): string {
    return `${this.#prefix}${relative}`;
  }

  /** An SDK failure as a BackendError naming the store and the operation (never a credential). */
  #error(what: string, error: unknown): BackendError {
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT'
        ? `the endpoint is unreachable (${code})`
        : `${(error as { name?: string }).name ?? 'error'}: ${(error as Error).message ?? String(error)}`;
    return new BackendError(`${what} (${this.description}): ${reason}`, { cause: error });
  }

  async stage(source: Readable): Promise<StagedBlob> {
    const tmpKey = this.#key(`tmp/${randomUUID()}`);
    const blocks = new BlockHasher(this.blockSizeBytes);
    const hashing = new HashingStream(blocks);
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: tmpKey, Body: hashing },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    let sourceFailure: unknown;
    const feeding = pipeline(source, hashing).catch((error: unknown) => {
      sourceFailure = error;
      void upload.abort().catch(() => undefined);
    });
    try {
      await Promise.all([upload.done(), feeding]);
    } catch (error) {
      await this.#delete(tmpKey);
      if (sourceFailure !== undefined) throw sourceFailure;
      throw this.#error('cannot upload an artifact', error);
    }
    if (sourceFailure !== undefined) {
      await this.#delete(tmpKey);
      throw sourceFailure;
    }
    const sha256 = hashing.digest();
    const size = hashing.byteCount;
    return {
      sha256,
      size,
      commit: async () => {
        // The list first: a visible blob always has its list. A blob stored before lists existed gets one now.
        await this.writeBlockList(sha256, blocks.encode(sha256, size));
        const final = this.#key(blobKey(sha256));
        if ((await this.#head(final)) !== undefined) return;
        await this.#copy(tmpKey, final, size);
      },
      discard: () => this.#delete(tmpKey),
    };
  }

  async #head(key: string): Promise<{ size: number; modifiedAt: number } | undefined> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#error('cannot read an artifact blob', error);
    }
  }

  async #delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })).catch(() => undefined);
  }

  /** A server-side copy; in parts beyond S3's 5 GiB single-copy limit. */
  async #copy(from: string, to: string, size: number): Promise<void> {
    const source = `${this.#bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    try {
      if (size <= SINGLE_COPY_LIMIT) {
        await this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: to, CopySource: source }));
        return;
      }
      const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: to }));
      try {
        const parts: Array<{ ETag: string; PartNumber: number }> = [];
        for (let start = 0, part = 1; start < size; start += COPY_PART_BYTES, part += 1) {
          const end = Math.min(start + COPY_PART_BYTES, size) - 1;
          const answer = await this.#client.send(
            new UploadPartCopyCommand({
              Bucket: this.#bucket,
              Key: to,
              UploadId,
              PartNumber: part,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          parts.push({ ETag: answer.CopyPartResult?.ETag ?? '', PartNumber: part });
        }
        await this.#client.send(
          new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }),
        );
      } catch (error) {
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: to, UploadId })).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw this.#error('cannot store an artifact blob', error);
    }
  }

  /** GetObject of a store key, a byte range of it when given (blobs and block lists alike). */
  #get(key: string, range: ByteRange | undefined) {
    return this.#client.send(
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: this.#key(key),
        ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ''}` }),
      }),
    );
  }

  async read(sha256: string, range?: ByteRange): Promise<{ stream: Readable; totalSize: number } | undefined> {
    try {
      const answer = await this.#get(blobKey(sha256), range);
      const total = answer.ContentRange === undefined ? answer.ContentLength : Number(answer.ContentRange.split('/')[1]);
      return { stream: answer.Body as Readable, totalSize: total ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (statusOf(error) === 416) return { stream: (await import('node:stream')).Readable.from([]), totalSize: range?.start ?? 0 };
      throw this.#error('cannot read an artifact blob', error);
    }
  }

  async readBlockList(sha256: string, range?: ByteRange): Promise<Buffer | undefined> {
    try {
      const answer = await this.#get(blockListKey(sha256), range);
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      // A range beyond the end of a list that exists: it has none of those bytes.
      if (statusOf(error) === 416) return Buffer.alloc(0);
      throw this.#error('cannot read the block list of an artifact blob', error);
    }
  }

  async hasBlockList(sha256: string): Promise<boolean> {
    return (await this.#head(this.#key(blockListKey(sha256)))) !== undefined;
  }

  async writeBlockList(sha256: string, list: Buffer): Promise<void> {
    const key = this.#key(blockListKey(sha256));
    // Never replaced once there (a PUT is atomic; two writers of one hash at once write the same list).
    if ((await this.#head(key)) !== undefined) return;
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: list }));
    } catch (error) {
      throw this.#error('cannot store the block list of an artifact blob', error);
    }
  }

  async stat(sha256: string): Promise<BlobEntry | undefined> {
    const head = await this.#head(this.#key(blobKey(sha256)));
    return head === undefined ? undefined : { sha256, ...head };
  }

  async *#listKeys(relativePrefix: string): AsyncIterable<{ key: string; size: number; modifiedAt: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#key(relativePrefix), ContinuationToken: token }),
        );
      } catch (error) {
        throw this.#error('cannot list artifact blobs', error);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0, modifiedAt: item.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async *list(): AsyncIterable<BlobEntry> {
    for await (const item of this.#listKeys('blobs/')) {
      const sha256 = item.key.slice(item.key.lastIndexOf('/') + 1);
      if (/^[0-9a-f]{64}$/.test(sha256)) yield { sha256, size: item.size, modifiedAt: item.modifiedAt };
    }
  }

  async markPending(sha256: string): Promise<() => Promise<void>> {
    const key = this.#key(`pending/${sha256}.${randomUUID()}`);
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: '' }));
    } catch (error) {
      throw this.#error('cannot write an upload marker', error);
    }
    return () => this.#delete(key);
  }

  async pendingHashes(maxAgeMs: number): Promise<Set<string>> {
    const hashes = new Set<string>();
    const now = Date.now();
    for await (const item of this.#listKeys('pending/')) {
      if (now - item.modifiedAt < maxAgeMs) hashes.add(item.key.slice(item.key.lastIndexOf('/') + 1, item.key.lastIndexOf('/') + 65));
    }
    return hashes;
  }

  async trash(sha256: string): Promise<TrashedBlob | undefined> {
    const from = this.#key(blobKey(sha256));
    const head = await this.#head(from);
    if (head === undefined) return undefined;
    const aside = this.#key(`trash/${sha256}.${randomUUID()}`);
    await this.#copy(from, aside, head.size);
    await this.#delete(from);
    // The list after the blob, so a visible blob keeps its list; back in the opposite order.
    const listFrom = this.#key(blockListKey(sha256));
    const listAside = `${aside}${TRASHED_BLOCK_LIST_SUFFIX}`;
    const listHead = await this.#head(listFrom);
    if (listHead !== undefined) {
      await this.#copy(listFrom, listAside, listHead.size);
      await this.#delete(listFrom);
    }
    return {
      sha256,
      restore: async () => {
        if (listHead !== undefined) {
          if ((await this.#head(listFrom)) === undefined) await this.#copy(listAside, listFrom, listHead.size);
          await this.#delete(listAside);
        }
        if ((await this.#head(from)) === undefined) await this.#copy(aside, from, head.size);
        await this.#delete(aside);
      },
      purge: async () => {
        await this.#delete(aside);
        if (listHead !== undefined) await this.#delete(listAside);
      },
    };
  }

  async sweep(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const folder of ['tmp/', 'pending/', 'trash/']) {
      for await (const item of this.#listKeys(folder)) {
        if (now - item.modifiedAt < maxAgeMs) continue;
        if (folder === 'trash/') {
          // A collector that crashed between moving and deciding: put the blob (or list) back.
          const name = item.key.slice(item.key.lastIndexOf('/') + 1);
          const relative = name.endsWith(TRASHED_BLOCK_LIST_SUFFIX) ? blockListKey(name.slice(0, 64)) : blobKey(name.slice(0, 64));
          const final = this.#key(relative);
          if ((await this.#head(final)) === undefined) await this.#copy(item.key, final, item.size);
        } else {
          removed += 1;
        }
        await this.#delete(item.key);
      }
    }
    // Block lists whose blob is gone (a crash between writing the list and committing the blob).
    for await (const item of this.#listKeys('blocks/')) {
      if (now - item.modifiedAt < maxAgeMs) continue;
      const sha256 = item.key.slice(item.key.lastIndexOf('/') + 1);
      if ((await this.stat(sha256)) !== undefined) continue;
      await this.#delete(item.key);
      removed += 1;
    }
    return removed;
  }
}
