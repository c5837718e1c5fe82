/**
 * By hand, not part of the test suite: `scripts/with-node.sh 24 npx tsx scripts/measure-artifacts.ts [MiB]`
 * (default 5120, i.e. 5 GiB). Starts the server compiled to JavaScript in a child process (as the
 * benchmark does, with the heap setting `aimdb serve` is documented with) over a fresh SQLite file and
 * artifact folder in the temporary directory (AIMDB_MEASURE_DIR to put it elsewhere), streams a
 * generated file of that size up through the HTTP client and back down, hashing both ways, and
 * prints throughput and the server's resident memory: its high-water mark (VmHWM) when idle, after
 * the upload and after the download, plus samples during the transfers. Exits 1 when a hash differs
 * or the server's peak grew by more than AIMDB_MEASURE_MAX_RSS_GROWTH_MB (default 256) over idle, i.e.
 * memory was not flat. Everything it wrote is removed at the end. Needs the file's size free on disk.
 * The server keeps its default timeouts: uploads are exempt from the whole-request timeout
 * (decision 1012); AIMDB_BENCH_SERVER_REQUEST_TIMEOUT_MS sets server.requestTimeoutMs if wanted.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { peakRssMb, startServerProcess, stopServerProcess } from '../bench/scenarios/http.js';
import { createHttpAiDatabase } from '../src/client/http-client.js';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 5120) * MiB;
const maxGrowthMb = Number(process.env.AIMDB_MEASURE_MAX_RSS_GROWTH_MB ?? 256);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A reproducible stream of `total` bytes (each MiB numbered), hashed as it is read. */
function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const base = Buffer.alloc(MiB);
  for (let index = 0; index < MiB; index++) base[index] = (index * 131 + 17) & 0xff;
  let sent = 0;
  let counter = 0;
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(base.subarray(0, Math.min(MiB, total - sent)));
      chunk.writeUInt32LE(counter++, 0);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** Samples the server's RSS every second while `fn` runs: the largest and the last value. */
async function sampled<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; seconds: number; maxRssMb: number }> {
  let max = rssMb(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMb(pid))), 1000);
  const started = performance.now();
  try {
    const result = await fn();
    return { result, seconds: (performance.now() - started) / 1000, maxRssMb: Math.max(max, rssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

const parent = process.env.AIMDB_MEASURE_DIR ?? tmpdir();
const free = await statfs(parent);
if (free.bavail * free.bsize < size * 1.1 + 512 * MiB) {
  throw new Error(`${parent} has ${(free.bavail * free.bsize / MiB).toFixed(0)} MiB free; the measurement needs about ${(size * 1.1 / MiB).toFixed(0)} MiB`);
}
const folder = await mkdtemp(path.join(parent, 'aimdb-measure-'));
// Reported with the figures: before decision 1012, this timeout (120 s by default) cut off uploads.
const requestTimeoutMs = process.env.AIMDB_BENCH_SERVER_REQUEST_TIMEOUT_MS ?? 'default';
const server = await startServerProcess(`sqlite:///${path.join(folder, 'db.sqlite')}`, path.join(folder, 'files')).catch(async (error: unknown) => {
  await rm(folder, { recursive: true, force: true });
  throw error;
});
const pid = server.child.pid!;
let failed = false;
try {
  const db = createHttpAiDatabase({ url: server.url });
  const run = (await db.createTrainingRun({ name: 'measure' })).id;
  // A small upload and download first, so "idle" is a server that has served artifacts.
  await db.logArtifact(run, 'warm-up.bin', Buffer.alloc(MiB, 1));
  for await (const chunk of (await db.openArtifact(run, 'warm-up.bin')).stream) void chunk;
  const idle = peakRssMb(pid);
  const loadBefore = loadavg()[0]!;

  const source = generated(size);
  const up = await sampled(pid, () => db.logArtifact(run, 'big.bin', source.stream));
  const uploadOk = up.result.sha256 === source.digest() && up.result.size === size;
  const afterUpload = peakRssMb(pid);

  const down = await sampled(pid, async () => {
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of (await db.openArtifact(run, 'big.bin')).stream) {
      hash.update(chunk as Buffer);
      received += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), received };
  });
  const downloadOk = down.result.sha256 === up.result.sha256 && down.result.received === size;
  const afterDownload = peakRssMb(pid);
  await db.close();

  const growth = afterDownload - idle;
  failed = !uploadOk || !downloadOk || growth > maxGrowthMb;
  console.log(
    JSON.stringify(
      {
        fileMiB: size / MiB,
        serverRequestTimeoutMs: requestTimeoutMs,
        loadAverage: { before: +loadBefore.toFixed(1), after: +loadavg()[0]!.toFixed(1) },
        upload: { MBps: +(size / MiB / up.seconds).toFixed(1), seconds: +up.seconds.toFixed(1), hashMatches: uploadOk },
        download: { MBps: +(size / MiB / down.seconds).toFixed(1), seconds: +down.seconds.toFixed(1), hashMatches: downloadOk },
        serverRssMb: {
          peakIdle: +idle.toFixed(1),
          peakAfterUpload: +afterUpload.toFixed(1),
          peakAfterDownload: +afterDownload.toFixed(1),
          sampledMaxDuringUpload: +up.maxRssMb.toFixed(1),
          sampledMaxDuringDownload: +down.maxRssMb.toFixed(1),
          peakGrowthOverIdle: +growth.toFixed(1),
          allowedGrowth: maxGrowthMb,
        },
        clientPeakRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      },
      null,
      2,
    ),
  );
} finally {
  await stopServerProcess(server.child);
  await rm(folder, { recursive: true, force: true });
}
if (failed) {
  console.error('FAILED: a hash differs or the server memory was not flat');
  process.exitCode = 1;
}
