/**
 * What Node and Fastify answer before any route runs, brought under the API's rules (decision 0216):
 * their errors in the one error shape, no body after a HEAD, secrets in query strings kept out of
 * the log, slow clients cut off, and the dashboard's index.html only for the dashboard's own pages.
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyHttpOptions, FastifyInstance } from 'fastify';
import { isDashboardPath } from '../core/dashboard-pages.js';
import type { EffectiveServerConfig } from './server-config.js';
import { createErrorHandler } from './error-handler.js';

/** Node's limit on a request line plus headers (its `--max-http-header-size` default). */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The Fastify options for slow clients and for the errors its router raises itself (a malformed
 * percent-encoding, an over-long path segment), which otherwise answer in Fastify's own shape.
 */
export function protocolOptions(
  config: EffectiveServerConfig,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'connectionTimeout' | 'http' | 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    // Node's whole-request timeout applies to every request of a server alike, uploads of any size
    // included; aimdb keeps it itself instead (registerRequestTimeout), for every route but uploads.
    requestTimeout: 0,
    connectionTimeout: config.connectionTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: 0,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node checks the two timeouts on this interval (30 s by default), so a short timeout needs a short interval.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.headersTimeoutMs / 2))),
    },
    frameworkErrors: createErrorHandler(config.bodyLimitBytes),
    // Fastify calls it bound to the instance.
    clientErrorHandler(this: FastifyInstance, error, socket) {
      answerClientError(error as unknown as ClientError, socket, this.log);
    },
  };
}

/**
 * `server.requestTimeoutMs`: a request whose body has not fully arrived that long after its headers
 * is answered 408 (in the error shape) and its connection closed, as Node's own requestTimeout would.
 * Routes that take a raw body (artifact uploads, decision 1012) are exempt: a multi-gigabyte upload
 * may take longer than any sensible whole-request bound, and a stalled one is still cut off by the
 * connection's idle timeout (`server.connectionTimeoutMs`), as a stalled header is by headersTimeout.
 */
export function registerRequestTimeout(app: FastifyInstance, config: EffectiveServerConfig): void {
  app.addHook('onRequest', (request, reply, done) => {
    const incoming = request.raw;
    if (incoming.complete || (request.routeOptions.config as { rawBody?: boolean } | undefined)?.rawBody === true) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      if (incoming.complete || reply.sent || incoming.socket.destroyed) return;
      const error: ClientError = Object.assign(new Error('the request was not received in time'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
      answerClientError(error, incoming.socket, app.log);
    }, config.requestTimeoutMs);
    const clear = () => clearTimeout(timer);
    incoming.once('end', clear);
    incoming.once('close', clear);
    reply.raw.once('finish', clear);
    done();
  });
}

interface ClientError extends Error {
  code?: string;
  /** The bytes Node was parsing when it gave up (where the request line is, for a small request). */
  rawPacket?: Buffer;
}

type ClientErrorAnswer = { status: number; body: { error: { code: string; message: string; field: string } } };

const answer = (status: number, code: string, field: string, message: string): ClientErrorAnswer => ({
  status,
  body: { error: { code, message: `${field}: ${message}`, field } },
});

/** Status, and the error body, of a request Node's HTTP parser refused or timed out. */
function describeClientError(error: ClientError): ClientErrorAnswer {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return answer(408, 'validation_failed', 'request', 'not received in time (server.headersTimeoutMs for the headers, server.requestTimeoutMs for the whole request)');
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return answer(
      431,
      'payload_too_large',
      'headers',
      `the request line and headers are larger than ${MAX_HEADER_BYTES} bytes; send long id lists as a JSON body ` +
        '(POST /api/v1/latest-metrics/query, POST /api/v1/metric-summaries/query)',
    );
  }
  return answer(400, 'validation_failed', 'request', `not valid HTTP/1.1 (${error.code ?? 'parse error'})`);
}

/**
 * How long, and for how many bytes, a refused connection is still read after its answer. Closing a
 * socket while request bytes it never read wait in the kernel's buffer makes the kernel reset the
 * connection, and a client may then lose the answer before it reads it (ECONNRESET instead of 431
 * for a 70 KB request line). Reading and discarding for a bounded while, as web servers' "lingering
 * close" does, lets the answer arrive; a client that keeps sending is cut off at either bound.
 */
const LINGER_MS = 2_000;
const LINGER_MAX_BYTES = 1024 * 1024;

/**
 * Answers on the raw socket (no request object exists yet) and closes it. A HEAD gets the headers
 * only; the method is read from the bytes Node was parsing, which start with the request line for
 * any request that arrived in one piece.
 */
function answerClientError(error: ClientError, socket: Socket, log: FastifyBaseLogger): void {
  // Node's parser reports the same error again for bytes read while the answer lingers.
  if (error.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
  const { status, body } = describeClientError(error);
  log.info({ code: error.code, status }, body.error.message);
  // Once an answer to an earlier request on this connection has started, bytes written now would
  // corrupt it, and ending the socket would cut that answer short: the connection is only closed.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${head ? '' : text}`,
  );
  closeLingering(socket);
}

/** Reads and discards what the client still sends, then closes (see LINGER_MS). */
function closeLingering(socket: Socket): void {
  // The HTTP server's own reader would hand every further byte to its failed parser.
  socket.removeAllListeners('data');
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.resume();
}

/** Query parameters whose values are secrets by their name: never written to the log. */
const SECRET_PARAM = /token|secret|passw|api[-_]?key|access[-_]?key|auth|signature|credential|session/i;

/** A URL as logged: the values of secret-looking query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parts = url
    .slice(query + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed name is checked as it was sent.
      }
      return equals >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : part;
    });
  return `${url.slice(0, query)}?${parts.join('&')}`;
}

/** Pino's `req` serializer for the request log: Fastify's fields, with the URL redacted. */
export function serializeRequest(request: {
  method?: string;
  url?: string;
  version?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    version: request.version,
    host: request.host ?? request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Whether a request that matched no route gets the dashboard's index.html: a GET or HEAD of one of
 * its pages. Anything else (`/health`, `/api/...`, a missing asset) is a JSON 404.
 */
export function servesDashboardPage(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return isDashboardPath(url.split('?')[0]!);
}
