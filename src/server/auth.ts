/**
 * Bearer tokens with a scope: `read` tokens may only read (GET, HEAD), `write` tokens may do
 * everything. Tokens are compared by their SHA-256 digests with `timingSafeEqual`, against every
 * configured token without stopping at a match, so timing tells nothing about a token's content.
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

/**
 * Returns a check for requests, or undefined when no token is configured (authentication off).
 * The check throws UnauthorizedError or ForbiddenError, and returns the caller otherwise.
 */
export function createTokenCheck(tokens: ServerToken[]): ((request: FastifyRequest, readOnly?: boolean) => Caller) | undefined {
  if (tokens.length === 0) return undefined;
  const known: KnownToken[] = tokens.map((token, index) => ({
    digest: digestOf(token.token),
    scope: token.scope,
    name: token.name ?? `token ${index + 1}`,
  }));
  // `readOnly`: the route only reads although its method is not GET (a search sent as POST).
  return (request, readOnly = false) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ ]+(.+)$/i.exec(header.trim()) : null;
    if (match === null) throw new UnauthorizedError('a bearer token is required (Authorization: Bearer <token>)');
    const presented = digestOf(match[1]!);
    let found: KnownToken | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented) && found === undefined) found = candidate;
    }
    if (found === undefined) throw new UnauthorizedError('the bearer token is not valid');
    if (found.scope === 'read' && !readOnly && !READ_METHODS.has(request.method)) {
      throw new ForbiddenError(`the token '${found.name}' has the read scope; ${request.method} needs a write token`);
    }
    return { name: found.name, scope: found.scope };
  };
}
