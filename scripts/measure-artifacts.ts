/**
 * By hand: `scripts/with-node.sh 24 npx tsx scripts/measure-artifacts.ts [MiB]` (default 1024).
 * Starts `aimdb serve` (the built dist) as a child process over a fresh SQLite file and artifact
 * folder, streams a generated file of that size up through the HTTP client and back down (hashing
 * both ways), and prints the throughput and the server's peak RSS (VmHWM) before and after.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createHttpAiDatabase } from '../src/client/http-client.js';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 1024) * MiB;

const vmHwmMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const vmRssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function sparePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const base = Buffer.alloc(MiB, 3);
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

const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-measure-'));
await writeFile(path.join(folder, 'aimdb.config.yaml'), 'database:\n  path: ./db.sqlite\nartifacts:\n  url: ./files\n');
const port = await sparePort();
const child = spawn(process.execPath, [path.resolve('bin/aimdb.js'), 'serve', '--port', String(port)], { cwd: folder, stdio: 'ignore' });
try {
  const db = createHttpAiDatabase({ url: `http://127.0.0.1:${port}` });
  for (let attempt = 0; ; attempt++) {
    try {
      await db.health();
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const idle = vmHwmMb(child.pid!);
  const run = (await db.createTrainingRun({ name: 'measure' })).id;
  const source = generated(size);
  let started = performance.now();
  const info = await db.logArtifact(run, 'big.bin', source.stream);
  const uploadS = (performance.now() - started) / 1000;
  if (info.sha256 !== source.digest()) throw new Error('hash mismatch after upload');
  const afterUpload = vmHwmMb(child.pid!);
  started = performance.now();
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of (await db.openArtifact(run, 'big.bin')).stream) {
    hash.update(chunk as Buffer);
    received += (chunk as Buffer).length;
  }
  const downloadS = (performance.now() - started) / 1000;
  if (hash.digest('hex') !== info.sha256 || received !== size) throw new Error('download differs');
  const afterDownload = vmHwmMb(child.pid!);
  console.log(
    JSON.stringify(
      {
        fileMiB: size / MiB,
        uploadMBps: +(size / MiB / uploadS).toFixed(1),
        downloadMBps: +(size / MiB / downloadS).toFixed(1),
        serverPeakRssMb: { idle: +idle.toFixed(1), afterUpload: +afterUpload.toFixed(1), afterDownload: +afterDownload.toFixed(1), now: +vmRssMb(child.pid!).toFixed(1) },
        clientPeakRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      },
      null,
      2,
    ),
  );
  await db.close();
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await rm(folder, { recursive: true, force: true });
}
