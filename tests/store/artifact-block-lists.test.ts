/**
 * Block lists (decision 1014): a SHA-256 per block stored beside each blob at upload, so a read of
 * a part of an artifact is verified too. Against both blob stores (a local folder, S3 on a real moto
 * server) with small blocks: exactly the requested bytes for any range (within a block, across
 * blocks, at the end), a corrupted byte inside a range fails the read with IntegrityError, blobs
 * stored before block lists fall back to the size check and get their list from the first verified
 * whole read, and garbage collection removes lists with their blobs. On every database backend: a
 * corrupted range is caught and the fallback works.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, collectArtifactGarbage, createAiDatabase, type AiDatabase, type BlobStore } from '../../src/index.js';
import { blobKey, blockListKey } from '../../src/store/artifacts/blob-store.js';
import { BLOCK_LIST_HEADER_BYTES, DEFAULT_BLOCK_BYTES } from '../../src/store/artifacts/block-list.js';
import { LocalBlobStore } from '../../src/store/artifacts/local-blob-store.js';
import { S3BlobStore } from '../../src/store/artifacts/s3-blob-store.js';
import { testBackends } from '../support/backends.js';
import { startMoto, type MotoServer } from '../support/moto.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic bytes that differ from position to position, so a wrong offset shows. */
function pattern(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed;
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[index] = state >> 16;
  }
  return bytes;
}

const flipped = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x5a;
  return copy;
};

/** An odd block size: blocks never line up with the 1 MiB read chunks or round numbers. */
const BLOCK = 1000;

interface Storage {
  name: 'local' | 's3';
  store(): BlobStore;
  /** Overwrites a stored object (a blob or a list) behind aimdb's back. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** A stored object's bytes, or undefined. */
  get(key: string): Promise<Buffer | undefined>;
  remove(key: string): Promise<void>;
}

let moto: MotoServer | undefined;
let localRoot = '';

const STORAGES: Storage[] = [
  {
    name: 'local',
    store: () => new LocalBlobStore(localRoot, { blockSizeBytes: BLOCK }),
    put: (key, bytes) => writeFile(path.join(localRoot, key), bytes),
    get: (key) => readFile(path.join(localRoot, key)).catch(() => undefined),
    remove: (key) => rm(path.join(localRoot, key), { force: true }),
  },
  {
    name: 's3',
    store: () =>
      new S3BlobStore({ bucket: 'aimdb-blocks', prefix: 'p', endpoint: moto!.endpoint, region: 'us-east-1', partSize: 5 * 1024 * 1024, blockSizeBytes: BLOCK }),
    put: async (key, bytes) => {
      await moto!.client.send(new PutObjectCommand({ Bucket: 'aimdb-blocks', Key: `p/${key}`, Body: bytes }));
    },
    get: async (key) => {
      try {
        const answer = await moto!.client.send(new GetObjectCommand({ Bucket: 'aimdb-blocks', Key: `p/${key}` }));
        return Buffer.from(await answer.Body!.transformToByteArray());
      } catch {
        return undefined;
      }
    },
    remove: async (key) => {
      await moto!.client.send(new DeleteObjectCommand({ Bucket: 'aimdb-blocks', Key: `p/${key}` }));
    },
  },
];

