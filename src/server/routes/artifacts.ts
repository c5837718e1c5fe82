/**
 * Artifacts of runs and model versions over HTTP: uploads stream from the request into the blob
 * store, downloads stream back with `ETag` = the SHA-256, `Range` reads and the stored content type.
 * The routes are declared in src/core/api/routes/artifacts.ts; the artifact path is their `rest`
 * parameter (`…/artifacts/model/weights.pt`, one encoded segment per folder).
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API } from '../../core/api/routes.js';
import { guessContentType, type ByteRange } from '../../core/artifacts.js';
import type { AiDatabase } from '../../store/index.js';
import { serve, type RouteSpec } from '../route-spec.js';

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

/** The routes of one owner kind (runs or model versions), with the store calls they make. */
function ownerRoutes(
  routes: {
    log: typeof API.logArtifact | typeof API.logModelVersionArtifact;
    list: typeof API.listArtifacts | typeof API.listModelVersionArtifacts;
    info: typeof API.getArtifactInfo | typeof API.getModelVersionArtifactInfo;
    open: typeof API.openArtifact | typeof API.openModelVersionArtifact;
    remove: typeof API.deleteArtifact | typeof API.deleteModelVersionArtifact;
  },
  callsOf: (db: AiDatabase) => OwnerCalls,
): RouteSpec[] {
  return [
    serve(routes.log, ({ db, params, query, body, request }) => {
      const contentType = uploadContentType(query.contentType, request.headers['content-type'], params.path);
      return callsOf(db).log(params.id, params.path, body, { contentType, ...(query.sha256 === undefined ? {} : { sha256: query.sha256 }) });
    }),
    serve(routes.list, ({ db, params, query }) => callsOf(db).list(params.id, query)),
    serve(routes.info, ({ db, params }) => callsOf(db).info(params.id, params.path)),
    serve(routes.open, ({ db, params, request, reply }) => download(callsOf(db), params.id, params.path, request, reply)),
    serve(routes.remove, ({ db, params }) => callsOf(db).remove(params.id, params.path)),
  ];
}

export const artifactRoutes: RouteSpec[] = [
  ...ownerRoutes(
    { log: API.logArtifact, list: API.listArtifacts, info: API.getArtifactInfo, open: API.openArtifact, remove: API.deleteArtifact },
    runCalls,
  ),
  ...ownerRoutes(
    {
      log: API.logModelVersionArtifact,
      list: API.listModelVersionArtifacts,
      info: API.getModelVersionArtifactInfo,
      open: API.openModelVersionArtifact,
      remove: API.deleteModelVersionArtifact,
    },
    versionCalls,
  ),
];
