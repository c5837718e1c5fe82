/**
 * Block lists: a SHA-256 per fixed-size block of a blob, computed while the blob is uploaded and
 * stored beside it (`blocks/ab/<sha256>`), so a read of a part of a blob can be verified without
 * reading the whole blob (decision 1014). Written here once for both blob stores: the format, the
 * hashing while bytes stream, and the verified range read.
 *
 * Format (binary, big-endian; immutable like the blob):
 *   0   8 bytes  ASCII `aimdbBL1` (format and its version)
 *   8   uint32   block size in bytes (recorded, so the store's block size can change later)
 *   12  uint32   reserved, 0
 *   16  uint64   the blob's size in bytes
 *   24  32 bytes the blob's SHA-256 (the list names what it describes)
 *   56  32 bytes per block: SHA-256 of block 0, 1, … (the last block may be short; none for 0 bytes)
 * Fixed-size entries let a reader fetch the header and then only the digests of the blocks it needs.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { IntegrityError } from '../../core/errors.js';
import { readArtifactBlob, type BlobStore } from './blob-store.js';

/** Bytes per block for new block lists, unless a store is built with another size (tests use small ones). */
export const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;
const MAGIC = Buffer.from('aimdbBL1', 'ascii');
export const BLOCK_LIST_HEADER_BYTES = 56;
const DIGEST_BYTES = 32;

/** Checks a block size given to a blob store. */
export function checkBlockSize(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 0xffff_ffff) throw new RangeError(`blockSizeBytes: must be an integer from 1 to 2^32-1 (got ${bytes})`);
  return bytes;
}

/** Hashes each block of bytes passed to `update`, in order; `encode` makes the stored list. */
export class BlockHasher {
  readonly #digests: Buffer[] = [];
  #hash: Hash = createHash('sha256');
  #filled = 0;

  constructor(readonly blockSize: number) {}

  update(chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length; ) {
      const take = Math.min(this.blockSize - this.#filled, chunk.length - offset);
      this.#hash.update(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
      this.#filled += take;
      offset += take;
      if (this.#filled === this.blockSize) {
        this.#digests.push(this.#hash.digest());
        this.#hash = createHash('sha256');
        this.#filled = 0;
      }
    }
  }

