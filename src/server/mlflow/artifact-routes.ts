/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/…`, what `mlflow server
 * --serve-artifacts` answers) on aimdb's artifact store. Runs report the artifact URI
 * `mlflow-artifacts:/<experimentId>/<runId>/artifacts` (mapping.ts), which MLflow's client resolves to
 * `…/mlflow-artifacts/artifacts/<experimentId>/<runId>/artifacts/<path>`; the run id in that path
 * names the aimdb run, and the rest is the artifact's path. Uploads and downloads stream.
 */
import type { Readable } from 'node:stream';
import { checkArtifactPath, checkContentType, guessContentType } from '../../core/artifacts.js';
import { NotFoundError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import type { RouteContext, RouteProtocol, RouteSpec } from '../route-spec.js';
import { MlflowError } from './protocol.js';

const PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts'] as const;

/** Where a proxied path points: a run and a path below its artifact root ('' for the root itself). */
interface RunLocation {
  runId: number;
  path: string;
}

/** MLflow's answer to a path that is not safe (mlflow/utils/uri.py validate_path_is_safe): it names no path. */
const invalidPath = () => new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid path');

/**
 * Reads `<experimentId>/<runId>/artifacts[/<path>]`. Anything else (a bare experiment folder, a path
 * outside a run's artifact root) is not something aimdb stores: undefined.
 */
export function parseProxiedPath(raw: string): RunLocation | undefined {
  if (raw.includes('..') || raw.includes('\\') || raw.includes('\0') || raw.startsWith('/')) throw invalidPath();
  const parts = raw.split('/').filter((part, index) => part !== '' || index < 3);
  if (parts.length < 3 || parts[2] !== 'artifacts' || !/^[0-9]+$/.test(parts[1] ?? '')) return undefined;
  const runId = Number(parts[1]);
  if (!Number.isSafeInteger(runId) || runId < 1) return undefined;
  const path = parts.slice(3).join('/').replace(/\/+$/, '');
  if (path !== '') {
    try {
      checkArtifactPath(path);
    } catch {
      throw invalidPath();
    }
  }
  return { runId, path };
}

function locationOrThrow(raw: string): RunLocation & { path: string } {
  const location = parseProxiedPath(raw);
  if (location === undefined || location.path === '') {
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact at '${raw}': aimdb keeps artifacts under <experiment id>/<run id>/artifacts/`);
  }
  return location;
}

/** MLflow's file entries: names relative to the listed folder, folders with `is_dir` and no size. */
async function listEntries(db: AiDatabase, runId: number, folder: string, relativeTo: 'folder' | 'root') {
  const listing = await db.listArtifacts(runId, folder === '' ? {} : { prefix: `${folder}/` });
  const name = (path: string) => (relativeTo === 'root' ? path : path.slice(folder === '' ? 0 : folder.length + 1));
  const files = [
    ...listing.folders.map((path) => ({ path: name(path.replace(/\/$/, '')), is_dir: true })),
    ...listing.files.map((file) => ({ path: name(file.path), is_dir: false, file_size: file.size })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // A file asked for by its own path lists as itself, as MLflow's local repository does.
  if (files.length === 0 && folder !== '') {
    const single = await db.getArtifactInfo(runId, folder).catch((error: unknown) => {
      if (error instanceof NotFoundError && error.entity === 'artifact') return undefined;
      throw error;
    });
    if (single !== undefined) return [];
  }
  return files;
}

async function upload({ db, params, body, request }: RouteContext) {
  const location = locationOrThrow(String(params['*'] ?? ''));
  const header = request.headers['content-type'];
  let contentType = guessContentType(location.path);
  if (header !== undefined && header !== '' && header !== 'application/octet-stream') {
    try {
      contentType = checkContentType(header);
    } catch {
      // A content type aimdb cannot store as sent: the guess from the name stands.
    }
  }
  await db.logArtifact(location.runId, location.path, body as Readable, { contentType });
  return {};
}

async function download({ db, params, reply }: RouteContext) {
  const location = locationOrThrow(String(params['*'] ?? ''));
  const opened = await db.openArtifact(location.runId, location.path);
  const filename = location.path.slice(location.path.lastIndexOf('/') + 1);
  void reply
    .status(200)
    .type(opened.info.contentType)
    .header('content-length', String(opened.info.size))
    .header('etag', `"${opened.info.sha256}"`)
    // As MLflow: always an attachment, never rendered on the server's origin.
    .header('content-disposition', `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`)
    .header('x-content-type-options', 'nosniff');
  return opened.stream;
}

async function list({ db, query }: RouteContext) {
  const raw = typeof query.path === 'string' ? query.path : '';
  const location = parseProxiedPath(raw);
  if (location === undefined) return {};
  const files = await listEntries(db, location.runId, location.path, 'folder');
  return files.length === 0 ? {} : { files };
}

async function remove({ db, params }: RouteContext) {
  const location = parseProxiedPath(String(params['*'] ?? ''));
  if (location === undefined) return {};
  const listing = await db.listArtifacts(location.runId, location.path === '' ? { recursive: true } : { prefix: `${location.path}/`, recursive: true });
  for (const file of listing.files) await db.deleteArtifact(location.runId, file.path);
  if (location.path !== '') await db.deleteArtifact(location.runId, location.path).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
  });
  return {};
}

/** The tracking API's `artifacts/list` (what MLflow's UI calls): paths relative to the run's root. */
export async function listRunArtifacts(db: AiDatabase, runId: number, path: string, rootUri: string) {
  if (path !== '') {
    try {
      checkArtifactPath(path.replace(/\/+$/, ''));
    } catch {
      throw invalidPath();
    }
  }
  const files = await listEntries(db, runId, path.replace(/\/+$/, ''), 'root');
  return files.length === 0 ? { root_uri: rootUri } : { root_uri: rootUri, files };
}

function route(protocol: RouteProtocol, method: RouteSpec['method'], url: string, handler: RouteSpec['handler'], extra: Partial<RouteSpec> = {}): RouteSpec {
  return {
    method,
    url,
    operationId: `mlflow ${method} ${url}`,
    summary: `MLflow artifact proxy ${method}`,
    tag: 'mlflow',
    status: 200,
    protocol,
    handler,
    ...extra,
  };
}

/**
 * What MLflow's own server answers about proxied multipart uploads when its artifact repository has
 * none (a local folder): the client (MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD) recognises this exact
 * message and falls back to one streamed PUT, which aimdb stores streaming anyway (decision 1012).
 */
export const MULTIPART_UNSUPPORTED = 'Multipart upload is not supported for the current artifact repository';

async function multipartUnsupported(): Promise<never> {
  throw new MlflowError('NOT_IMPLEMENTED', MULTIPART_UNSUPPORTED);
}

/** The proxy's routes, answering errors in MLflow's shape through `protocol`. */
export function mlflowArtifactRoutes(protocol: RouteProtocol): RouteSpec[] {
  return PREFIXES.flatMap((prefix) => [
    route(protocol, 'PUT', `${prefix}/*`, upload, { rawBody: { description: 'the file bytes' } }),
    route(protocol, 'GET', `${prefix}/*`, download, { rawResponse: { description: 'the file bytes' } }),
    route(protocol, 'GET', prefix, list),
    route(protocol, 'DELETE', `${prefix}/*`, remove),
    ...['create', 'complete', 'abort'].flatMap((step) => {
      const base = prefix.replace(/\/artifacts$/, `/mpu/${step}`);
      return [route(protocol, 'POST', base, multipartUnsupported), route(protocol, 'POST', `${base}/*`, multipartUnsupported)];
    }),
  ]);
}
