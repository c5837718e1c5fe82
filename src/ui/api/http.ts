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

/** GETs a JSON answer. */
export function getJson<T>(path: string, query: Record<string, QueryValue> = {}, signal?: AbortSignal): Promise<T> {
  return callJson<T>(apiUrl(path, query), { method: 'GET' }, signal);
}

/** POSTs a JSON body and reads a JSON answer (also for reads whose input is too long for a URL). */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return callJson<T>(apiUrl(path), { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' }, signal);
}

async function callJson<T>(url: string, request: { method: string; body?: string; contentType?: string }, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const token = getToken();
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    const init: RequestInit = { method: request.method, headers, ...(request.body === undefined ? {} : { body: request.body }) };
    response = await fetch(url, signal === undefined ? init : { ...init, signal });
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
