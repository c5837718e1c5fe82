/**
 * Artifacts of runs and model versions over HTTP: uploads stream from the request into the blob
 * store, downloads stream back with `ETag` = the SHA-256, `Range` reads and the stored content type.
 * The artifact path is the rest of the URL (`…/artifacts/model/weights.pt`), one encoded segment per
 * folder.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ARTIFACT_LIMITS, guessContentType, type ByteRange } from '../../core/artifacts.js';
import { ValidationError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import type { RouteSpec } from '../route-spec.js';

const artifactInfoResponse = z.object({
  path: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().describe('lower-case hexadecimal SHA-256 of the bytes'),
  contentType: z.string(),
  createdAt: z.number().int().describe('epoch milliseconds'),
});
const artifactListingResponse = z.object({
  files: z.array(artifactInfoResponse),
  folders: z.array(z.string()).describe('folders directly below the listed one, ending in /'),
});

const putQuery = z.strictObject({
  sha256: z.string().optional().describe('the SHA-256 the bytes must have; a mismatch stores nothing (422 integrity_failed)'),
  contentType: z.string().optional().describe('stored content type (default: the request content type, else guessed from the path)'),
});
const listQuery = z.strictObject({
  prefix: z.string().max(ARTIFACT_LIMITS.pathLength + 1).optional().describe('a folder or path prefix'),
  recursive: z.boolean().optional().describe('every file below the folder, not one level'),
});

/** The calls of one owner kind, so runs and model versions share every route shape. */
interface OwnerCalls {
  log: AiDatabase['logArtifact'];
  list: AiDatabase['listArtifacts'];
  info: AiDatabase['getArtifactInfo'];
  open: AiDatabase['openArtifact'];
  remove: AiDatabase['deleteArtifact'];
}

const runCalls = (db: AiDatabase): OwnerCalls => ({
  log: (id, path, source, options) => db.logArtifact(id, path, source, options),
  list: (id, options) => db.listArtifacts(id, options),
  info: (id, path) => db.getArtifactInfo(id, path),
  open: (id, path, options) => db.openArtifact(id, path, options),
  remove: (id, path) => db.deleteArtifact(id, path),
});
const versionCalls = (db: AiDatabase): OwnerCalls => ({
  log: (id, path, source, options) => db.logModelVersionArtifact(id, path, source, options),
  list: (id, options) => db.listModelVersionArtifacts(id, options),
  info: (id, path) => db.getModelVersionArtifactInfo(id, path),
  open: (id, path, options) => db.openModelVersionArtifact(id, path, options),
  remove: (id, path) => db.deleteModelVersionArtifact(id, path),
});

/** Content types a client sends by default, which say nothing about the file. */
const GENERIC_TYPES = new Set(['application/octet-stream', 'application/x-www-form-urlencoded']);

/** The stored content type of an upload: asked for, else the request's, else guessed from the path. */
export function uploadContentType(asked: unknown, header: string | undefined, path: string): string {
  if (typeof asked === 'string' && asked !== '') return asked;
  const sent = header?.trim();
  if (sent !== undefined && sent !== '' && !GENERIC_TYPES.has(sent.split(';')[0]!.trim().toLowerCase())) return sent;
  return guessContentType(path);
}

/**
 * One `Range: bytes=…` header as a range of a file of `size` bytes: undefined when absent or not a
 * single byte range (the whole file is sent then, as RFC 9110 allows), 'unsatisfiable' when it starts
 * beyond the end.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}

const quoted = (sha256: string) => `"${sha256}"`;

async function download(calls: OwnerCalls, id: number, path: string, request: FastifyRequest, reply: FastifyReply): Promise<Readable | string> {
  const info = await calls.info(id, path);
  void reply.header('etag', quoted(info.sha256));
  void reply.header('accept-ranges', 'bytes');
  void reply.header('x-aimdb-sha256', info.sha256);
  void reply.header('last-modified', new Date(info.createdAt).toUTCString());
  void reply.header('cache-control', 'private, no-cache');
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === quoted(info.sha256))) {
    void reply.status(304);
    return '';
  }
  const ifRange = request.headers['if-range'];
  const rangeHeader = ifRange === undefined || ifRange === quoted(info.sha256) ? request.headers.range : undefined;
  const range = parseRangeHeader(rangeHeader, info.size);
  if (range === 'unsatisfiable') {
    void reply.status(416).header('content-range', `bytes */${info.size}`).type('application/json');
    return JSON.stringify({
      error: { code: 'validation_failed', message: `range: starts beyond the artifact's ${info.size} bytes`, field: 'range' },
    });
  }
  const opened = await calls.open(id, path, range === undefined ? {} : { range });
  void reply.type(info.contentType);
  if (opened.range !== undefined) {
    void reply
      .status(206)
      .header('content-range', `bytes ${opened.range.start}-${opened.range.end}/${info.size}`)
      .header('content-length', String(opened.range.end - opened.range.start + 1));
  } else {
    void reply.status(200).header('content-length', String(info.size));
  }
  if (request.method === 'HEAD') {
    opened.stream.destroy();
    return '';
  }
  return opened.stream;
}

