/**
 * The artifact blob stores themselves, local folder and S3 (a real moto server on loopback): bytes
 * stored once per hash, corruption of stored bytes caught on read, nothing left by an interrupted
 * upload, one whole winner of a race, a large file streamed both ways with flat memory, garbage
 * collection that keeps what uploads in flight need, and clear errors from unreachable storage.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PassThrough, Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendError,
  IntegrityError,
  NotFoundError,
  collectArtifactGarbage,
  createAiDatabase,
  type AiDatabase,
  type ArtifactsConfig,
  type SqlAiDatabase,
} from '../../src/index.js';
import { blobKey } from '../../src/store/artifacts/blob-store.js';
import { startMoto, type MotoServer } from '../support/moto.js';
import { sha256, readAll } from '../support/bytes.js';

/** `total` bytes in 1 MiB chunks that differ from each other, hashed as they are made. */
function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const base = Buffer.alloc(1024 * 1024);
  for (let index = 0; index < base.length; index++) base[index] = (index * 31 + 7) & 0xff;
  let sent = 0;
  let counter = 0;
  const stream = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(base.length, total - sent);
      const chunk = Buffer.from(base.subarray(0, size));
      chunk.writeUInt32LE(counter++, 0);
      hash.update(chunk);
      sent += size;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

// A full garbage collection on demand, for measuring live memory (the flag must be set before the
// first gc-able context is made: a fresh context picks `gc` up).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** JS heap plus Buffers and other memory V8 counts for objects still alive after a full collection. */
function liveBytes(): number {
  // Twice: V8 frees dead Buffers' memory after a collection, in the background, and counts it freed
  // only when that is done; the next collection waits for it first.
  collectGarbage();
  collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Peak growth of live memory over a baseline while `fn` runs, sampled every 250 ms right after a
 * full garbage collection: what the transfer holds (parts in flight are held for seconds, so the
 * sparse sampling sees them; a collection every 50 ms made the S3 test time out on a loaded machine). Not RSS: V8 lets tens of MB of dropped Buffers
 * wait for its next collection, and how many wait depends on when that runs (later on a loaded
 * machine), not on what aimdb holds; RSS counted them (108 MB once under load, where the live peak
 * of the S3 upload, its parts in flight, is 32-39 MB).
 */
async function peakLiveGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baseline = liveBytes();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, liveBytes());
  }, 250);
  try {
    const result = await fn();
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

interface Storage {
  name: 'local' | 's3';
  config(): ArtifactsConfig;
  /** Overwrites the stored bytes of a blob behind aimdb's back. */
  corrupt(sha256: string, bytes: Buffer): Promise<void>;
  /** Keys or files below the store's root folder `folder` (tmp, pending, blobs). */
  entries(folder: string): Promise<string[]>;
  /** Large-file size for this storage (moto keeps objects in its own memory). */
  largeBytes: number;
}

let moto: MotoServer | undefined;
let localRoot = '';

const STORAGES: Storage[] = [
  {
    name: 'local',
    config: () => ({ url: localRoot }),
    corrupt: (hash, bytes) => writeFile(path.join(localRoot, blobKey(hash)), bytes),
    entries: async (folder) => {
      const walk = async (dir: string): Promise<string[]> => {
        const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
        const found: string[] = [];
        for (const entry of names) {
          if (entry.isDirectory()) found.push(...(await walk(path.join(dir, entry.name))));
          else found.push(entry.name);
        }
        return found;
      };
      return walk(path.join(localRoot, folder));
    },
    largeBytes: 200 * 1024 * 1024,
  },
  {
    name: 's3',
    config: () => ({ url: 's3://aimdb-test/some/prefix', endpoint: moto!.endpoint, region: 'us-east-1', partSizeBytes: 5 * 1024 * 1024 }),
    corrupt: async (hash, bytes) => {
      await moto!.client.send(new PutObjectCommand({ Bucket: 'aimdb-test', Key: `some/prefix/${blobKey(hash)}`, Body: bytes }));
    },
    entries: async (folder) => {
      const page = await moto!.client.send(new ListObjectsV2Command({ Bucket: 'aimdb-test', Prefix: `some/prefix/${folder}/` }));
      return (page.Contents ?? []).map((item) => item.Key!.split('/').pop()!);
    },
    largeBytes: 120 * 1024 * 1024,
  },
];

beforeAll(async () => {
  moto = await startMoto();
  await moto.createBucket('aimdb-test');
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe.each(STORAGES)('artifact storage: $name', (storage) => {
  let db: AiDatabase;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'aimdb-artifact-storage-'));
    localRoot = path.join(folder, 'blobs-root');
    db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'test.sqlite')}`, artifacts: storage.config() });
  });
  afterAll(async () => {
    await db?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const blobCount = async () => (await storage.entries('blobs')).length;

  it('stores bytes logged by two runs under two paths once', async () => {
    const before = await blobCount();
    const bytes = Buffer.from('the same checkpoint, twice '.repeat(1000));
    const a = (await db.createTrainingRun({})).id;
    const b = (await db.createTrainingRun({})).id;
    await db.logArtifact(a, 'ckpt.pt', bytes);
    await db.logArtifact(b, 'other/ckpt.pt', bytes);
    expect(await blobCount()).toBe(before + 1);
    expect(await storage.entries('blobs')).toContain(sha256(bytes));
  });

  it('fails a read whose stored bytes were corrupted, with IntegrityError, whether the size changed or not', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = Buffer.from('precious weights '.repeat(5000));
    const info = await db.logArtifact(run, 'weights.bin', bytes);
    const flipped = Buffer.from(bytes);
    flipped[1234] = flipped[1234]! ^ 0xff;
    await storage.corrupt(info.sha256, flipped);
    const opened = await db.openArtifact(run, 'weights.bin');
    await expect(readAll(opened.stream)).rejects.toBeInstanceOf(IntegrityError);
    // A range that covers the whole file is verified like a whole read (decision 1010)…
    const covering = await db.openArtifact(run, 'weights.bin', { range: { start: 0 } });
    expect(covering.range).toEqual({ start: 0, end: bytes.length - 1 });
    await expect(readAll(covering.stream)).rejects.toBeInstanceOf(IntegrityError);
    const coveringBeyond = await db.openArtifact(run, 'weights.bin', { range: { start: 0, end: bytes.length + 100 } });
    await expect(readAll(coveringBeyond.stream)).rejects.toBeInstanceOf(IntegrityError);
    // …and a part of it block by block against the block list stored at upload (decision 1014).
    await expect(db.openArtifact(run, 'weights.bin', { range: { start: 1, end: 2000 } })).rejects.toBeInstanceOf(IntegrityError);
    await storage.corrupt(info.sha256, bytes.subarray(10));
    await expect(db.openArtifact(run, 'weights.bin')).rejects.toBeInstanceOf(IntegrityError);
    // Restored bytes read fine again.
    await storage.corrupt(info.sha256, bytes);
    expect((await readAll((await db.openArtifact(run, 'weights.bin')).stream)).equals(bytes)).toBe(true);
  });

  it('leaves no blob, staged object or row after an interrupted upload', async () => {
    const run = (await db.createTrainingRun({})).id;
    const blobsBefore = await storage.entries('blobs');
    const source = new PassThrough();
    const logging = db.logArtifact(run, 'half.bin', source);
    source.write(Buffer.alloc(6 * 1024 * 1024, 1));
    setTimeout(() => source.destroy(new Error('connection lost')), 50);
    await expect(logging).rejects.toThrow('connection lost');
    await expect(db.getArtifactInfo(run, 'half.bin')).rejects.toBeInstanceOf(NotFoundError);
    expect(await storage.entries('blobs')).toEqual(blobsBefore);
    expect(await storage.entries('tmp')).toEqual([]);
    expect(await storage.entries('pending')).toEqual([]);
  });

  it('ends concurrent uploads to one path with one whole winner', async () => {
    const run = (await db.createTrainingRun({})).id;
    const versions = [0, 1, 2, 3].map((index) => Buffer.alloc(1024 * 1024 + index, index + 1));
    await Promise.all(versions.map((bytes) => db.logArtifact(run, 'race.bin', bytes)));
    const info = await db.getArtifactInfo(run, 'race.bin');
    const winner = versions.find((bytes) => sha256(bytes) === info.sha256);
    expect(winner).toBeDefined();
    expect((await readAll((await db.openArtifact(run, 'race.bin')).stream)).equals(winner!)).toBe(true);
  });

  it('streams a large file in and out with flat memory', async () => {
    const run = (await db.createTrainingRun({})).id;
    const source = generated(storage.largeBytes);
    const upload = await peakLiveGrowth(() => db.logArtifact(run, 'big/model.bin', source.stream));
    expect(upload.result).toMatchObject({ size: storage.largeBytes, sha256: source.digest() });
    const download = await peakLiveGrowth(async () => {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of (await db.openArtifact(run, 'big/model.bin')).stream) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return { size, digest: hash.digest('hex') };
    });
    expect(download.result).toEqual({ size: storage.largeBytes, digest: upload.result.sha256 });
    // A part of nearly all of it, verified block by block (decision 1014): one block held at a time.
    const part = await peakLiveGrowth(async () => {
      let size = 0;
      const opened = await db.openArtifact(run, 'big/model.bin', { range: { start: 1, end: storage.largeBytes - 2 } });
      for await (const chunk of opened.stream) size += (chunk as Buffer).length;
      return size;
    });
    expect(part.result).toBe(storage.largeBytes - 2);
    // Far below the file's size: nothing held it whole.
    expect(upload.growthBytes).toBeLessThan(100 * 1024 * 1024);
    expect(download.growthBytes).toBeLessThan(100 * 1024 * 1024);
    expect(part.growthBytes).toBeLessThan(100 * 1024 * 1024);
  }, 300_000);

  it('collects unreferenced blobs, keeping referenced, young and pending ones, also during uploads', async () => {
    const run = (await db.createTrainingRun({})).id;
    const kept = await db.logArtifact(run, 'kept.txt', Buffer.from('kept'));
    const dropped = await db.logArtifact(run, 'dropped.txt', Buffer.from('dropped'));
    await db.deleteArtifact(run, 'dropped.txt');
    const young = await collectArtifactGarbage(db, { graceMs: 60 * 60 * 1000 });
    expect(young.removed).toBe(0);
    expect(await storage.entries('blobs')).toContain(dropped.sha256);
    const dry = await collectArtifactGarbage(db, { graceMs: 0, dryRun: true });
    expect(dry.removed).toBeGreaterThanOrEqual(1);
    expect(await storage.entries('blobs')).toContain(dropped.sha256);

    // Uploads of one content run while a collector with no grace period sweeps again and again.
    const shared = Buffer.from('uploaded while collecting '.repeat(2000));
    let collecting = true;
    const collector = (async () => {
      let rounds = 0;
      while (collecting || rounds === 0) {
        await collectArtifactGarbage(db, { graceMs: 0 });
        rounds += 1;
      }
      return rounds;
    })();
    for (let index = 0; index < 8; index++) {
      await db.logArtifact(run, `during/${index}.txt`, shared);
      await db.deleteArtifact(run, `during/${index}.txt`).catch(() => undefined);
      await db.logArtifact(run, `during/${index}.txt`, shared);
    }
    collecting = false;
    expect(await collector).toBeGreaterThan(0);
    const final = await collectArtifactGarbage(db, { graceMs: 0 });
    expect(final.kept).toBe(0);
    const blobs = await storage.entries('blobs');
    expect(blobs).not.toContain(dropped.sha256);
    expect(blobs).toContain(kept.sha256);
    for (let index = 0; index < 8; index++) {
      expect((await readAll((await db.openArtifact(run, `during/${index}.txt`)).stream)).equals(shared)).toBe(true);
    }
    expect((await readAll((await db.openArtifact(run, 'kept.txt')).stream)).toString()).toBe('kept');
  }, 120_000);

  it('keeps a blob with a pending-upload marker', async () => {
    const run = (await db.createTrainingRun({})).id;
    const info = await db.logArtifact(run, 'marked.txt', Buffer.from('marked'));
    await db.deleteArtifact(run, 'marked.txt');
    const store = await (db as SqlAiDatabase).artifactBlobStore();
    const unmark = await store.markPending(info.sha256);
    const report = await collectArtifactGarbage(db, { graceMs: 0 });
    expect(report.kept).toBeGreaterThanOrEqual(1);
    expect(await storage.entries('blobs')).toContain(info.sha256);
    await unmark();
    await collectArtifactGarbage(db, { graceMs: 0 });
    expect(await storage.entries('blobs')).not.toContain(info.sha256);
  });
});

describe('artifact storage that cannot be reached', () => {
  it('fails an upload to an unreachable S3 endpoint with a BackendError and leaves the metadata unchanged', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-artifact-unreachable-'));
    const db = await createAiDatabase({
      url: `sqlite:///${path.join(folder, 'x.sqlite')}`,
      // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
      artifacts: { url: 's3://nowhere/x', endpoint: 'http://127.0.0.1:9', region: 'us-east-1' },
    });
    try {
      const run = (await db.createTrainingRun({})).id;
      const error = await db.logArtifact(run, 'a.txt', Buffer.from('x')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(/s3:\/\/nowhere\/x/);
      expect((error as Error).message).not.toMatch(/testing/);
      expect(await db.listArtifacts(run)).toEqual({ files: [], folders: [] });
    } finally {
      await db.close();
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it('fails an upload to a read-only folder with a BackendError naming it, storing no row', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-artifact-readonly-'));
    const blocked = path.join(folder, 'not-a-folder');
    await writeFile(blocked, 'a file where the artifact folder should be');
    const db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'x.sqlite')}`, artifacts: { url: blocked } });
    try {
      const run = (await db.createTrainingRun({})).id;
      const error = await db.logArtifact(run, 'a.txt', Buffer.from('x')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toContain(blocked);
      expect(await db.listArtifacts(run)).toEqual({ files: [], folders: [] });
    } finally {
      await db.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('reads the S3 blob the SDK wrote byte for byte (no chunked-checksum framing stored)', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-artifact-framing-'));
    await moto!.createBucket('aimdb-framing');
    const db = await createAiDatabase({
      url: `sqlite:///${path.join(folder, 'x.sqlite')}`,
      artifacts: { url: 's3://aimdb-framing', endpoint: moto!.endpoint },
    });
    try {
      const run = (await db.createTrainingRun({})).id;
      const bytes = Buffer.from('exact bytes in the bucket');
      const info = await db.logArtifact(run, 'a.txt', bytes);
      const raw = await moto!.client.send(new GetObjectCommand({ Bucket: 'aimdb-framing', Key: blobKey(info.sha256) }));
      expect(Buffer.from(await raw.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    } finally {
      await db.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
