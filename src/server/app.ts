/**
 * The Fastify application: every AiDatabase method as a route, the OpenAPI document and its docs
 * page, health probes, bearer-token auth, Host/Origin checks and security headers (browser-safety.ts),
 * one error shape, and the dashboard when it is built.
 * It does not listen; `startServer` (serve.ts) does, and tests drive it in-process.
 */
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { restParamOf, routerPathOf } from '../core/api/route.js';
import { SchemaOutdatedError, ValidationError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import type { ServerConfig } from '../config/config.js';
import type { AiDatabase } from '../store/index.js';
import { createTokenCheck, rememberCaller } from './auth.js';
import { docsContentSecurityPolicy, registerBrowserSafety } from './browser-safety.js';
import { createErrorHandler, toWireError } from './error-handler.js';
import { registerGracefulClose } from './graceful-close.js';
import { buildOpenApiDocument, toJsonSchema } from './openapi.js';
import { protocolOptions, registerRequestTimeout, serializeRequest, servesDashboardPage } from './protocol-edges.js';
import { coerceQuery, queryShapes, readPathParam, type RouteProtocol, type RouteSpec } from './route-spec.js';
import { API_ROUTES } from './routes/index.js';
import { resolveServerConfig, type EffectiveServerConfig } from './server-config.js';

/** The package root, from this file's place in `src/server` or `dist/server`. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the built dashboard is looked for by default. */
export const DEFAULT_UI_DIR = path.join(PACKAGE_ROOT, 'dist', 'ui');

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export interface BuildAppOptions {
  db: AiDatabase;
  /** Server settings (already layered); defaults fill what is unset. */
  server?: ServerConfig;
  /**
   * false: no logs. A pino logger: used as is. Pino options: merged over the defaults (level from
   * `server.logLevel`, the Authorization header redacted). Default: JSON logs to stdout.
   */
  logger?: boolean | FastifyBaseLogger | Record<string, unknown>;
  /** The built dashboard to serve at `/` (default `dist/ui` of the package); false: none. */
  uiDir?: string | false;
}

function loggerOptions(
  logger: BuildAppOptions['logger'],
  config: EffectiveServerConfig,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false };
  if (logger !== undefined && logger !== true && typeof (logger as FastifyBaseLogger).child === 'function') {
    return { loggerInstance: logger as FastifyBaseLogger };
  }
  const defaults = {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: { req: serializeRequest },
  };
  return { logger: logger === undefined || logger === true ? defaults : { ...defaults, ...(logger as object) } };
}

