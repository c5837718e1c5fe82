/**
 * The run logger's spill file (docs/decisions/0521): batches of metric points that could not be
 * delivered yet, one JSON line per batch, appended in order and fsynced after each append. A line
 * is `{"id":…,"receipt":bool,"points":[[name, value, step|null, epoch|null, time], …]}`; non-finite
 * values are the strings "NaN", "Infinity", "-Infinity". A line cut short by a crash is dropped when
 * the file is opened again, so a crash loses at most the batch being written.
 */
import { mkdirSync, openSync, closeSync, fstatSync, readSync, ftruncateSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** One point as the logger holds it: the time in epoch ms, the step once it is known. */
export interface SpillPoint {
  name: string;
  value: number;
  step: number | undefined;
  epoch?: number | null;
  timestamp: number;
}

/** A batch to spill: its id (the batch id it is sent with), whether it needs that id, its points. */
export interface SpillBatch {
  id: string;
  receipt: boolean;
  points: SpillPoint[];
}

/** Where a spilled batch lies in the file. */
export interface SpilledBatch {
  id: string;
  receipt: boolean;
  count: number;
  offset: number;
  length: number;
}

/** What opening an existing spill file found: its batches in order, and the highest step per series. */
export interface SpillScan {
  batches: SpilledBatch[];
  nextSteps: Map<string, number>;
}

const NEWLINE = 0x0a;
const SCAN_BLOCK = 1 << 20;

/** The spill file of one run in a folder. */
export function spillFilePath(folder: string, runId: number): string {
  return path.join(folder, `run-${runId}.aimdb-spill.jsonl`);
}

const encodeValue = (value: number): number | string => (Number.isFinite(value) ? value : String(value));
const decodeValue = (value: number | string): number => (typeof value === 'number' ? value : Number(value));

function encodeBatch(batch: SpillBatch): Buffer {
  const points = batch.points.map((point) => [point.name, encodeValue(point.value), point.step ?? null, point.epoch ?? null, point.timestamp]);
  return Buffer.from(`${JSON.stringify({ id: batch.id, receipt: batch.receipt, points })}\n`, 'utf8');
}

type EncodedPoint = [string, number | string, number | null, number | null, number];

function decodeLine(text: string): { id: string; receipt: boolean; points: EncodedPoint[] } {
  const parsed = JSON.parse(text) as { id?: unknown; receipt?: unknown; points?: unknown };
  if (typeof parsed.id !== 'string' || typeof parsed.receipt !== 'boolean' || !Array.isArray(parsed.points)) {
    throw new Error('not a spilled batch');
  }
  return parsed as { id: string; receipt: boolean; points: EncodedPoint[] };
}

function decodePoints(points: EncodedPoint[]): SpillPoint[] {
  return points.map(([name, value, step, epoch, timestamp]) => {
    const point: SpillPoint = { name, value: decodeValue(value), step: step ?? undefined, timestamp };
    if (epoch !== null) point.epoch = epoch;
    return point;
  });
}

/**
 * Reads the batches of an existing spill file (synchronously: it happens once, when a logger
 * starts, and its batches must come before anything logged afterwards). A last line without its
 * newline, or one that does not parse, was cut short by a crash: the file is truncated before it.
 */
export function scanSpillFile(file: string): SpillScan | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const batches: SpilledBatch[] = [];
    const nextSteps = new Map<string, number>();
    let lineStart = 0;
    let pending: Buffer[] = [];
    let position = 0;
    const block = Buffer.allocUnsafe(SCAN_BLOCK);
    scan: while (position < size) {
      const read = readSync(fd, block, 0, Math.min(SCAN_BLOCK, size - position), position);
      if (read <= 0) break;
      let from = 0;
      for (let index = 0; index < read; index++) {
        if (block[index] !== NEWLINE) continue;
        pending.push(Buffer.from(block.subarray(from, index)));
        const line = Buffer.concat(pending).toString('utf8');
        pending = [];
        const lineEnd = position + index + 1;
        let decoded;
        try {
          decoded = decodeLine(line);
        } catch {
          break scan;
        }
        for (const [name, , step] of decoded.points) {
          if (step !== null && (nextSteps.get(name) ?? 0) <= step) nextSteps.set(name, step + 1);
        }
        batches.push({ id: decoded.id, receipt: decoded.receipt, count: decoded.points.length, offset: lineStart, length: lineEnd - lineStart });
        lineStart = lineEnd;
        from = index + 1;
      }
      pending.push(Buffer.from(block.subarray(from, read)));
      position += read;
    }
    if (lineStart < size) ftruncateSync(fd, lineStart);
    return { batches, nextSteps };
  } finally {
    closeSync(fd);
  }
}

/** Appends batches and reads them back; one operation at a time, in the order they were asked for. */
export class SpillFile {
  readonly path: string;
  #handle: FileHandle | undefined;
  #size = -1;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.path = file;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle === undefined) {
      mkdirSync(path.dirname(this.path), { recursive: true });
      this.#handle = await open(this.path, 'a+');
      this.#size = (await this.#handle.stat()).size;
    }
    return this.#handle;
  }

  /** Appends the batches in order and fsyncs once; resolves with where each one lies. */
  append(batches: SpillBatch[]): Promise<SpilledBatch[]> {
    return this.#serial(async () => {
      const handle = await this.#open();
      const encoded = batches.map(encodeBatch);
      const placed: SpilledBatch[] = [];
      let offset = this.#size;
      for (const [index, bytes] of encoded.entries()) {
        const batch = batches[index]!;
        placed.push({ id: batch.id, receipt: batch.receipt, count: batch.points.length, offset, length: bytes.length });
        offset += bytes.length;
      }
      const all = Buffer.concat(encoded);
      let written = 0;
      while (written < all.length) written += (await handle.write(all, written, all.length - written, this.#size + written)).bytesWritten;
      await handle.datasync();
      this.#size = offset;
      return placed;
    });
  }

  /** The points of one spilled batch. */
  read(batch: SpilledBatch): Promise<SpillPoint[]> {
    return this.#serial(async () => {
      const handle = await this.#open();
      const bytes = Buffer.allocUnsafe(batch.length);
      let read = 0;
      while (read < batch.length) {
        const got = (await handle.read(bytes, read, batch.length - read, batch.offset + read)).bytesRead;
        if (got === 0) throw new Error(`spill file ${this.path} ends inside batch ${batch.id}`);
        read += got;
      }
      return decodePoints(decodeLine(bytes.toString('utf8')).points);
    });
  }

  /** Deletes the file once everything in it was delivered. */
  remove(): Promise<void> {
    return this.#serial(async () => {
      await this.#closeHandle();
      await rm(this.path, { force: true });
    });
  }

  /** Closes the file, keeping it. */
  close(): Promise<void> {
    return this.#serial(() => this.#closeHandle());
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#size = -1;
    await handle?.close();
  }
}