  /** The stored form of the list, once every byte of the blob went through `update`. */
  encode(sha256: string, size: number): Buffer {
    const digests = this.#filled > 0 ? [...this.#digests, this.#hash.digest()] : this.#digests;
    const header = Buffer.alloc(BLOCK_LIST_HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(this.blockSize, 8);
    header.writeBigUInt64BE(BigInt(size), 16);
    Buffer.from(sha256, 'hex').copy(header, 24);
    return Buffer.concat([header, ...digests]);
  }
}

/** What a list's header says, checked against the blob it is stored for. */
export interface BlockListHeader {
  blockSize: number;
  size: number;
  blocks: number;
}

/** Reads and checks a list's header; a list that does not describe this blob is corruption. */
export function parseBlockListHeader(header: Buffer, blob: { sha256: string; size: number }, what: string): BlockListHeader {
  const corrupted = (why: string) =>
    new IntegrityError(`${what}: the block list stored for blob ${blob.sha256} is corrupted (${why}); the blob store holds corrupted data`);
  if (header.length < BLOCK_LIST_HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupted('not a block list');
  const blockSize = header.readUInt32BE(8);
  const size = Number(header.readBigUInt64BE(16));
  if (blockSize === 0) throw corrupted('block size 0');
  if (size !== blob.size || header.subarray(24, 56).toString('hex') !== blob.sha256) throw corrupted('it describes another blob');
  return { blockSize, size, blocks: Math.ceil(size / blockSize) };
}

/**
 * A proper part of a blob (`start`..`end`, inclusive, inside the blob), verified block by block: the
 * range is widened to whole blocks (at most the two edge blocks are read beyond it), each block is
 * hashed and compared with its recorded digest before any of its bytes are passed on, and the
 * requested bytes are sliced out. One block is held at a time. The first block is verified before
 * this resolves, so a corrupted start fails the call itself; a later corrupted block fails the
 * stream with IntegrityError instead of ending it. Undefined when the blob has no block list
 * (stored before block lists existed): the caller falls back to a size check.
 */
export async function readVerifiedRange(
  store: BlobStore,
  blob: { sha256: string; size: number },
  range: { start: number; end: number },
  what: string,
): Promise<Readable | undefined> {
  const headerBytes = await store.readBlockList(blob.sha256, { start: 0, end: BLOCK_LIST_HEADER_BYTES - 1 });
  if (headerBytes === undefined) return undefined;
  const header = parseBlockListHeader(headerBytes, blob, what);
  const firstBlock = Math.floor(range.start / header.blockSize);
  const lastBlock = Math.floor(range.end / header.blockSize);
  const digests = await store.readBlockList(blob.sha256, {
    start: BLOCK_LIST_HEADER_BYTES + firstBlock * DIGEST_BYTES,
    end: BLOCK_LIST_HEADER_BYTES + (lastBlock + 1) * DIGEST_BYTES - 1,
  });
  if (digests === undefined || digests.length !== (lastBlock - firstBlock + 1) * DIGEST_BYTES) {
    throw new IntegrityError(`${what}: the block list stored for blob ${blob.sha256} is shorter than its ${header.blocks} blocks; the blob store holds corrupted data`);
  }
  const readStart = firstBlock * header.blockSize;
  const readEnd = Math.min((lastBlock + 1) * header.blockSize, blob.size) - 1;
  const read = await readArtifactBlob(store, blob, { start: readStart, end: readEnd }, what);
  const slices = verifiedSlices(read.stream, { ...header, firstBlock, lastBlock, digests, readStart, readEnd }, range, blob, what);
  // The first block is checked now: a preview of a corrupted file fails with a clean error, not a cut-off stream.
  const first = await slices.next().catch(async (error: unknown) => {
    await slices.return(undefined);
    throw error;
  });
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.done === true) return;
    yield first.value;
    yield* slices;
  }
  const stream = Readable.from(rest(), { objectMode: false, highWaterMark: 1024 * 1024 });
  // Destroying the stream early (a client went away) releases the blob read at once.
  stream.once('close', () => {
    read.stream.destroy();
    void slices.return(undefined).catch(() => undefined);
  });
  return stream;
}

interface BlockPlan {
  blockSize: number;
  firstBlock: number;
  lastBlock: number;
  digests: Buffer;
  readStart: number;
  readEnd: number;
}

async function* verifiedSlices(
  source: Readable,
  plan: BlockPlan,
  range: { start: number; end: number },
  blob: { sha256: string },
  what: string,
): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let hash = createHash('sha256');
  let block = plan.firstBlock;
  let blockStart = plan.readStart;
  let filled = 0;
  const blockLength = () => Math.min(blockStart + plan.blockSize, plan.readEnd + 1) - blockStart;
  try {
    for await (const data of source) {
      let chunk = data as Buffer;
      while (chunk.length > 0) {
        const take = Math.min(blockLength() - filled, chunk.length);
        const piece = take === chunk.length ? chunk : chunk.subarray(0, take);
        chunk = chunk.subarray(take);
        hash.update(piece);
        held.push(piece);
        filled += take;
        if (filled < blockLength()) continue;
        const index = block - plan.firstBlock;
        const expected = plan.digests.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES);
        if (!hash.digest().equals(expected)) {
          throw new IntegrityError(
            `${what}: block ${block} (bytes ${blockStart}-${blockStart + filled - 1}) does not match its recorded SHA-256 in the block list of blob ${blob.sha256}; the blob store holds corrupted data`,
          );
        }
        // Only the requested bytes of a verified block go on.
        let offset = blockStart;
        for (const part of held) {
          const from = Math.max(range.start - offset, 0);
          const to = Math.min(range.end + 1 - offset, part.length);
          if (from < to) yield from === 0 && to === part.length ? part : part.subarray(from, to);
          offset += part.length;
        }
        held = [];
        hash = createHash('sha256');
        blockStart += filled;
        filled = 0;
        block += 1;
      }
    }
    if (block !== plan.lastBlock + 1) {
      throw new IntegrityError(
        `${what}: the blob store sent ${blockStart + filled - plan.readStart} of the ${plan.readEnd - plan.readStart + 1} bytes of blocks ${plan.firstBlock}-${plan.lastBlock}; the blob store holds corrupted data`,
      );
    }
  } finally {
    source.destroy();
  }
}
