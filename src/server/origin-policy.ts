/**
 * Which web origins may use the API from a browser. The server's own origin always may; others only
 * when listed in `server.corsAllowedOrigins` (`--cors-allowed-origins`,
 * `AIMDB_SERVER_CORS_ALLOWED_ORIGINS`): `*` (any origin), `https://app.example.com`,
 * `http://localhost:3000`, or `https://*.example.com` (every origin under a domain, on that scheme
 * and port). The same patterns feed @fastify/cors (which answers preflights and adds the
 * Access-Control-* headers) and the server's own refusal of writes from other origins, which CORS
 * alone does not give: a browser sends a "simple" cross-origin POST without asking first.
 */
import { ValidationError } from '../core/errors.js';
import { parseHost } from './host-policy.js';

/** An `Origin` matcher in the form @fastify/cors takes: an exact origin or a pattern. */
export type OriginMatcher = string | RegExp;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles one `corsAllowedOrigins` (or `frameAncestors`) entry; throws a ValidationError naming
 * `field` when it is not an origin. `*` is returned as is.
 */
export function compileOriginPattern(pattern: string, field: string): OriginMatcher {
  const text = pattern.trim().replace(/\/$/, '');
  if (text === '*') return '*';
  const problem = () =>
    new ValidationError(
      `${field}: '${pattern}' is not an origin; use scheme://host[:port] without a path ` +
        `(https://app.example.com, http://localhost:3000), https://*.example.com for every origin under a domain, or '*'`,
      { field },
    );
  const wildcard = text.includes('://*.');
  let url: URL;
  try {
    url = new URL(wildcard ? text.replace('://*.', '://wildcard.') : text);
  } catch {
    throw problem();
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare || text.endsWith('/')) {
    throw problem();
  }
  if (!wildcard) return url.origin;
  const rest = url.host.slice('wildcard.'.length);
  return new RegExp(`^${escapeRegExp(url.protocol)}//([a-z0-9_-]+\\.)+${escapeRegExp(rest)}$`);
}

/** Compiles the configured origins for @fastify/cors: false (CORS off), '*', or the matchers. */
export function corsOriginOption(origins: readonly string[]): false | '*' | OriginMatcher[] {
  if (origins.length === 0) return false;
  const matchers = origins.map((origin, index) => compileOriginPattern(origin, `server.corsAllowedOrigins.${index}`));
  return matchers.includes('*') ? '*' : matchers;
}

/** True when `origin` (an Origin header) names the same host and port the request was sent to. */
export function isSameOrigin(origin: string, hostHeader: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const fromOrigin = parseHost(url.host);
  const fromHost = parseHost(hostHeader);
  return (
    fromOrigin !== undefined &&
    fromHost !== undefined &&
    fromOrigin.hostname === fromHost.hostname &&
    fromOrigin.port === fromHost.port
  );
}

/** Decides whether a request's Origin may act on the API: its own origin, or a configured one. */
export function createOriginCheck(origins: readonly string[]): (origin: string, hostHeader: string | undefined) => boolean {
  const option = corsOriginOption(origins);
  return (origin, hostHeader) => {
    if (isSameOrigin(origin, hostHeader)) return true;
    if (option === false) return false;
    if (option === '*') return true;
    return option.some((matcher) => (typeof matcher === 'string' ? matcher === origin : matcher.test(origin)));
  };
}