function readArtifactPath(params: Record<string, number | string>): string {
  const path = params['*'];
  if (typeof path !== 'string' || path === '') throw new ValidationError('path: the URL must name an artifact after /artifacts/', { field: 'path' });
  return path;
}

function ownerRoutes(base: string, tag: string, owner: string, callsOf: (db: AiDatabase) => OwnerCalls, names: {
  log: string;
  list: string;
  info: string;
  open: string;
  remove: string;
}): RouteSpec[] {
  const params = { id: { kind: 'id', description: `${owner} id` }, '*': { kind: 'text', description: 'artifact path, e.g. model/weights.pt' } } as const;
  const idOnly = { id: { kind: 'id', description: `${owner} id` } } as const;
  return [
    {
      method: 'PUT',
      url: `${base}/:id/artifacts/*`,
      operationId: names.log,
      summary: `Upload an artifact of a ${owner} (streamed; replaces the path whole)`,
      tag,
      params,
      query: putQuery,
      validateQuery: true,
      rawBody: { description: 'the file bytes, any content type' },
      status: 201,
      response: artifactInfoResponse,
      handler: ({ db, params: values, query, body, request }) => {
        const path = readArtifactPath(values);
        const contentType = uploadContentType(query.contentType, request.headers['content-type'], path);
        const sha256 = typeof query.sha256 === 'string' ? query.sha256 : undefined;
        return callsOf(db).log(values.id as number, path, body as Readable, { contentType, ...(sha256 === undefined ? {} : { sha256 }) });
      },
    },
    {
      method: 'GET',
      url: `${base}/:id/artifacts`,
      operationId: names.list,
      summary: `List a ${owner}'s artifacts like a folder`,
      tag,
      params: idOnly,
      query: listQuery,
      validateQuery: true,
      status: 200,
      response: artifactListingResponse,
      handler: ({ db, params: values, query }) => callsOf(db).list(values.id as number, query),
    },
    {
      method: 'GET',
      url: `${base}/:id/artifact-info/*`,
      operationId: names.info,
      summary: `Size, SHA-256, content type and time of one artifact of a ${owner}`,
      tag,
      params,
      status: 200,
      response: artifactInfoResponse,
      handler: ({ db, params: values }) => callsOf(db).info(values.id as number, readArtifactPath(values)),
    },
    {
      method: 'GET',
      url: `${base}/:id/artifacts/*`,
      operationId: names.open,
      summary: `Download an artifact of a ${owner} (Range reads; ETag is the SHA-256)`,
      tag,
      params,
      status: 200,
      rawResponse: { description: 'the bytes (206 with Content-Range for a range); a whole file is verified against its SHA-256 as it streams' },
      handler: ({ db, params: values, request, reply }) => download(callsOf(db), values.id as number, readArtifactPath(values), request, reply),
    },
    {
      method: 'DELETE',
      url: `${base}/:id/artifacts/*`,
      operationId: names.remove,
      summary: `Delete an artifact of a ${owner} (its bytes go at the next artifact gc when unshared)`,
      tag,
      params,
      status: 204,
      handler: ({ db, params: values }) => callsOf(db).remove(values.id as number, readArtifactPath(values)),
    },
  ];
}

export const artifactRoutes: RouteSpec[] = [
  ...ownerRoutes('/api/v1/runs', 'artifacts', 'training run', runCalls, {
    log: 'logArtifact',
    list: 'listArtifacts',
    info: 'getArtifactInfo',
    open: 'openArtifact',
    remove: 'deleteArtifact',
  }),
  ...ownerRoutes('/api/v1/model-versions', 'artifacts', 'model version', versionCalls, {
    log: 'logModelVersionArtifact',
    list: 'listModelVersionArtifacts',
    info: 'getModelVersionArtifactInfo',
    open: 'openModelVersionArtifact',
    remove: 'deleteModelVersionArtifact',
  }),
];
