/**
 * The one error shape, `{ error: { code, message, field?, entity? } }`, for every failed request.
 * Store errors keep their code and status (HTTP_STATUS_BY_CODE); Fastify's own 4xx (malformed JSON,
 * oversized body, wrong media type, a malformed or over-long URL) are translated; anything unexpected is a 500 whose message
 * names only the request id: SQL, stack traces and connection strings stay in the server log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AimdbError, HTTP_STATUS_BY_CODE, type WireError } from '../core/errors.js';
import type { RouteProtocol } from './route-spec.js';

/** Status and wire body for an error, as the server answers it. */
export function toWireError(
  error: unknown,
  request: FastifyRequest,
  bodyLimitBytes: number,
): { status: number; body: { error: WireError } } {
  if (error instanceof AimdbError) {
    const status = HTTP_STATUS_BY_CODE[error.code];
    if (status >= 500 && error.code === 'backend_error') return internal(request);
    return { status, body: { error: error.toJSON() } };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return {
      status: 413,
      body: {
        error: {
          code: 'payload_too_large',
          message: `the request body is larger than the server's limit of ${bodyLimitBytes} bytes (server.bodyLimitBytes)`,
          field: 'body',
        },
      },
    };
  }
  if (fastifyError.code === 'FST_ERR_BAD_URL' || fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // Raised by the router before any route (or hook) runs; the message quotes only the path.
    const message =
      fastifyError.code === 'FST_ERR_BAD_URL'
        ? 'url: the path is not valid percent-encoding'
        : 'url: a path segment is longer than the server accepts (2048 characters)';
    return { status: status ?? 400, body: { error: { code: 'validation_failed', message, field: 'url' } } };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: { code: 'validation_failed', message: describeClientError(fastifyError), field: 'body' } } };
  }
  return internal(request);
}

function describeClientError(error: Partial<FastifyError>): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'body: send JSON with content-type application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body: content-type is application/json but the body is empty';
    default:
      if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.name === 'SyntaxError') {
        // The parser's message says where the JSON broke; it holds no server internals.
        return `body: not valid JSON (${(error.message ?? '').slice(0, 200)})`;
      }
      return `request: ${(error.message ?? 'rejected').slice(0, 200)}`;
  }
}

function internal(request: FastifyRequest) {
  return {
    status: 500,
    body: {
      error: {
        code: 'backend_error' as const,
        message: `the server could not complete the request; its log has the details under request id ${request.id}`,
      },
    },
  };
}

/** Fastify error handler: logs the full error (5xx with cause, 4xx briefly) and answers the wire shape. */
export function createErrorHandler(bodyLimitBytes: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const protocol = (request.routeOptions.config as { protocol?: RouteProtocol } | undefined)?.protocol;
    if (protocol !== undefined) {
      const answer = protocol.errorAnswer(error, request);
      if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ protocol: protocol.name, status: answer.status }, error instanceof Error ? error.message : 'rejected');
      return reply.status(answer.status).send(answer.body);
    }
    const { status, body } = toWireError(error, request, bodyLimitBytes);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, field: body.error.field }, body.error.message);
    return reply.status(status).send(body);
  };
}
