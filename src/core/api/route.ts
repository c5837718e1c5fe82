/**
 * What a REST route is, without any server: method, path, the core schemas of its path parameters,
 * query, body and answer, its OpenAPI operation id and whether a read-scope token may call it. The
 * server attaches a handler to each (src/server/routes), the HTTP client and the dashboard build
 * their requests from the same declarations (decision 0130), so a path is written once.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a path parameter is read: a positive integer id, an id or a name, any text in one segment, or
 * `rest`: the rest of the path, `/` separators included (an artifact path such as
 * `model/weights.pt`). A `rest` parameter is written `:name*` and ends the URL.
 */
export type PathParamKind = 'id' | 'idOrName' | 'text' | 'rest';

export interface PathParam {
  kind: PathParamKind;
  description: string;
}

/** One route of aimdb's REST API (src/core/api/routes.ts holds them all). */
export interface ApiRoute {
  method: RouteMethod;
  /**
   * Path with `:name` parameters, e.g. `/api/v1/models/:idOrName`; a last `:name*` takes the rest of
   * the path (a `rest` parameter), e.g. `/api/v1/runs/:id/artifacts/:path*`.
   */
  url: string;
  /** The AiDatabase method the route calls; also the OpenAPI operationId. */
  operationId: string;
  summary: string;
  /** OpenAPI tag (the resource). */
  tag: string;
  params?: Record<string, PathParam>;
  /** The core schema the store validates the query with (a strict object). */
  query?: z.ZodObject;
  /**
   * The query schema is the route's own (the store method takes plain arguments), so the server
   * validates the query with it before calling the handler.
   */
  validateQuery?: boolean;
  /** The core schema of the body, for the OpenAPI document. */
  body?: z.ZodType;
  bodyRequired?: boolean;
  /** How the store names the body in error fields (`model`, `hyperparameters`); none for envelopes. */
  bodyName?: string;
  /**
   * A POST that only reads (a query too long for a URL travels as its body): read-scope tokens may
   * send it, and a client may retry it.
   */
  readsOnly?: boolean;
  /**
   * Whether sending the request twice has the effect of sending it once, so a client may re-send it
   * after a broken connection. Default: GET, PUT, DELETE and `readsOnly` routes are.
   */
  retrySafe?: boolean;
  /** Status of a successful answer: 200, 201 or 204. */
  status: 200 | 201 | 204;
  /** Schema of a successful answer, for the OpenAPI document. */
  response?: z.ZodType;
  /**
   * The body is bytes of any content type, handed to the handler unread as a stream (`body` is the
   * request's Readable), so an upload of any size never sits in the server's memory.
   */
  rawBody?: { description: string };
  /**
   * The answer is bytes the handler streams (a Readable) with its own status and headers
   * (206 for a range, ETag, content type), not JSON.
   */
  rawResponse?: { description: string };
}

/** Declares a route, keeping its literal types (path parameter names and kinds, schemas) for callers. */
export const route = <const R extends ApiRoute>(declared: R): R => declared;

type ParamValue<K extends PathParamKind> = K extends 'id' ? number : K extends 'idOrName' ? number | string : string;

/** The path parameters of a route, typed by their kind (`id` → number). */
export type ParamsOf<R extends ApiRoute> = R['params'] extends Record<string, PathParam>
  ? { [N in keyof R['params']]: ParamValue<R['params'][N]['kind']> }
  : Record<string, never>;

type SchemaInput<S> = S extends z.ZodType ? z.input<S> : undefined;

/**
 * The body a route takes, as its core schema describes it. On the server it is not yet checked:
 * the store validates it (naming the fields as the embedded store does), so handlers pass it on.
 */
export type BodyOf<R extends ApiRoute> = SchemaInput<R['body']>;

/** The query a route takes, as its core schema describes it (checked by the server or the store). */
export type QueryOf<R extends ApiRoute> = SchemaInput<R['query']>;

/** Whether a client may re-send the request after a broken connection. */
export function isRetrySafe(declared: ApiRoute): boolean {
  return declared.retrySafe ?? (declared.method !== 'POST' && declared.method !== 'PATCH' ? true : declared.readsOnly === true);
}

/** `:name` (one segment) or, at the end, `:name*` (the rest of the path). */
const PATH_PARAM = /:([A-Za-z]+)(\*?)/g;

/**
 * The path of a route with its parameters filled in: ids as digits, names URL-encoded (a `/` in a
 * metric name stays inside its segment); a `rest` parameter one encoded segment per `/`-separated
 * part, so its separators stay separators.
 */
export function pathOf<R extends ApiRoute>(declared: R, params: ParamsOf<R>): string {
  return declared.url.replace(PATH_PARAM, (_match, name: string, rest: string) => {
    const value = (params as Record<string, number | string | undefined>)[name];
    if (value === undefined || (rest !== '' && value === '')) throw new ValidationError(`${name}: required`, { field: name });
    return rest === '' ? encodeURIComponent(String(value)) : String(value).split('/').map(encodeURIComponent).join('/');
  });
}

/** The name of a route's `rest` parameter (`:path*`), if it has one. */
export function restParamOf(declared: ApiRoute): string | undefined {
  return /:([A-Za-z]+)\*$/.exec(declared.url)?.[1];
}

/** The route's path in the router's syntax (find-my-way): a `rest` parameter becomes the wildcard `*`. */
export function routerPathOf(declared: ApiRoute): string {
  return declared.url.replace(/:[A-Za-z]+\*$/, '*');
}

/** The route's path in OpenAPI's syntax: `:id` becomes `{id}`, `:path*` becomes `{path}`. */
export function openApiPathOf(declared: Pick<ApiRoute, 'url'>): string {
  return declared.url.replace(PATH_PARAM, (_match, name: string) => `{${name}}`);
}

const DIGITS = /^[0-9]+$/;

/** Converts one path parameter as the server receives it; a malformed id is a 422 naming the parameter. */
export function readPathParam(name: string, kind: PathParamKind, raw: string): number | string {
  if (kind === 'text' || kind === 'rest') return raw;
  if (DIGITS.test(raw)) {
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value > 0) return value;
  }
  if (kind === 'idOrName') return raw;
  throw new ValidationError(`${name}: must be a positive integer id, got '${raw.slice(0, 100)}'`, { field: name });
}
