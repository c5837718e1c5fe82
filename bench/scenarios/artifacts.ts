/**
 * Artifact throughput: one file uploaded and downloaded through aimdb, each next to the same bytes
 * moved without aimdb in the same run. Local folder: against a streamed file copy (1 MiB chunks,
 * what any file copy in Node does). Over HTTP: the same, the client in this process and the server
 * compiled in a child process (bench/server-child.ts), whose peak RSS is reported too. S3 (a moto server on loopback): against `@aws-sdk/lib-storage` and `GetObject` used
 * directly with the same part size. aimdb hashes every byte both ways; the process's peak RSS growth
 * is recorded for each.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { createAiDatabase, type AiDatabase, type ArtifactsConfig } from '../../src/index.js';
import { startMoto } from '../../tests/support/moto.js';
import type { BenchContext } from '../context.js';
import { log, timeMs, type ScenarioResult } from '../measure.js';
import { peakRssMb, startServerProcess, stopServerProcess } from './http.js';

const CHUNK = 1024 * 1024;
const PART = 16 * 1024 * 1024;

/** Time of `fn` and the process's peak RSS growth while it ran (sampled every 20 ms). */
async function measured(fn: () => Promise<unknown>): Promise<{ ms: number; rssMb: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const ms = await timeMs(fn);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ms, rssMb: (peak - baseline) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function makeFile(file: string, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(CHUNK);
  for (let index = 0; index < chunk.length; index++) chunk[index] = (index * 131 + 17) & 0xff;
  const out = createWriteStream(file);
  for (let written = 0, counter = 0; written < bytes; written += CHUNK, counter++) {
    const piece = Buffer.from(chunk.subarray(0, Math.min(CHUNK, bytes - written)));
    piece.writeUInt32LE(counter, 0);
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const streamCopy = (from: string, to: string) =>
  pipeline(createReadStream(from, { highWaterMark: CHUNK }), createWriteStream(to, { highWaterMark: CHUNK }));

function result(
  ctx: BenchContext,
  id: string,
  title: string,
  bytes: number,
  aimdb: { ms: number; rssMb: number },
  baseline: { ms: number; rssMb: number },
  baselineLabel: string,
): ScenarioResult {
  const rate = (ms: number) => bytes / 1024 / 1024 / (ms / 1000);
  const ratio = rate(aimdb.ms) / rate(baseline.ms);
  log(`  ${title}: ${rate(aimdb.ms).toFixed(0)} MB/s vs ${rate(baseline.ms).toFixed(0)} MB/s (${ratio.toFixed(2)}×), RSS +${aimdb.rssMb.toFixed(0)} MB`);
  return {
    backend: ctx.backend,
    id,
    title,
    unit: 'MB/s',
    aimdb: Math.round(rate(aimdb.ms)),
    baseline: Math.round(rate(baseline.ms)),
    baselineLabel,
    ratio,
    target: 0.5,
    targetText: '≥ 0.5×',
    met: ratio >= 0.5,
    note: `MB/s for ${(bytes / 1024 / 1024).toFixed(0)} MiB; peak RSS growth aimdb ${aimdb.rssMb.toFixed(0)} MB, baseline ${baseline.rssMb.toFixed(0)} MB`,
    details: { fileMiB: bytes / 1024 / 1024, aimdbRssMb: Math.round(aimdb.rssMb), baselineRssMb: Math.round(baseline.rssMb) },
  };
}

async function download(db: AiDatabase, run: number, to: string): Promise<void> {
  await pipeline((await db.openArtifact(run, 'bench/file.bin')).stream, createWriteStream(to, { highWaterMark: CHUNK }));
}

const PREVIEW_BYTES = 256 * 1024;
const PREVIEWS = 32;

/**
 * The dashboard's text preview as a range read: 256 KiB parts at offsets spread over the file (not
 * block-aligned), each verified block by block (decision 1014: the edge blocks are read and hashed
 * whole), against the same parts read from a plain file. Milliseconds per part.
 */
async function previewReads(ctx: BenchContext, db: AiDatabase, run: number, rawFile: string, bytes: number): Promise<ScenarioResult> {
  const offsets = Array.from({ length: PREVIEWS }, (_, index) => Math.floor(((index * 7919) % PREVIEWS) * ((bytes - PREVIEW_BYTES) / PREVIEWS)) + 12_345);
  const drain = async (stream: Readable) => {
    for await (const chunk of stream) void chunk;
  };
  const raw = await measured(async () => {
    for (const start of offsets) await drain(createReadStream(rawFile, { start, end: start + PREVIEW_BYTES - 1, highWaterMark: CHUNK }));
  });
  const verified = await measured(async () => {
    for (const start of offsets) await drain((await db.openArtifact(run, 'bench/file.bin', { range: { start, end: start + PREVIEW_BYTES - 1 } })).stream);
  });
  const perRead = verified.ms / PREVIEWS;
  const rawPerRead = raw.ms / PREVIEWS;
  log(`  256 KiB range read (verified by blocks): ${perRead.toFixed(1)} ms vs ${rawPerRead.toFixed(1)} ms raw`);
  return {
    backend: ctx.backend,
    id: 'artifacts-local-range',
    title: 'artifact 256 KiB range read (block-verified), local folder',
    unit: 'ms',
    aimdb: Math.round(perRead * 10) / 10,
    baseline: Math.round(rawPerRead * 10) / 10,
    baselineLabel: 'plain file range read',
    ratio: rawPerRead / perRead,
    target: 50,
    targetText: '≤ 50 ms per part (a preview that feels instant)',
    met: perRead <= 50,
    note: `ms per 256 KiB part, ${PREVIEWS} parts; peak RSS growth aimdb ${verified.rssMb.toFixed(0)} MB`,
    details: { parts: PREVIEWS, aimdbRssMb: Math.round(verified.rssMb) },
  };
}

export async function artifactScenarios(ctx: BenchContext, skipped: string[]): Promise<ScenarioResult[]> {
  const bytes = ctx.sizes.artifactBytes;
  const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-bench-artifacts-'));
  const results: ScenarioResult[] = [];
  const source = path.join(folder, 'source.bin');
  await makeFile(source, bytes);
  const open = (artifacts: ArtifactsConfig) => createAiDatabase({ url: ctx.database.url, artifacts });
  try {
    // Local folder.
    const local = await open({ url: path.join(folder, 'store') });
    try {
      const run = (await local.createTrainingRun({ name: 'bench-artifacts' })).id;
      const rawUp = await measured(() => streamCopy(source, path.join(folder, 'raw-copy.bin')));
      const up = await measured(() => local.logArtifact(run, 'bench/file.bin', source));
      results.push(result(ctx, 'artifacts-local-upload', 'artifact upload, local folder', bytes, up, rawUp, 'stream copy'));
      const rawDown = await measured(() => streamCopy(path.join(folder, 'raw-copy.bin'), path.join(folder, 'raw-copy-2.bin')));
      const down = await measured(() => download(local, run, path.join(folder, 'down.bin')));
      results.push(result(ctx, 'artifacts-local-download', 'artifact download (verified), local folder', bytes, down, rawDown, 'stream copy'));
      results.push(await previewReads(ctx, local, run, path.join(folder, 'raw-copy.bin'), bytes));
      await rm(path.join(folder, 'down.bin'), { force: true });
      await rm(path.join(folder, 'raw-copy-2.bin'), { force: true });
    } finally {
      await local.close();
    }

    // Over HTTP to `aimdb serve` in a process of its own (as deployed: the server's hashing and
    // disk writes run beside the client's, not on the client's thread), the local folder behind it.
    const server = await startServerProcess(ctx.database.url, path.join(folder, 'http-store'));
    const client = createHttpAiDatabase({ url: server.url });
    try {
      const run = (await client.createTrainingRun({ name: 'bench-artifacts-http' })).id;
      // Untimed: the server's and client's code warm, as in a serving process.
      await client.logArtifact(run, 'bench/warm-up.bin', Buffer.alloc(CHUNK, 1));
      const idle = peakRssMb(server.child.pid!);
      const rawUp = await measured(() => streamCopy(source, path.join(folder, 'raw-copy-3.bin')));
      const up = await measured(() => client.logArtifact(run, 'bench/file.bin', source));
      const upResult = result(ctx, 'artifacts-http-upload', 'artifact upload over HTTP', bytes, up, rawUp, 'stream copy');
      const afterUpload = peakRssMb(server.child.pid!);
      const rawDown = await measured(() => streamCopy(path.join(folder, 'raw-copy-3.bin'), path.join(folder, 'raw-copy-4.bin')));
      const down = await measured(() => download(client, run, path.join(folder, 'down.bin')));
      const downResult = result(ctx, 'artifacts-http-download', 'artifact download (verified) over HTTP', bytes, down, rawDown, 'stream copy');
      const afterDownload = peakRssMb(server.child.pid!);
      for (const [item, peak] of [
        [upResult, afterUpload],
        [downResult, afterDownload],
      ] as const) {
        item.note += `; server peak RSS ${peak.toFixed(0)} MB (idle ${idle.toFixed(0)} MB)`;
        item.details = { ...item.details, serverPeakRssMb: Math.round(peak), serverIdleRssMb: Math.round(idle) };
      }
      log(`  server peak RSS: ${idle.toFixed(0)} MB idle, ${afterUpload.toFixed(0)} MB after the upload, ${afterDownload.toFixed(0)} MB after the download`);
      results.push(upResult, downResult);
    } finally {
      await client.close();
      await stopServerProcess(server.child);
      for (const name of ['down.bin', 'raw-copy.bin', 'raw-copy-3.bin', 'raw-copy-4.bin']) await rm(path.join(folder, name), { force: true });
    }

    // S3-compatible, against the SDK used directly.
    let moto;
    try {
      moto = await startMoto();
    } catch (error) {
      skipped.push(`${ctx.backend} artifacts on S3: ${(error as Error).message}`);
      return results;
    }
    try {
      const bucket = `bench-${Date.now()}`;
      await moto.createBucket(bucket);
      const s3 = await open({ url: `s3://${bucket}/aimdb`, endpoint: moto.endpoint, partSizeBytes: PART });
      try {
        const run = (await s3.createTrainingRun({ name: 'bench-artifacts-s3' })).id;
        const rawUp = await measured(() =>
          new Upload({ client: moto.client, params: { Bucket: bucket, Key: 'raw/file.bin', Body: createReadStream(source, { highWaterMark: CHUNK }) }, partSize: PART, queueSize: 4 }).done(),
        );
        const up = await measured(() => s3.logArtifact(run, 'bench/file.bin', source));
        results.push(result(ctx, 'artifacts-s3-upload', 'artifact upload, S3 (moto)', bytes, up, rawUp, 'SDK Upload'));
        const rawDown = await measured(async () => {
          const answer = await moto.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/file.bin' }));
          await pipeline(answer.Body as Readable, createWriteStream(path.join(folder, 'raw-s3.bin'), { highWaterMark: CHUNK }));
        });
        const down = await measured(() => download(s3, run, path.join(folder, 'down.bin')));
        results.push(result(ctx, 'artifacts-s3-download', 'artifact download (verified), S3 (moto)', bytes, down, rawDown, 'SDK GetObject'));
      } finally {
        await s3.close();
      }
    } finally {
      await moto.stop();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return results;
}
