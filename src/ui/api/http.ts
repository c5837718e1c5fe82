/**
 * The one place the dashboard calls the REST API: adds the bearer token, turns the server's error
 * body (`{ error: { code, message, field? } }`) into an ApiError, and leaves decoding to the caller.
 */
import type { ErrorCode } from '../../core/errors.js';
import { getToken } from './token-store.js';

/** A failed API call, carrying the server's error code (or `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unexpected_answer';
  readonly field: string | undefined;

  constructor(status: number, code: ApiError['code'], message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** True when a token is missing, wrong, or lacks the scope. */
  get isAuthProblem(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export type QueryValue = string | number | boolean | Date | undefined | null;

/** Builds `/api/v1<path>?…`, leaving out empty values. */
export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const search = params.toString();
  return `/api/v1${path}${search === '' ? '' : `?${search}`}`;
}

/**
 * The request options for an API call. The token goes only to the page's own origin (the server
 * that served the dashboard): the URL is checked to be same-origin before the header is added, no
 * cookies are sent, and a redirect fails the call rather than carry the header elsewhere.
 */
export function apiRequest(url: string, token: string | null, signal?: AbortSignal): { url: URL; init: RequestInit } {
  const target = new URL(url, globalThis.location.href);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) {
    if (target.origin !== globalThis.location.origin) {
      throw new ApiError(0, 'unexpected_answer', `refusing to send the API token to ${target.origin}, which is not this dashboard's server`);
    }
    headers.authorization = `Bearer ${token}`;
  }
  const init: RequestInit = { headers, credentials: 'omit', redirect: 'error', mode: 'same-origin' };
  if (signal !== undefined) init.signal = signal;
  return { url: target, init };
}

/** GETs a JSON answer. */
export function getJson<T>(path: string, query: Record<string, QueryValue> = {}, signal?: AbortSignal): Promise<T> {
  return callJson<T>(apiUrl(path, query), { method: 'GET' }, signal);
}

/** POSTs a JSON body and reads a JSON answer (also for reads whose input is too long for a URL). */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return callJson<T>(apiUrl(path), { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' }, signal);
}

/** Sends a change (PUT, PATCH, DELETE) with an optional JSON body; the answer is undefined for a 204. */
export function sendJson<T>(method: 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, query: Record<string, QueryValue> = {}): Promise<T> {
  return callJson<T>(
    apiUrl(path, query),
    body === undefined ? { method } : { method, body: JSON.stringify(body), contentType: 'application/json' },
  );
}

async function callJson<T>(url: string, call: { method: string; body?: string; contentType?: string }, signal?: AbortSignal): Promise<T> {
  const request = apiRequest(url, getToken(), signal);
  request.init.method = call.method;
  if (call.body !== undefined) request.init.body = call.body;
  if (call.contentType !== undefined) (request.init.headers as Record<string, string>)['content-type'] = call.contentType;
  let response: Response;
  try {
    response = await fetch(request.url, request.init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', `The aimdb server did not answer (${(error as Error).message}). Is 'aimdb serve' running?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'unexpected_answer', `The server answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: ErrorCode; message?: string; field?: string } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'unexpected_answer',
      error?.message ?? `The server answered ${response.status} ${response.statusText}`,
      error?.field,
    );
  }
  return body as T;
}
