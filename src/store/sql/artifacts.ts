/**
 * Artifacts of runs and model versions: metadata rows here, bytes in the blob store by SHA-256.
 * An upload is staged and hashed first; only a complete upload with the hash the caller declared
 * becomes a blob and then a row, so an interrupted or mismatched upload leaves nothing visible.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import {
  ARTIFACT_LIMITS,
  checkArtifactPath,
  checkArtifactPrefix,
  checkByteRange,
  checkContentType,
  checkSha256,
  guessContentType,
  type ArtifactInfo,
  type ArtifactListing,
  type ArtifactOwner,
  type ListArtifactsOptions,
  type LogArtifactOptions,
  type OpenArtifactOptions,
} from '../../core/artifacts.js';
import { BackendError, IntegrityError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { ArtifactSource, OpenedArtifact } from '../ai-database.js';
import { VerifyingStream, holdSourceErrors } from '../../core/artifact-streams.js';
import { readArtifactBlob, type BlobStore } from '../artifacts/blob-store.js';
import { BlockHasher, readVerifiedRange } from '../artifacts/block-list.js';
import { assertExists, guarded, translateError, type StoreContext } from './context.js';

interface OwnerTable {
  table: 'run_artifacts' | 'model_version_artifacts';
  column: 'run_id' | 'model_version_id';
  ownerTable: 'training_runs' | 'model_versions';
  entity: string;
}

const OWNERS: Record<ArtifactOwner['kind'], OwnerTable> = {
  run: { table: 'run_artifacts', column: 'run_id', ownerTable: 'training_runs', entity: 'training run' },
  modelVersion: { table: 'model_version_artifacts', column: 'model_version_id', ownerTable: 'model_versions', entity: 'model version' },
};

/** Where a store keeps blobs; absent when the database was opened without artifact storage. */
export type BlobStoreHandle = () => Promise<BlobStore>;

interface ArtifactRow {
  path: string;
  size: number | string;
  sha256: string;
  content_type: string;
  created_at: number | string;
}

function toInfo(row: ArtifactRow): ArtifactInfo {
  return {
    path: row.path,
    size: Number(row.size),
    sha256: row.sha256.trim(),
    contentType: row.content_type,
    createdAt: Number(row.created_at),
  };
}

/** The owner's rows table, with the owner checked to exist. */
async function ownerOf(ctx: StoreContext, owner: ArtifactOwner): Promise<OwnerTable> {
  const spec = OWNERS[owner.kind];
  await guarded(ctx, () => assertExists(ctx, spec.ownerTable, owner.id, spec.entity, owner.kind === 'run' ? 'runId' : 'versionId'));
  return spec;
}