beforeAll(async () => {
  moto = await startMoto();
  await moto.createBucket('aimdb-blocks');
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe.each(STORAGES)('block lists: $name', (storage) => {
  let db: AiDatabase;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'aimdb-block-lists-'));
    localRoot = path.join(folder, 'blobs-root');
    db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'test.sqlite')}`, artifacts: storage.store() });
  });
  afterAll(async () => {
    await db?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const readRange = async (run: number, p: string, start: number, end?: number) =>
    readAll((await db.openArtifact(run, p, { range: end === undefined ? { start } : { start, end } })).stream);

  it('stores a list beside each uploaded blob that records the block size, the blob and one digest per block', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = pattern(3 * BLOCK + 17);
    const info = await db.logArtifact(run, 'a.bin', bytes);
    const list = await storage.get(blockListKey(info.sha256));
    expect(list).toBeDefined();
    expect(list!.subarray(0, 8).toString('ascii')).toBe('aimdbBL1');
    expect(list!.readUInt32BE(8)).toBe(BLOCK);
    expect(Number(list!.readBigUInt64BE(16))).toBe(bytes.length);
    expect(list!.subarray(24, 56).toString('hex')).toBe(info.sha256);
    const digests = [0, 1, 2, 3].map((block) => sha256(bytes.subarray(block * BLOCK, (block + 1) * BLOCK)));
    expect(list!.length).toBe(BLOCK_LIST_HEADER_BYTES + 4 * 32);
    expect([0, 1, 2, 3].map((block) => list!.subarray(56 + block * 32, 56 + (block + 1) * 32).toString('hex'))).toEqual(digests);
    // An empty file has a list with no blocks.
    const empty = await db.logArtifact(run, 'empty.bin', Buffer.alloc(0));
    expect((await storage.get(blockListKey(empty.sha256)))!.length).toBe(BLOCK_LIST_HEADER_BYTES);
  });

  it('returns exactly the requested bytes for random ranges within a block, across blocks and at the end', async () => {
    const run = (await db.createTrainingRun({})).id;
    const sizes = [1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK, 5 * BLOCK + 333];
    const files = new Map<number, Buffer>();
    for (const size of sizes) {
      files.set(size, pattern(size, size));
      await db.logArtifact(run, `f${size}.bin`, files.get(size)!);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sizes).chain((size) =>
          fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: size + BLOCK })),
        ),
        async ([size, start, length]) => {
          const end = start + length;
          const opened = await db.openArtifact(run, `f${size}.bin`, { range: { start, end } });
          const expected = files.get(size)!.subarray(start, Math.min(end, size - 1) + 1);
          expect(opened.range).toEqual({ start, end: Math.min(end, size - 1) });
          expect((await readAll(opened.stream)).equals(expected)).toBe(true);
        },
      ),
      { numRuns: storage.name === 'local' ? 150 : 40 },
    );
    // The ends named: the last byte, the last (short) block, a range reaching beyond the end, an open end.
    const last = files.get(5 * BLOCK + 333)!;
    const p = `f${5 * BLOCK + 333}.bin`;
    expect((await readRange(run, p, last.length - 1)).equals(last.subarray(-1))).toBe(true);
    expect((await readRange(run, p, 5 * BLOCK, last.length - 1)).equals(last.subarray(5 * BLOCK))).toBe(true);
    expect((await readRange(run, p, 5 * BLOCK - 1, last.length + 5000)).equals(last.subarray(5 * BLOCK - 1))).toBe(true);
    expect((await readRange(run, p, 2 * BLOCK + 5)).equals(last.subarray(2 * BLOCK + 5))).toBe(true);
    expect((await readRange(run, p, BLOCK, 2 * BLOCK - 1)).equals(last.subarray(BLOCK, 2 * BLOCK))).toBe(true);
  }, 120_000);

  it('fails a range read with IntegrityError when a byte inside the range was corrupted, in the first block or a later one', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = pattern(6 * BLOCK + 10, 9);
    const info = await db.logArtifact(run, 'weights.bin', bytes);
    // Within one block: the block is checked before the call returns.
    await storage.put(blobKey(info.sha256), flipped(bytes, 2 * BLOCK + 500));
    await expect(db.openArtifact(run, 'weights.bin', { range: { start: 2 * BLOCK + 400, end: 2 * BLOCK + 600 } })).rejects.toBeInstanceOf(IntegrityError);
    // The corrupted byte in an edge block read only to check it, outside the requested bytes: still refused.
    await expect(db.openArtifact(run, 'weights.bin', { range: { start: 2 * BLOCK + 501, end: 2 * BLOCK + 900 } })).rejects.toThrow(/block 2/);
    // Spanning blocks, corrupted in a later one: the stream fails instead of ending, after the good blocks.
    const opened = await db.openArtifact(run, 'weights.bin', { range: { start: 10, end: 4 * BLOCK } });
    const received: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of opened.stream) received.push(chunk as Buffer);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IntegrityError);
    // Nothing of the corrupted block came out (what was buffered when the stream failed may be dropped).
    const good = bytes.subarray(10, 2 * BLOCK);
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(good.length);
    expect(Buffer.concat(received).equals(good.subarray(0, Buffer.concat(received).length))).toBe(true);
    // Ranges of other blocks still read, and verified.
    expect((await readRange(run, 'weights.bin', 3 * BLOCK, 6 * BLOCK + 9)).equals(bytes.subarray(3 * BLOCK))).toBe(true);
    // The last, short block.
    await storage.put(blobKey(info.sha256), flipped(bytes, bytes.length - 1));
    await expect(readRange(run, 'weights.bin', 5 * BLOCK, bytes.length - 2)).rejects.toBeInstanceOf(IntegrityError);
    // A list that describes another blob is corruption too, not a reason to skip the check.
    await storage.put(blobKey(info.sha256), bytes);
    const other = await db.logArtifact(run, 'other.bin', pattern(6 * BLOCK + 10, 10));
    await storage.put(blockListKey(info.sha256), (await storage.get(blockListKey(other.sha256)))!);
    await expect(db.openArtifact(run, 'weights.bin', { range: { start: 1, end: 2 } })).rejects.toThrow(/block list .* is corrupted/);
  });

  it('reads a blob stored before block lists with the size check only, and gives it a list on its first verified whole read', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = pattern(4 * BLOCK + 1, 3);
    const info = await db.logArtifact(run, 'old.bin', bytes);
    const list = (await storage.get(blockListKey(info.sha256)))!;
    await storage.remove(blockListKey(info.sha256));
    // Without a list, a part is checked against the blob's size only: a flipped byte goes unnoticed…
    await storage.put(blobKey(info.sha256), flipped(bytes, BLOCK + 1));
    expect((await readRange(run, 'old.bin', BLOCK, 2 * BLOCK)).equals(flipped(bytes, BLOCK + 1).subarray(BLOCK, 2 * BLOCK + 1))).toBe(true);
    // …a short blob does not.
    await storage.put(blobKey(info.sha256), bytes.subarray(1));
    await expect(db.openArtifact(run, 'old.bin', { range: { start: 1, end: 2 } })).rejects.toBeInstanceOf(IntegrityError);
    // A whole read of corrupted bytes fails and builds no list from them.
    await storage.put(blobKey(info.sha256), flipped(bytes, BLOCK + 1));
    await expect(readAll((await db.openArtifact(run, 'old.bin')).stream)).rejects.toBeInstanceOf(IntegrityError);
    expect(await storage.get(blockListKey(info.sha256))).toBeUndefined();
    // A whole read of good bytes builds the list (the same one an upload makes)…
    await storage.put(blobKey(info.sha256), bytes);
    expect((await readAll((await db.openArtifact(run, 'old.bin')).stream)).equals(bytes)).toBe(true);
    expect((await storage.get(blockListKey(info.sha256)))?.equals(list)).toBe(true);
    // …and from then on parts are verified.
    await storage.put(blobKey(info.sha256), flipped(bytes, BLOCK + 1));
    await expect(db.openArtifact(run, 'old.bin', { range: { start: BLOCK, end: 2 * BLOCK } })).rejects.toBeInstanceOf(IntegrityError);
    // Uploading the same bytes again gives a blob without a list its list too.
    await storage.put(blobKey(info.sha256), bytes);
    await storage.remove(blockListKey(info.sha256));
    await db.logArtifact(run, 'again.bin', bytes);
    expect((await storage.get(blockListKey(info.sha256)))?.equals(list)).toBe(true);
  });

  it('removes the block list with its blob in garbage collection, and keeps the list of a kept blob', async () => {
    const run = (await db.createTrainingRun({})).id;
    const kept = await db.logArtifact(run, 'kept.bin', pattern(2 * BLOCK, 21));
    const dropped = await db.logArtifact(run, 'dropped.bin', pattern(2 * BLOCK, 22));
    await db.deleteArtifact(run, 'dropped.bin');
    await collectArtifactGarbage(db, { graceMs: 0 });
    expect(await storage.get(blobKey(dropped.sha256))).toBeUndefined();
    expect(await storage.get(blockListKey(dropped.sha256))).toBeUndefined();
    expect(await storage.get(blockListKey(kept.sha256))).toBeDefined();
    // A blob kept because an upload is pending is put back with its list.
    const pending = await db.logArtifact(run, 'pending.bin', pattern(2 * BLOCK, 23));
    await db.deleteArtifact(run, 'pending.bin');
    const store = storage.store();
    const unmark = await store.markPending(pending.sha256);
    await collectArtifactGarbage(db, { graceMs: 0 });
    expect(await storage.get(blockListKey(pending.sha256))).toBeDefined();
    await unmark();
    await collectArtifactGarbage(db, { graceMs: 0 });
    expect(await storage.get(blockListKey(pending.sha256))).toBeUndefined();
    expect((await readRange(run, 'kept.bin', 5, BLOCK + 5)).equals(pattern(2 * BLOCK, 21).subarray(5, BLOCK + 6))).toBe(true);
  });

  it.runIf(storage.name === 'local')('puts a trashed blob and its list back when a collector crashed before deciding', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = pattern(3 * BLOCK, 41);
    const info = await db.logArtifact(run, 'crashed.bin', bytes);
    const list = (await storage.get(blockListKey(info.sha256)))!;
    const aside = await storage.store().trash(info.sha256);
    expect(aside).toBeDefined();
    expect(await storage.get(blockListKey(info.sha256))).toBeUndefined();
    // The collector never restores nor purges; a day later sweep finds the trash.
    const { readdir } = await import('node:fs/promises');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    for (const name of await readdir(path.join(localRoot, 'trash'))) await utimes(path.join(localRoot, 'trash', name), twoDaysAgo, twoDaysAgo);
    await storage.store().sweep(24 * 60 * 60 * 1000);
    expect((await storage.get(blobKey(info.sha256)))?.equals(bytes)).toBe(true);
    expect((await storage.get(blockListKey(info.sha256)))?.equals(list)).toBe(true);
    expect((await readRange(run, 'crashed.bin', BLOCK - 1, BLOCK + 1)).equals(bytes.subarray(BLOCK - 1, BLOCK + 2))).toBe(true);
  });

  it.runIf(storage.name === 'local')('sweeps a block list left without its blob for longer than a day', async () => {
    const orphan = pattern(10, 31);
    const store = storage.store();
    const staged = await store.stage((await import('node:stream')).Readable.from([orphan]));
    await store.writeBlockList(staged.sha256, Buffer.from('a list whose blob never arrived'));
    await staged.discard();
    const file = path.join(localRoot, blockListKey(staged.sha256));
    await collectArtifactGarbage(db, { graceMs: 0 });
    expect((await stat(file)).isFile()).toBe(true);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(file, twoDaysAgo, twoDaysAgo);
    expect((await collectArtifactGarbage(db, { graceMs: 0 })).swept).toBeGreaterThanOrEqual(1);
    await expect(stat(file)).rejects.toThrow();
  });
});

describe.each(testBackends())('block-verified range reads on $name', (backend) => {
  it('catches a corrupted byte inside a range, and falls back to the size check for a blob without a list', async () => {
    const provisioned = await backend.provision();
    const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-block-backends-'));
    const db = await createAiDatabase({ url: provisioned.url, artifacts: { url: folder } });
    const smallBlocks = await createAiDatabase({ url: provisioned.url, artifacts: { url: folder, blockSizeBytes: 64 * 1024 } });
    try {
      const run = (await db.createTrainingRun({})).id;
      // The configured block size is used for new uploads and recorded in their lists.
      // (A run of its own: two openings of an in-memory SQLite database are two databases.)
      const configured = await smallBlocks.logArtifact((await smallBlocks.createTrainingRun({})).id, 'small-blocks.bin', pattern(200_000, 6));
      expect((await readFile(path.join(folder, blockListKey(configured.sha256)))).readUInt32BE(8)).toBe(64 * 1024);
      expect((await readFile(path.join(folder, blockListKey(configured.sha256)))).length).toBe(BLOCK_LIST_HEADER_BYTES + 4 * 32);
      // Default 4 MiB blocks: a range in the third block of a 9 MiB file.
      const bytes = pattern(9 * 1024 * 1024, 5);
      const info = await db.logArtifact(run, 'model/weights.bin', bytes);
      const start = 2 * DEFAULT_BLOCK_BYTES + 100;
      expect((await readAll((await db.openArtifact(run, 'model/weights.bin', { range: { start, end: start + 1000 } })).stream)).equals(bytes.subarray(start, start + 1001))).toBe(
        true,
      );
      await writeFile(path.join(folder, blobKey(info.sha256)), flipped(bytes, start + 500));
      await expect(db.openArtifact(run, 'model/weights.bin', { range: { start, end: start + 1000 } })).rejects.toBeInstanceOf(IntegrityError);
      // The dashboard's preview: the first 256 KiB, from a verified first block.
      expect((await readAll((await db.openArtifact(run, 'model/weights.bin', { range: { start: 0, end: 256 * 1024 - 1 } })).stream)).equals(bytes.subarray(0, 256 * 1024))).toBe(
        true,
      );
      await rm(path.join(folder, blockListKey(info.sha256)));
      expect((await readAll((await db.openArtifact(run, 'model/weights.bin', { range: { start, end: start + 1000 } })).stream)).length).toBe(1001);
    } finally {
      await smallBlocks.close();
      await db.close();
      await provisioned.drop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
