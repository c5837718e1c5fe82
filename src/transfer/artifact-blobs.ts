/**
 * Moving artifact bytes with their rows: every blob the source's artifact rows name is read from
 * the source's blob store and staged into the target's, where its SHA-256 is computed again; a
 * blob whose bytes do not hash to its name is refused (IntegrityError) and never committed.
 */
import type { Kysely } from 'kysely';
import { IntegrityError } from '../core/errors.js';
import type { SqlAiDatabase } from '../store/index.js';
import { ARTIFACT_TABLES } from './table-specs.js';

export interface BlobTransferReport {
  /** Distinct blobs the artifact rows reference. */
  blobs: number;
  /** Blobs written to the target (the rest were there already). */
  copied: number;
  bytesCopied: number;
}

/** The distinct hashes a database's artifact rows reference. */
export async function referencedHashes(db: Kysely<any>): Promise<string[]> {
  const hashes = new Set<string>();
  for (const table of ARTIFACT_TABLES) {
    for (const row of await db.selectFrom(table).select('sha256').distinct().execute()) hashes.add(String(row.sha256).trim());
  }
  return [...hashes].sort();
}

/** Copies the blobs `source`'s artifact rows reference into `target`'s blob store, verified by hash. */
export async function copyArtifactBlobs(
  source: SqlAiDatabase,
  target: SqlAiDatabase,
  onBlob?: (done: number, total: number) => void | Promise<void>,
): Promise<BlobTransferReport> {
  const hashes = await referencedHashes(source.kysely as unknown as Kysely<any>);
  const report: BlobTransferReport = { blobs: hashes.length, copied: 0, bytesCopied: 0 };
  if (hashes.length === 0) return report;
  const from = await source.artifactBlobStore();
  const to = await target.artifactBlobStore();
  for (const [index, sha256] of hashes.entries()) {
    if ((await to.stat(sha256)) === undefined) {
      const read = await from.read(sha256);
      if (read === undefined) throw new IntegrityError(`source: artifact blob ${sha256} is missing from ${from.description}`);
      const staged = await to.stage(read.stream);
      if (staged.sha256 !== sha256) {
        await staged.discard();
        throw new IntegrityError(`source: artifact blob ${sha256} in ${from.description} holds bytes hashing to ${staged.sha256}; not copied`);
      }
      await staged.commit();
      await staged.discard();
      report.copied += 1;
      report.bytesCopied += staged.size;
    }
    await onBlob?.(index + 1, hashes.length);
  }
  return report;
}