/** Builds the app (routes registered, not listening). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config = resolveServerConfig(options.server);
  const { db } = options;
  const app = Fastify({
    ...loggerOptions(options.logger, config),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Metric names (up to 250 characters, URL-encoded) travel in paths.
    routerOptions: { maxParamLength: 2048 },
    forceCloseConnections: 'idle',
    // JSON.parse makes `__proto__` an ordinary own key, never a prototype; the store then refuses it
    // with a 422 naming the field, exactly as the library does (Fastify's default answered a bare
    // 400 "not valid JSON"). `constructor.prototype` is ordinary data, stored as in the library.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    return503OnClosing: true,
    ...protocolOptions(config),
  });

  app.setErrorHandler(createErrorHandler(config.bodyLimitBytes));
  // First, so the Host and Origin checks and the security headers cover every route registered after.
  await registerBrowserSafety(app, config);
  registerRequestTimeout(app, config);

  registerGracefulClose(app);

  // JSON bodies of a protocol's routes are parsed its way (MLflow's messages need to know that 9.0
  // was written as a float); every other route keeps Fastify's parser.
  const defaultJsonParser = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const protocol = (request.routeOptions.config as { protocol?: RouteProtocol } | undefined)?.protocol;
    if (protocol?.parseJson === undefined) return defaultJsonParser(request, body as string, done);
    try {
      done(null, body === '' ? undefined : protocol.parseJson(body as string));
    } catch (error) {
      (error as { statusCode?: number }).statusCode = 400;
      done(error as Error, undefined);
    }
  });

  const checkToken = createTokenCheck(config.tokens);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Decided by the matched route, not the raw URL: `/%61pi/v1/models` reaches the same route.
    const routeConfig = request.routeOptions.config as { requiresToken?: boolean };
    if (checkToken !== undefined && routeConfig.requiresToken === true) {
      const caller = checkToken(request);
      rememberCaller(request, caller);
      // Both, so the 'request completed' line (written through reply.log) names the caller too.
      request.log = request.log.child({ token: caller.name });
      reply.log = request.log;
    }
  });

  // The OpenAPI document is built on its first request (/openapi.json, /docs/json, /docs/yaml): it holds
  // 2–3 MB of heap for the life of the process, and most servers are never asked for it (decision 1305).
  // @fastify/swagger keeps the object it is given and the docs routes read it through
  // transformSpecification, so the one object is filled in place and every reader sees the same document.
  const document: Record<string, unknown> = {};
  const openApiDocument = () => {
    if (Object.keys(document).length === 0) {
      Object.assign(
        document,
        buildOpenApiDocument(
          API_ROUTES.filter((route) => route.protocol === undefined),
          {
            title: 'aimdb',
            version: packageVersion(),
            description:
              'The aimdb REST API: models, versions, datasets, training runs, hyperparameters, metrics, experiments and ' +
              'predictions. Errors answer { "error": { "code", "message", "field"?, "entity"? } }.',
          },
          checkToken !== undefined,
        ),
      );
    }
    return document;
  };
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    transformStaticCSP: docsContentSecurityPolicy,
    transformSpecification: () => openApiDocument(),
    transformSpecificationClone: false,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => openApiDocument());

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      const health = await db.health();
      if (health.schemaVersion !== health.latestSchemaVersion) {
        throw new SchemaOutdatedError(
          `the database schema is at ${health.schemaVersion ?? 'nothing'}, this server needs ${health.latestSchemaVersion}`,
        );
      }
      return { status: 'ready', ...health };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      const { body } = toWireError(error, request, config.bodyLimitBytes);
      return reply.status(503).send(body);
    }
  });

  for (const route of API_ROUTES) if (route.rawBody === undefined) registerRoute(app, route, db, config);
  // Routes taking raw bytes get their own context whose one content-type parser hands the request
  // stream through unread: uploads stream to the blob store instead of being buffered (and are not
  // bound by bodyLimitBytes, which is for JSON).
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const route of API_ROUTES) if (route.rawBody !== undefined) registerRoute(raw, route, db, config);
  });

  const uiDir = options.uiDir === undefined ? DEFAULT_UI_DIR : options.uiDir;
  const uiIndexExists = uiDir !== false && existsSync(path.join(uiDir, 'index.html'));
  if (uiIndexExists) await app.register(fastifyStatic, { root: uiDir, prefix: '/' });

  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if (uiIndexExists && servesDashboardPage(request.method, pathname)) {
      // The dashboard routes in the browser: each of its page paths gets its index.html.
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.status(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${pathname}`, entity: 'route' },
    });
  });

  return app;
}

function registerRoute(app: FastifyInstance, route: RouteSpec, db: AiDatabase, config: EffectiveServerConfig): void {
  if (route.protocol !== undefined) {
    registerProtocolRoute(app, route, db, config);
    return;
  }
  const shapes = route.query === undefined ? undefined : queryShapes(toJsonSchema(route.query) as never);
  // The router calls a rest parameter (`:path*`) `*`.
  const restParam = restParamOf(route);
  app.route({
    method: route.method,
    url: routerPathOf(route),
    config: { requiresToken: true, readsOnly: route.readsOnly === true, rawBody: route.rawBody !== undefined },
    handler: async (request, reply) => {
      const rawParams = request.params as Record<string, string>;
      const params: Record<string, number | string> = {};
      for (const [name, param] of Object.entries(route.params ?? {})) {
        params[name] = readPathParam(name, param.kind, rawParams[name === restParam ? '*' : name] ?? '');
      }
      const rawQuery = (request.query ?? {}) as Record<string, unknown>;
      let query: Record<string, unknown> = {};
      if (shapes !== undefined) query = coerceQuery(rawQuery, shapes);
      else if (Object.keys(rawQuery).length > 0) {
        throw new ValidationError(
          `query: unknown field(s) ${Object.keys(rawQuery).map((name) => `'${name}'`).join(', ')}; this route takes no query`,
          { field: 'query' },
        );
      }
      if (route.validateQuery === true && route.query !== undefined) query = parseInput(route.query, query, 'query');
      if (route.body === undefined && route.rawBody === undefined && request.body !== undefined && request.body !== null) {
        throw new ValidationError('body: this route takes no body', { field: 'body' });
      }
      const result = await route.handler({ db, params, query, body: request.body, config, request, reply });
      if (route.rawResponse !== undefined) return reply.send(result);
      if (route.status === 204) return reply.status(204).send();
      // A streamed answer (a long metric history) is JSON written as it is read.
      if (result instanceof Readable) reply.type('application/json; charset=utf-8');
      return reply.status(route.status).send(result);
    },
  });
}

/** Another API's route: the request goes to the handler as sent, and errors take the protocol's shape. */
function registerProtocolRoute(app: FastifyInstance, route: RouteSpec, db: AiDatabase, config: EffectiveServerConfig): void {
  app.route({
    method: route.method,
    url: routerPathOf(route),
    config: { requiresToken: true, readsOnly: route.readsOnly === true, rawBody: route.rawBody !== undefined, protocol: route.protocol },
    handler: async (request, reply) => {
      const result = await route.handler({
        db,
        params: request.params as Record<string, string>,
        query: (request.query ?? {}) as Record<string, unknown>,
        body: request.body,
        config,
        request,
        reply,
      });
      if (route.rawResponse !== undefined) return reply.send(result);
      return reply.status(route.status).send(result ?? {});
    },
  });
}
