/**
 * What keeps a server on a laptop safe from the web pages that laptop's browser opens, for every
 * route the app has or gets later (hooks on the root instance, registered before any route):
 *
 * - Host validation against DNS rebinding (host-policy.ts): a refused Host answers 403 in the error
 *   shape, and each refused value is logged once, so a page retrying in a loop cannot flood the log.
 * - Origin validation: a state-changing request or a preflight from another origin is refused
 *   unless that origin is configured (origin-policy.ts); CORS itself is @fastify/cors.
 * - Security headers by helmet: a CSP allowing only the server's own scripts, styles and
 *   connections (what Vite's build emits: one module script and one stylesheet, no inline code),
 *   frame-ancestors / X-Frame-Options, nosniff, Referrer-Policy: no-referrer. helmet's middleware
 *   is built once and applied in one hook: @fastify/helmet rebuilt it from the options on every
 *   request (parsing the CSP each time; a few percent of a small request's CPU, decision 1306).
 * - `Cache-Control: no-store` on answers of data routes (those marked `requiresToken`).
 */
import fastifyCors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { WireError } from '../core/errors.js';
import { createHostCheck } from './host-policy.js';
import { corsOriginOption, createOriginCheck } from './origin-policy.js';
import type { EffectiveServerConfig } from './server-config.js';

/** Distinct refused Host values logged one by one; past this, one more line says the rest are not. */
const MAX_LOGGED_REFUSED_HOSTS = 100;

/** Methods that change nothing; any other method from a foreign origin is refused. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Headers the dashboard and API clients send, and may read, across origins when CORS allows. */
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'x-request-id'];
const CORS_EXPOSED_HEADERS = ['x-request-id'];

function refuse(request: FastifyRequest, reply: FastifyReply, error: WireError): FastifyReply {
  // The request-id hook runs after this one; the answer still carries the id the log names.
  return reply.status(403).header('x-request-id', request.id).send({ error });
}

/** CSP `frame-ancestors` for the configured framing policy; undefined: no restriction. */
function frameAncestors(config: EffectiveServerConfig): string[] | undefined {
  if (config.frameAncestors.length > 0) return ["'self'", ...config.frameAncestors];
  if (config.xFrameOptions === 'NONE') return undefined;
  return config.xFrameOptions === 'DENY' ? ["'none'"] : ["'self'"];
}

/**
 * The CSP of the API docs page (Swagger UI, `/docs`): the same policy, except that Swagger UI adds
 * `<style>` elements at run time, so its style-src also allows inline styles. Scripts stay 'self'.
 */
export function docsContentSecurityPolicy(header: string): string {
  return header.replace(/style-src 'self'/, "style-src 'self' 'unsafe-inline'");
}

/** Registers the host and origin checks, helmet and CORS on the root instance (before any route). */
export async function registerBrowserSafety(app: FastifyInstance, config: EffectiveServerConfig): Promise<void> {
  const ancestors = frameAncestors(config);
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        // The favicon is `data:,` (no request for /favicon.ico).
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        ...(ancestors === undefined ? {} : { frameAncestors: ancestors }),
        // No upgrade-insecure-requests: the server speaks plain HTTP on loopback and LAN addresses.
      },
    },
    // X-Frame-Options cannot name another origin, so frame-ancestors alone speaks when one is allowed.
    xFrameOptions:
      config.frameAncestors.length > 0 || config.xFrameOptions === 'NONE'
        ? false
        : { action: config.xFrameOptions === 'DENY' ? 'deny' : 'sameorigin' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS belongs to whatever terminates TLS in front of aimdb; on plain HTTP browsers ignore it.
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));

  const hostAllowed = createHostCheck(config.host, config.allowedHosts);
  const loggedRefusedHosts = new Set<string>();
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (hostAllowed(host)) return;
    const shown = host === undefined ? '(none)' : JSON.stringify(host).slice(1, -1).slice(0, 200);
    if (!loggedRefusedHosts.has(shown) && loggedRefusedHosts.size <= MAX_LOGGED_REFUSED_HOSTS) {
      loggedRefusedHosts.add(shown);
      if (loggedRefusedHosts.size > MAX_LOGGED_REFUSED_HOSTS) {
        request.log.warn(`more than ${MAX_LOGGED_REFUSED_HOSTS} different Host headers refused; no longer logging each`);
      } else {
        request.log.warn(
          { host: shown },
          `refused Host '${shown}' (possible DNS rebinding); allow it with --allowed-hosts or server.allowedHosts if it is this server's name`,
        );
      }
    }
    return refuse(request, reply, {
      code: 'forbidden',
      field: 'host',
      message:
        `this server does not answer to the Host '${shown}'; ` +
        'its operator can allow it with --allowed-hosts, server.allowedHosts or AIMDB_SERVER_ALLOWED_HOSTS',
    });
  });

  const originAllowed = createOriginCheck(config.corsAllowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (SAFE_METHODS.has(request.method) && !isPreflight) return;
    if (originAllowed(origin, request.headers.host)) return;
    return refuse(request, reply, {
      code: 'forbidden',
      field: 'origin',
      message:
        `cross-origin ${isPreflight ? 'preflight' : request.method} from '${origin.slice(0, 200)}' refused; ` +
        'its operator can allow that origin with --cors-allowed-origins, server.corsAllowedOrigins or AIMDB_SERVER_CORS_ALLOWED_ORIGINS',
    });
  });

  await app.register(fastifyCors, {
    origin: corsOriginOption(config.corsAllowedOrigins),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });

  app.addHook('onSend', async (request, reply) => {
    const carriesData = (request.routeOptions.config as { requiresToken?: boolean } | undefined)?.requiresToken === true;
    if (carriesData) void reply.header('cache-control', 'no-store');
  });
}
