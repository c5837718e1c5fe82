/**
 * One JSON request to an aimdb server: bearer token, typed errors rebuilt from the wire, and
 * retries when the connection fails. Requests go through node:http(s) with a keep-alive agent
 * (several times less overhead per call than fetch), or through a caller-supplied fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { BackendError, UnreachableError, ValidationError, errorFromWire, type AimdbError } from '../core/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpTransportOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8765`. */
  url: string;
  token?: string | undefined;
  /** How many times a failed connection is retried (default 3). */
  retries?: number | undefined;
  /** Send through this fetch instead of the built-in keep-alive agent. */
  fetch?: typeof fetch | undefined;
}

interface Exchange {
  status: number;
  text: string;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path from the server's root (`/api/v1/…`), already encoded. */
  path: string;
  query?: Record<string, unknown> | undefined;
  body?: unknown;
  /** How the store names the body in error fields (`model`, `hyperparameters`); none for envelopes. */
  bodyName?: string | undefined;
  /**
   * Whether sending the request twice has the effect of sending it once. A connection that failed
   * after the request may have reached the server is retried only then; a refused connection
   * (nothing was sent) is always retried.
   */
  idempotent: boolean;
  /**
   * The caller built the body with finite numbers only, so the scan for NaN and ±Infinity (which
   * JSON would turn into null) is skipped; it costs as much as serialising a large batch.
   */
  finiteNumbersChecked?: boolean | undefined;
}

/** Error codes of a connection that was never established: the server cannot have seen the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Error codes of a connection that broke mid-request: the server may or may not have acted. */
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ETIMEDOUT']);

function connectionErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NOT_SENT_CODES.has(code) || BROKEN_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends query parameters: arrays repeat the key (an empty array is the key with no value, so the
 * server refuses it as the store does), Dates travel as ISO strings, nullish values are left out.
 */
