/**
 * The one place the dashboard calls the REST API: adds the bearer token, turns the server's error
 * body (`{ error: { code, message, field? } }`) into an ApiError, and leaves decoding to the caller.
 */
import { pathOf, type ApiRoute, type ParamsOf } from '../../core/api/route.js';
import type { ErrorCode } from '../../core/errors.js';
import { getToken } from './token-store.js';

/** A failed API call, carrying the server's error code (or `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unexpected_answer';
  readonly field: string | undefined;
  /** 1-based column of a query that did not parse (the run query language's errors carry it). */
  readonly position: number | undefined;

  constructor(status: number, code: ApiError['code'], message: string, field?: string, position?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.position = position;
  }

  /** True when a token is missing, wrong, or lacks the scope. */
  get isAuthProblem(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export type QueryValue = string | number | boolean | Date | undefined | null;

/** Builds `<path>?…` (a path such as `/api/v1/runs`), leaving out empty values. */
export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const search = params.toString();
  return `${path}${search === '' ? '' : `?${search}`}`;
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

/** One call of a declared route (src/core/api/routes.ts); `params` is required when its path has parameters. */
export type RouteCall<R extends ApiRoute> = (R['params'] extends Record<string, unknown> ? { params: ParamsOf<R> } : { params?: undefined }) & {
  query?: Record<string, QueryValue>;
  body?: unknown;
};

/** The URL of one call of a declared route: its path with the parameters filled in, and the query. */
export function routeUrl<R extends ApiRoute>(declared: R, call: Omit<RouteCall<R>, 'body'>): string {
  return apiUrl(pathOf(declared, (call.params ?? {}) as ParamsOf<R>), call.query);
}

/** Calls a route of the REST API and reads its JSON answer (decoding is the caller's). */
export function callRoute<R extends ApiRoute>(declared: R, call: RouteCall<R>, signal?: AbortSignal): Promise<unknown> {
  const url = routeUrl(declared, call);
  return call.body === undefined
    ? callJson<unknown>(url, { method: declared.method }, signal)
    : callJson<unknown>(url, { method: declared.method, body: JSON.stringify(call.body), contentType: 'application/json' }, signal);
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
    const error = (body as { error?: { code?: ErrorCode; message?: string; field?: string; position?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'unexpected_answer',
      error?.message ?? `The server answered ${response.status} ${response.statusText}`,
      error?.field,
      typeof error?.position === 'number' ? error.position : undefined,
    );
  }
  return body as T;
}
