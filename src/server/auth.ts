/**
 * Bearer tokens with a scope: `read` tokens may only read (GET, HEAD, and the POST routes that only
 * read), `write` tokens may do everything. Tokens are compared by their SHA-256 digests with
 * `timingSafeEqual`, against every configured token without stopping at a match, so timing tells
 * nothing about a token's content.
 * The token itself is never logged; its configured name is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import type { ServerToken } from './server-config.js';

interface KnownToken {
  digest: Buffer;
  scope: 'read' | 'write';
  name: string;
}

const digestOf = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who sent a request, once its token was checked. */
export interface Caller {
  name: string;
  scope: 'read' | 'write';
}

const callers = new WeakMap<FastifyRequest, Caller>();
/** Remembers who sent the request (set once its token was checked). */
export function rememberCaller(request: FastifyRequest, caller: Caller): void {
  callers.set(request, caller);
}
/**
 * Who a change is recorded as (the registry's event log): the token's name when tokens are
 * configured; without them, what the client said (nobody is authenticated to say otherwise).
 */
export function actorOf(request: FastifyRequest, claimed: unknown): string | null {
  const caller = callers.get(request);
  if (caller !== undefined) return caller.name;
  return typeof claimed === 'string' && claimed !== '' ? claimed : null;
}

/** Whether the request only reads: a GET or HEAD, or a route marked `readsOnly` (a query sent as a POST body). */
function onlyReads(request: FastifyRequest): boolean {
  if (READ_METHODS.has(request.method)) return true;
  return (request.routeOptions.config as { readsOnly?: boolean } | undefined)?.readsOnly === true;
}

/**
 * Returns a check for requests, or undefined when no token is configured (authentication off).
 * The check throws UnauthorizedError or ForbiddenError, and returns the caller otherwise.
 */
export function createTokenCheck(tokens: ServerToken[]): ((request: FastifyRequest) => Caller) | undefined {
  if (tokens.length === 0) return undefined;
  const known: KnownToken[] = tokens.map((token, index) => ({
    digest: digestOf(token.token),
    scope: token.scope,
    name: token.name ?? `token ${index + 1}`,
  }));
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ ]+(.+)$/i.exec(header.trim()) : null;
    if (match === null) throw new UnauthorizedError('a bearer token is required (Authorization: Bearer <token>)');
    const presented = digestOf(match[1]!);
    let found: KnownToken | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented) && found === undefined) found = candidate;
    }
    if (found === undefined) throw new UnauthorizedError('the bearer token is not valid');
    if (found.scope === 'read' && !onlyReads(request)) {
      throw new ForbiddenError(`the token '${found.name}' has the read scope; ${request.method} needs a write token`);
    }
    return { name: found.name, scope: found.scope };
  };
}