/** Turns the source of an upload into a stream: a file path, bytes, or a stream as given. */
async function sourceStream(source: ArtifactSource): Promise<Readable> {
  if (typeof source === 'string') {
    try {
      const info = await stat(source);
      if (!info.isFile()) throw new ValidationError(`source: ${source} is not a file`, { field: 'source' });
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError(`source: cannot read the file ${source} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        field: 'source',
      });
    }
    return createReadStream(source, { highWaterMark: 1024 * 1024 });
  }
  if (source instanceof Uint8Array) return Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)]);
  if (source instanceof Readable) return source;
  throw new ValidationError('source: must be a file path, a Buffer or a readable stream', { field: 'source' });
}

async function blobsOf(ctx: StoreContext): Promise<BlobStore> {
  if (ctx.blobs === undefined) throw new ValidationError('artifacts: this database was opened without artifact storage', { field: 'artifacts' });
  return ctx.blobs();
}

export async function logArtifact(
  ctx: StoreContext,
  owner: ArtifactOwner,
  artifactPath: string,
  source: ArtifactSource,
  options: LogArtifactOptions = {},
): Promise<ArtifactInfo> {
  holdSourceErrors(source);
  const path = checkArtifactPath(artifactPath);
  const contentType = options.contentType === undefined ? guessContentType(path) : checkContentType(options.contentType);
  const declared = options.sha256 === undefined ? undefined : checkSha256(options.sha256);
  const spec = await ownerOf(ctx, owner);
  const blobs = await blobsOf(ctx);
  const staged = await blobs.stage(await sourceStream(source));
  if (declared !== undefined && declared !== staged.sha256) {
    await staged.discard();
    throw new IntegrityError(
      `sha256: the uploaded bytes hash to ${staged.sha256}, not the declared ${declared}; nothing was stored`,
      { field: 'sha256' },
    );
  }
  // The marker keeps garbage collection off this hash until the row that references it exists.
  const unmark = await blobs.markPending(staged.sha256);
  try {
    await staged.commit();
    const row = {
      [spec.column]: owner.id,
      path,
      size: staged.size,
      sha256: staged.sha256,
      content_type: contentType,
      created_at: ctx.now(),
    };
    try {
      // Two uploads to one path: each replaces the whole row, so the path ends naming one upload's
      // hash, whole (the blobs are immutable and separate, so bytes never mix).
      await ctx.backend
        .upsert(ctx.db.insertInto(spec.table as 'run_artifacts').values(row as never), [spec.column, 'path'], ['size', 'sha256', 'content_type', 'created_at'])
        .execute();
    } catch (error) {
      throw translateError(ctx, error, { entity: spec.entity, key: `#${owner.id}`, field: owner.kind === 'run' ? 'runId' : 'versionId' });
    }
    return { path, size: staged.size, sha256: staged.sha256, contentType, createdAt: row.created_at };
  } finally {
    await staged.discard();
    await unmark();
  }
}

async function findRow(ctx: StoreContext, spec: OwnerTable, ownerId: number, path: string): Promise<ArtifactInfo> {
  const row = await guarded(ctx, () =>
    ctx.db
      .selectFrom(spec.table as 'run_artifacts')
      .select(['path', 'size', 'sha256', 'content_type', 'created_at'])
      .where(spec.column as 'run_id', '=', ownerId)
      .where('path', '=', path)
      .executeTakeFirst(),
  );
  // Compared again in JavaScript: a backend's collation must not make `A.txt` find `a.txt`.
  if (row === undefined || row.path !== path) throw new NotFoundError('artifact', path, { field: 'path' });
  return toInfo(row);
}

export async function getArtifactInfo(ctx: StoreContext, owner: ArtifactOwner, artifactPath: string): Promise<ArtifactInfo> {
  const path = checkArtifactPath(artifactPath);
  const spec = await ownerOf(ctx, owner);
  return findRow(ctx, spec, owner.id, path);
}

export async function listArtifacts(ctx: StoreContext, owner: ArtifactOwner, options: ListArtifactsOptions = {}): Promise<ArtifactListing> {
  const raw = checkArtifactPrefix(options.prefix);
  const spec = await ownerOf(ctx, owner);
  const rows = await guarded(ctx, () => {
    let query = ctx.db
      .selectFrom(spec.table as 'run_artifacts')
      .select(['path', 'size', 'sha256', 'content_type', 'created_at'])
      .where(spec.column as 'run_id', '=', owner.id);
    if (raw !== '') query = query.where(sql<boolean>`${sql.ref('path')} like ${`${raw.replace(/[!%_]/g, (c) => `!${c}`)}%`} escape '!'`);
    return query.execute();
  });
  // A prefix naming a file lists that file; one naming a folder lists inside it.
  const folder = raw === '' || raw.endsWith('/') ? raw : rows.some((row) => row.path.startsWith(`${raw}/`)) ? `${raw}/` : raw;
  const files: ArtifactInfo[] = [];
  const folders = new Set<string>();
  for (const row of rows) {
    if (!row.path.startsWith(folder)) continue;
    const rest = row.path.slice(folder.length);
    const slash = rest.indexOf('/');
    if (options.recursive === true || slash < 0) files.push(toInfo(row));
    else folders.add(`${folder}${rest.slice(0, slash)}/`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length > ARTIFACT_LIMITS.listLimit) {
    throw new ValidationError(
      `prefix: matches ${files.length} artifacts, more than the ${ARTIFACT_LIMITS.listLimit} one list answers; list a folder below it`,
      { field: 'prefix' },
    );
  }
  return { files, folders: [...folders].sort() };
}

export async function openArtifact(
  ctx: StoreContext,
  owner: ArtifactOwner,
  artifactPath: string,
  options: OpenArtifactOptions = {},
): Promise<OpenedArtifact> {
  const path = checkArtifactPath(artifactPath);
  const range = checkByteRange(options.range);
  const spec = await ownerOf(ctx, owner);
  const info = await findRow(ctx, spec, owner.id, path);
  if (range !== undefined && range.start >= info.size && !(info.size === 0 && range.start === 0)) {
    throw new ValidationError(`range.start: ${range.start} is beyond the artifact's ${info.size} bytes`, { field: 'range.start' });
  }
  const end = range === undefined ? undefined : Math.min(range.end ?? info.size - 1, info.size - 1);
  // A range that covers the whole file is read, and verified, as the whole file (decision 1010).
  const whole = range === undefined || (range.start === 0 && end! >= info.size - 1);
  const blobs = await blobsOf(ctx);
  const what = `artifact '${path}' of ${spec.entity} #${owner.id}`;
  if (!whole) {
    const part = { start: range!.start, end: Math.max(end!, range!.start) };
    // A part is verified block by block against the blob's block list (decision 1014).
    const verified = await readVerifiedRange(blobs, info, part, what);
    if (verified !== undefined) return { info, stream: verified, range: { start: part.start, end: end! } };
    // A blob stored before block lists: its part is checked against the blob's size only.
    const read = await readArtifactBlob(blobs, info, part, what);
    return { info, stream: read.stream, range: { start: part.start, end: end! } };
  }
  const [read, listed] = await Promise.all([readArtifactBlob(blobs, info, undefined, what), blobs.hasBlockList(info.sha256).catch(() => true)]);
  // A blob stored before block lists gets its list from its first verified whole read.
  const blocks = listed ? undefined : new BlockHasher(blobs.blockSizeBytes);
  const verifying = new VerifyingStream(
    info.sha256,
    info.size,
    what,
    blocks === undefined ? {} : { observer: blocks, onVerified: () => blobs.writeBlockList(info.sha256, blocks.encode(info.sha256, info.size)) },
  );
  read.stream.once('error', (error) => verifying.destroy(error));
  return { info, stream: read.stream.pipe(verifying), ...(range === undefined ? {} : { range: { start: 0, end: end! } }) };
}

export async function deleteArtifact(ctx: StoreContext, owner: ArtifactOwner, artifactPath: string): Promise<void> {
  const path = checkArtifactPath(artifactPath);
  const spec = await ownerOf(ctx, owner);
  const result = await guarded(ctx, () =>
    ctx.db
      .deleteFrom(spec.table as 'run_artifacts')
      .where(spec.column as 'run_id', '=', owner.id)
      .where('path', '=', path)
      .executeTakeFirst(),
  );
  // The blob stays until garbage collection: another owner may share it, and deleting is cheap this way.
  if (Number(result.numDeletedRows) === 0) throw new NotFoundError('artifact', path, { field: 'path' });
}

/** What one garbage collection did. */
export interface ArtifactGcReport {
  /** Blobs looked at. */
  scanned: number;
  /** Blobs removed because no artifact row references them. */
  removed: number;
  removedBytes: number;
  /** Unreferenced blobs kept because they are younger than the grace period or an upload is pending. */
  kept: number;
  /** Staged uploads, markers and trash left by crashed processes, cleaned up. */
  swept: number;
}

export interface ArtifactGcOptions {
  /** Blobs younger than this are kept even when unreferenced (uploads between blob and row). Default 1 hour. */
  graceMs?: number;
  /** Report what would be removed without removing it. */
  dryRun?: boolean;
}

async function isReferenced(ctx: StoreContext, sha256: string): Promise<boolean> {
  for (const spec of Object.values(OWNERS)) {
    const row = await ctx.db.selectFrom(spec.table as 'run_artifacts').select('sha256').where('sha256', '=', sha256).limit(1).executeTakeFirst();
    if (row !== undefined) return true;
  }
  return false;
}

/**
 * Removes blobs no artifact row references. Safe while uploads run: a blob younger than the grace
 * period or with a pending-upload marker is kept, and a candidate is first moved aside, then
 * checked again (referenced now or marked now: put back), and only then removed.
 */
export async function collectArtifactGarbage(ctx: StoreContext, options: ArtifactGcOptions = {}): Promise<ArtifactGcReport> {
  const graceMs = options.graceMs ?? 60 * 60 * 1000;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new ValidationError('graceMs: must be a number ≥ 0', { field: 'graceMs' });
  const blobs = await blobsOf(ctx);
  const report: ArtifactGcReport = { scanned: 0, removed: 0, removedBytes: 0, kept: 0, swept: 0 };
  const staleMs = Math.max(graceMs, 24 * 60 * 60 * 1000);
  const now = Date.now();
  try {
    for await (const blob of blobs.list()) {
      report.scanned += 1;
      if (await guarded(ctx, () => isReferenced(ctx, blob.sha256))) continue;
      if (now - blob.modifiedAt < graceMs) {
        report.kept += 1;
        continue;
      }
      if ((await blobs.pendingHashes(staleMs)).has(blob.sha256)) {
        report.kept += 1;
        continue;
      }
      if (options.dryRun === true) {
        report.removed += 1;
        report.removedBytes += blob.size;
        continue;
      }
      const aside = await blobs.trash(blob.sha256);
      if (aside === undefined) continue;
      // An upload may have marked or referenced the hash between the checks above and the move.
      if ((await guarded(ctx, () => isReferenced(ctx, blob.sha256))) || (await blobs.pendingHashes(staleMs)).has(blob.sha256)) {
        await aside.restore();
        report.kept += 1;
        continue;
      }
      await aside.purge();
      report.removed += 1;
      report.removedBytes += blob.size;
    }
    if (options.dryRun !== true) report.swept = await blobs.sweep(staleMs);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof BackendError) throw error;
    throw translateError(ctx, error);
  }
  return report;
}
