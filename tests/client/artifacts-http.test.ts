/**
 * Artifacts through a real server and the HTTP client: a 200 MB file streams up and down without
 * the process holding it, and stored bytes corrupted behind the server's back fail the client's
 * read instead of arriving as good data, for whole files and for parts (checked block by block by
 * the server, decision 1014).
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { IntegrityError, type AiDatabase } from '../../src/index.js';
import { blobKey } from '../../src/store/artifacts/blob-store.js';
import { testBackends } from '../support/backends.js';
import { temporaryArtifactsFolder } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

const SIZE = 200 * 1024 * 1024;

function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const base = Buffer.alloc(1024 * 1024, 7);
  let sent = 0;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(base.subarray(0, Math.min(base.length, total - sent)));
      chunk.writeUInt32LE(counter++, 0);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

describe('artifacts over HTTP', () => {
  let server: TestServer;
  let db: AiDatabase;
  let folder: string;

  beforeAll(async () => {
    folder = await temporaryArtifactsFolder();
    server = await startTestServer(testBackends()[0]!, {}, { artifacts: folder });
    db = createHttpAiDatabase({ url: server.url });
  });
  afterAll(async () => {
    await db?.close();
    await server?.close();
  });

  it('streams 200 MB up and down with the server and client together far below the file size', async () => {
    const run = (await db.createTrainingRun({})).id;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      const source = generated(SIZE);
      const info = await db.logArtifact(run, 'big.bin', source.stream);
      expect(info).toMatchObject({ size: SIZE, sha256: source.digest() });
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of (await db.openArtifact(run, 'big.bin')).stream) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect({ size, sha256: hash.digest('hex') }).toEqual({ size: SIZE, sha256: info.sha256 });
    } finally {
      clearInterval(timer);
    }
    expect(peak - baseline).toBeLessThan(120 * 1024 * 1024);
  }, 300_000);

  it('fails the client read of a blob corrupted on the server', async () => {
    const run = (await db.createTrainingRun({})).id;
    const bytes = Buffer.alloc(3 * 1024 * 1024, 5);
    const info = await db.logArtifact(run, 'model.bin', bytes);
    const corrupted = Buffer.from(bytes);
    corrupted[corrupted.length - 1] = 0;
    await writeFile(path.join(folder, blobKey(info.sha256)), corrupted);
    const opened = await db.openArtifact(run, 'model.bin');
    const reading = (async () => {
      for await (const chunk of opened.stream) void chunk;
    })();
    await expect(reading).rejects.toThrow();
    // A Range read that covers the whole file is verified too (decision 1010), by the server and the client.
    const covering = await db.openArtifact(run, 'model.bin', { range: { start: 0 } });
    expect(covering.range).toEqual({ start: 0, end: bytes.length - 1 });
    await expect(
      (async () => {
        for await (const chunk of covering.stream) void chunk;
      })(),
    ).rejects.toThrow();
    // The server holds the last chunk back until the hash matched: a client that does not verify
    // (curl, fetch) gets a reply short of its Content-Length, never the whole corrupted file.
    const raw = await fetch(`${server.url}/api/v1/runs/${run}/artifacts/model.bin`);
    expect(raw.status).toBe(200);
    await expect(raw.arrayBuffer()).rejects.toThrow();
    // And the client's next request (not retried: a POST) does not land on the dropped connection.
    await expect(db.createTrainingRun({})).resolves.toMatchObject({ id: expect.any(Number) });
  });

  it('fails the client read of a part whose stored bytes were corrupted: 422 for the first block, a cut-off reply for a later one', async () => {
    const run = (await db.createTrainingRun({})).id;
    const MiB = 1024 * 1024;
    const bytes = Buffer.alloc(10 * MiB);
    for (let index = 0; index < bytes.length; index += 4) bytes.writeUInt32LE(index, index);
    const info = await db.logArtifact(run, 'parts.bin', bytes);
    const range = { start: MiB, end: 9 * MiB };
    // Good bytes: exactly the part asked for.
    const good = await db.openArtifact(run, 'parts.bin', { range });
    expect(good.range).toEqual(range);
    const chunks: Buffer[] = [];
    for await (const chunk of good.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes.subarray(MiB, 9 * MiB + 1))).toBe(true);

    // A flipped byte in the third 4 MiB block: the server has sent the first blocks when it finds it.
    const corrupted = Buffer.from(bytes);
    corrupted[8 * MiB + 77] = corrupted[8 * MiB + 77]! ^ 1;
    await writeFile(path.join(folder, blobKey(info.sha256)), corrupted);
    const opened = await db.openArtifact(run, 'parts.bin', { range });
    let received = 0;
    const reading = (async () => {
      for await (const chunk of opened.stream) received += (chunk as Buffer).length;
    })();
    await expect(reading).rejects.toThrow(/stopped sending|bytes of the range|aborted/);
    expect(received).toBeLessThan(7 * MiB + 1);

    // A flipped byte in the first block of the part: the server answers 422 before sending any byte.
    corrupted[8 * MiB + 77] = bytes[8 * MiB + 77]!;
    corrupted[MiB + 5] = corrupted[MiB + 5]! ^ 1;
    await writeFile(path.join(folder, blobKey(info.sha256)), corrupted);
    await expect(db.openArtifact(run, 'parts.bin', { range: { start: MiB, end: MiB + 255 } })).rejects.toBeInstanceOf(IntegrityError);
    const raw = await fetch(`${server.url}/api/v1/runs/${run}/artifacts/parts.bin`, { headers: { range: `bytes=${MiB}-${MiB + 255}` } });
    expect(raw.status).toBe(422);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('integrity_failed');
  });
});
