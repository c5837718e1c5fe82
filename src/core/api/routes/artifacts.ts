/**
 * The artifact routes of the REST API, for runs and model versions alike (decision 1005): streamed
 * upload, listing, info, streamed download (Range reads, ETag = SHA-256) and delete. The artifact
 * path is the rest of the URL (`:path*`, one encoded segment per folder). routes.ts spreads these
 * into the one table; the server, the HTTP client and the dashboard all build their URLs from them.
 */
import { z } from 'zod';
import { ARTIFACT_LIMITS } from '../../artifacts.js';
import type { ApiRoute } from '../route.js';

export const artifactInfoResponse = z.object({
  path: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().describe('lower-case hexadecimal SHA-256 of the bytes'),
  contentType: z.string(),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

export const artifactListingResponse = z.object({
  files: z.array(artifactInfoResponse),
  folders: z.array(z.string()).describe('folders directly below the listed one, ending in /'),
});

export const artifactUploadQuery = z.strictObject({
  sha256: z.string().optional().describe('the SHA-256 the bytes must have; a mismatch stores nothing (422 integrity_failed)'),
  contentType: z.string().optional().describe('stored content type (default: the request content type, else guessed from the path)'),
});

export const artifactListQuery = z.strictObject({
  prefix: z.string().max(ARTIFACT_LIMITS.pathLength + 1).optional().describe('a folder or path prefix'),
  recursive: z.boolean().optional().describe('every file below the folder, not one level'),
});

/** The five routes of one owner kind, so runs and model versions share every route shape. */
function ownerRoutes<const Base extends string>(base: Base, owner: string) {
  const idOnly = { id: { kind: 'id', description: `${owner} id` } } as const;
  const withPath = { ...idOnly, path: { kind: 'rest', description: 'artifact path, e.g. model/weights.pt (its / separators stay in the URL)' } } as const;
  return {
    log: {
      method: 'PUT',
      url: `${base}/:id/artifacts/:path*`,
      summary: `Upload an artifact of a ${owner} (streamed; replaces the path whole)`,
      tag: 'artifacts',
      params: withPath,
      query: artifactUploadQuery,
      validateQuery: true,
      rawBody: { description: 'the file bytes, any content type' },
      status: 201,
      response: artifactInfoResponse,
    },
    list: {
      method: 'GET',
      url: `${base}/:id/artifacts`,
      summary: `List a ${owner}'s artifacts like a folder`,
      tag: 'artifacts',
      params: idOnly,
      query: artifactListQuery,
      validateQuery: true,
      status: 200,
      response: artifactListingResponse,
    },
    info: {
      method: 'GET',
      url: `${base}/:id/artifact-info/:path*`,
      summary: `Size, SHA-256, content type and time of one artifact of a ${owner}`,
      tag: 'artifacts',
      params: withPath,
      status: 200,
      response: artifactInfoResponse,
    },
    open: {
      method: 'GET',
      url: `${base}/:id/artifacts/:path*`,
      summary: `Download an artifact of a ${owner} (Range reads; ETag is the SHA-256)`,
      tag: 'artifacts',
      params: withPath,
      status: 200,
      rawResponse: {
        description:
          'the bytes (206 with Content-Range for a range), verified as they stream: a whole file, or a range that covers it, against its ' +
          'SHA-256; a part of a file block by block against the SHA-256 of each 4 MiB block recorded at upload (the range is widened ' +
          'to whole blocks to check them). Corruption found before the first byte answers 422 integrity_failed; found later, the ' +
          'connection is cut before the announced Content-Length. Parts of files stored before block lists existed are checked ' +
          "against the file's size only, until the file is first read whole",
      },
    },
    remove: {
      method: 'DELETE',
      url: `${base}/:id/artifacts/:path*`,
      summary: `Delete an artifact of a ${owner} (its bytes go at the next artifact gc when unshared)`,
      tag: 'artifacts',
      params: withPath,
      status: 204,
    },
  } as const satisfies Record<string, Omit<ApiRoute, 'operationId'>>;
}

const run = ownerRoutes('/api/v1/runs', 'training run');
const version = ownerRoutes('/api/v1/model-versions', 'model version');

/** Keyed by operation id (the AiDatabase method each calls); spread into the table in routes.ts. */
export const ARTIFACT_ROUTES = {
  logArtifact: run.log,
  listArtifacts: run.list,
  getArtifactInfo: run.info,
  openArtifact: run.open,
  deleteArtifact: run.remove,
  logModelVersionArtifact: version.log,
  listModelVersionArtifacts: version.list,
  getModelVersionArtifactInfo: version.info,
  openModelVersionArtifact: version.open,
  deleteModelVersionArtifact: version.remove,
};
