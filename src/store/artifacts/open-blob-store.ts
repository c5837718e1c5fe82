/** Choosing the blob store from the `artifacts:` configuration, lazily (nothing is touched until an artifact is). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactsConfig } from '../../config/config.js';
import { ValidationError } from '../../core/errors.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';

/** The folder used when no artifact location is configured. */
export const DEFAULT_ARTIFACTS_FOLDER = 'aimdb-artifacts';

/**
 * The default artifact folder for a database: beside its SQLite file, else `./aimdb-artifacts` in the
 * working directory (PostgreSQL, MySQL, or SQLite in memory).
 */
export function defaultArtifactsFolder(sqliteFile: string | undefined): string {
  if (sqliteFile !== undefined && sqliteFile !== '' && sqliteFile !== ':memory:') {
    return path.join(path.dirname(path.resolve(sqliteFile)), DEFAULT_ARTIFACTS_FOLDER);
  }
  return path.resolve(DEFAULT_ARTIFACTS_FOLDER);
}

/** Builds the blob store a configuration names; the S3 SDK is loaded only for an `s3://` URL. */
export async function openBlobStore(config: ArtifactsConfig, defaultFolder: string): Promise<BlobStore> {
  const url = config.url ?? defaultFolder;
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (bucket === '') throw new ValidationError('artifacts.url: s3:// URLs need a bucket (s3://bucket/prefix)', { field: 'artifacts.url' });
    const { S3BlobStore } = await import('./s3-blob-store.js');
    return new S3BlobStore({
      bucket,
      prefix,
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      partSize: config.partSizeBytes,
      queueSize: config.uploadConcurrency,
      blockSizeBytes: config.blockSizeBytes,
    });
  }
  const local = { blockSizeBytes: config.blockSizeBytes };
  if (url.startsWith('file://')) return new LocalBlobStore(fileURLToPath(url), local);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(url)) {
    throw new ValidationError(`artifacts.url: use a folder, file:// or s3:// (got '${url.split('://')[0]}://…')`, { field: 'artifacts.url' });
  }
  return new LocalBlobStore(url, local);
}

/** Opens the blob store on first use and keeps it. */
export function lazyBlobStore(open: () => Promise<BlobStore>): () => Promise<BlobStore> {
  let opened: Promise<BlobStore> | undefined;
  return () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}