export function toQueryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) && value.length === 0) params.append(key, '');
    for (const item of Array.isArray(value) ? value : [value]) {
      params.append(key, item instanceof Date ? item.toISOString() : String(item));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The path of the first NaN or ±Infinity in a value, or undefined. JSON.stringify would quietly turn
 * them into null, where the embedded store rejects them; checking here keeps both the same.
 */
export function findNonFiniteNumber(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object' || value instanceof Date) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item === 'object' || typeof item === 'number') {
        const found = findNonFiniteNumber(item, [...path, String(index)]);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' || typeof item === 'number') {
      const found = findNonFiniteNumber(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Sends JSON requests to one server; see HttpRequest for the retry rule. */
export class HttpTransport {
  readonly #root: string;
  /** The API's base URL, as errors name it. */
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #retries: number;
  readonly #fetch: typeof fetch | undefined;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(options: HttpTransportOptions) {
    this.#root = options.url.replace(/\/+$/, '');
    this.#baseUrl = `${this.#root}/api/v1`;
    this.#headers = { accept: 'application/json' };
    if (options.token !== undefined && options.token !== '') this.#headers.authorization = `Bearer ${options.token}`;
    this.#retries = options.retries ?? 3;
    this.#fetch = options.fetch;
    const secure = this.#baseUrl.startsWith('https:');
    this.#agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.#request = secure ? https.request : http.request;
  }

  /** Closes the pooled connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** One HTTP exchange; rejects only when the connection fails. */
  async #exchange(url: string, method: HttpMethod, headers: Record<string, string>, body: string | undefined): Promise<Exchange> {
    if (this.#fetch !== undefined) {
      const response = await this.#fetch(url, { method, headers, body });
      return { status: response.status, text: await response.text() };
    }
    return new Promise<Exchange>((resolve, reject) => {
      const outgoing = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
      const request = this.#request(url, { method, headers: outgoing, agent: this.#agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('aborted', () => reject(Object.assign(new Error('the server closed the connection mid-answer'), { code: 'ECONNRESET' })));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Sends the request and returns the parsed JSON answer (undefined for 204). */
  async send(request: HttpRequest): Promise<unknown> {
    const url = `${this.#root}${request.path}${toQueryString(request.query)}`;
    const headers = { ...this.#headers };
    let body: string | undefined;
    if (request.body !== undefined) {
      const nonFinite = request.finiteNumbersChecked === true ? undefined : findNonFiniteNumber(request.body);
      if (nonFinite !== undefined) {
        const field = [request.bodyName, ...nonFinite].filter((part) => part !== undefined && part !== '').join('.');
        throw new ValidationError(
          `${field}: must be a finite number (JSON cannot carry NaN or Infinity; only metric values may be non-finite)`,
          { field },
        );
      }
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    // Whether an earlier attempt may have been carried out although its answer never arrived.
    let maybeDone = false;
    for (let attempt = 0; ; attempt++) {
      let response: Exchange;
      try {
        response = await this.#exchange(url, request.method, headers, body);
      } catch (error) {
        const code = connectionErrorCode(error);
        if (code !== undefined && !NOT_SENT_CODES.has(code)) maybeDone = true;
        const retryable = code !== undefined && (NOT_SENT_CODES.has(code) || request.idempotent);
        if (retryable && attempt < this.#retries) {
          await sleep(Math.min(50 * 2 ** attempt, 2000));
          continue;
        }
        throw new UnreachableError(
          `aimdb server at ${this.#baseUrl} could not be reached (${code ?? (error as Error).message})` +
            (attempt > 0 ? ` after ${attempt + 1} attempts` : ''),
          { cause: error },
        );
      }
      const { status, text } = response;
      if (status >= 200 && status < 300) return status === 204 || text === '' ? undefined : (JSON.parse(text) as unknown);
      const error = this.#errorFrom(response.status, text);
      // A DELETE whose first answer was lost finds nothing to delete when it is re-sent: most likely
      // because the first one deleted it. The caller asked for the thing to be gone, and it is.
      if (request.method === 'DELETE' && maybeDone && error.code === 'not_found') return undefined;
      // A 503 that is not an aimdb error is a server refusing work while it shuts down (or a load
      // balancer without a healthy server): the request was not processed, so any method may retry.
      if (response.status === 503 && error.code === 'backend_error' && attempt < this.#retries) {
        await sleep(Math.min(50 * 2 ** attempt, 2000));
        continue;
      }
      throw error;
    }
  }

  /**
   * Sends a body of bytes as a stream (an artifact upload; `path` from the server's root, encoded)
   * and returns the parsed JSON answer. Never
   * retried: the stream is read once.
   */
  async upload(path: string, query: Record<string, unknown>, contentType: string, body: Readable): Promise<unknown> {
    const url = `${this.#root}${path}${toQueryString(query)}`;
    const headers = { ...this.#headers, 'content-type': contentType };
    const { status, text } = await new Promise<Exchange>((resolve, reject) => {
      const request = this.#request(url, { method: 'PUT', headers, agent: this.#agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', (error) => {
        body.destroy();
        reject(error);
      });
      body.on('error', (error) => {
        // The source failed: abort the request so the server stores nothing.
        request.destroy(error);
        reject(error);
      });
      body.pipe(request);
    }).catch((error: unknown) => {
      const code = connectionErrorCode(error);
      if (code === undefined) throw error;
      throw new UnreachableError(`aimdb server at ${this.#baseUrl} could not be reached (${code})`, { cause: error });
    });
    if (status >= 200 && status < 300) return text === '' ? undefined : (JSON.parse(text) as unknown);
    throw this.#errorFrom(status, text);
  }

  /**
   * A GET whose answer is bytes (`path` from the server's root, encoded): resolves once the headers
   * arrived, with the body as a stream
   * (JSON errors are read and thrown as typed errors instead).
   */
  async download(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Readable }> {
    const url = `${this.#root}${path}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const request = this.#request(url, { method: 'GET', headers: { ...this.#headers, accept: '*/*', ...headers }, agent: this.#agent }, resolve);
          request.on('error', reject);
          request.end();
        });
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return { status, headers: response.headers, body: response };
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        throw this.#errorFrom(status, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        const code = connectionErrorCode(error);
        if (code === undefined) throw error;
        if (attempt < this.#retries) {
          await sleep(Math.min(50 * 2 ** attempt, 2000));
          continue;
        }
        throw new UnreachableError(`aimdb server at ${this.#baseUrl} could not be reached (${code})`, { cause: error });
      }
    }
  }

  #errorFrom(status: number, text: string): AimdbError {
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string; entity?: string } };
      if (parsed.error !== undefined && typeof parsed.error === 'object' && typeof parsed.error.code === 'string') {
        return errorFromWire(parsed.error);
      }
    } catch {
      // Not our error shape (a proxy's page, say): described by its status below.
    }
    return new BackendError(`aimdb server answered HTTP ${status} without an aimdb error body`);
  }
}
