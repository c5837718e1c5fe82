/** Streams shared by every artifact surface (store, server, HTTP client): hashing and verifying as bytes flow. */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BackendError, IntegrityError } from './errors.js';

/** Chunk size for reading and writing artifacts: large chunks keep per-chunk overhead off the hot path. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

/** Something else that sees every chunk a hashing or verifying stream passes (the blob store's block hasher). */
export interface ChunkObserver {
  update(chunk: Buffer): void;
}

/** A pass-through stream that hashes and counts what goes through it. */
export class HashingStream extends Transform {
  readonly #hash = createHash('sha256');
  /** Bytes passed through so far (not `size`: the S3 upload helper reads a body's `size` as its length). */
  byteCount = 0;

  constructor(readonly observer?: ChunkObserver) {
    super({ highWaterMark: BLOB_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.observer?.update(chunk);
    this.byteCount += chunk.length;
    callback(null, chunk);
  }

  /** The hex digest; call once, after the stream ended. */
  digest(): string {
    return this.#hash.digest('hex');
  }
}

/**
 * Passes a whole blob through and fails (instead of ending) when its bytes do not hash to
 * `sha256` or are not `size` bytes long: a reader never takes corrupted bytes for good ones. The
 * last chunk is held back until the hash matched, so a reader of a corrupted blob never receives
 * all of its bytes: an HTTP reply cut off then is short of its Content-Length (curl reports it,
 * and the client's keep-alive socket is not reused after the server drops it).
 */
export class VerifyingStream extends Transform {
  readonly #hash = createHash('sha256');
  #size = 0;
  #held: Buffer | undefined;

  /**
   * `options.observer` sees every chunk; `options.onVerified` runs once the bytes proved good, before
   * the stream ends (its failure does not fail the read: the bytes were good).
   */
  constructor(
    readonly expectedSha256: string,
    readonly expectedSize: number,
    readonly what: string,
    readonly options: { observer?: ChunkObserver; onVerified?: () => Promise<void> } = {},
  ) {
    super({ highWaterMark: BLOB_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.options.observer?.update(chunk);
    this.#size += chunk.length;
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (actual !== this.expectedSha256 || this.#size !== this.expectedSize) {
      callback(
        new IntegrityError(
          `${this.what}: the stored bytes do not match the recorded SHA-256 ${this.expectedSha256} ` +
            `(read ${this.#size} bytes hashing to ${actual}); the blob store holds corrupted data`,
        ),
      );
      return;
    }
    const last = this.#held;
    this.#held = undefined;
    const onVerified = this.options.onVerified;
    if (onVerified === undefined) return callback(null, last);
    onVerified().then(
      () => callback(null, last),
      () => callback(null, last),
    );
  }
}

/**
 * Passes a range of a known length through and fails (instead of ending) when fewer bytes arrive,
 * so a reply cut off mid-range (the server found a corrupted block) is never taken for a short file.
 */
export class ExpectedLengthStream extends Transform {
  #size = 0;

  constructor(
    readonly expectedSize: number,
    readonly what: string,
  ) {
    super({ highWaterMark: BLOB_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#size !== this.expectedSize) {
      callback(new BackendError(`${this.what}: the server sent ${this.#size} of the ${this.expectedSize} bytes of the range`));
      return;
    }
    callback();
  }
}

/**
 * Keeps a caller's stream from crashing the process when it fails before aimdb starts reading it
 * (while the owner is looked up, say): an 'error' event nobody listens to is an uncaught exception.
 * The upload still fails with that error: it reads the stream and finds it destroyed with it.
 */
export function holdSourceErrors(source: unknown): void {
  if (source instanceof Readable) source.on('error', () => undefined);
}
