/**
 * A route served: its declaration (src/core/api) with the handler that calls the store. The store
 * validates with the same core schemas the declaration names, so a rule is written once and checked
 * once. Query-string conversion lives here too.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiRoute, BodyOf, ParamsOf, QueryOf } from '../core/api/route.js';
import type { AiDatabase } from '../store/index.js';
import type { EffectiveServerConfig } from './server-config.js';

export { readPathParam, type PathParamKind, type RouteMethod } from '../core/api/route.js';

export interface RouteContext {
  db: AiDatabase;
  /** Path parameters, converted by their kind. */
  params: Record<string, number | string>;
  /** Query parameters, converted to the types the query schema expects (numbers, arrays). */
  query: Record<string, unknown>;
  body: unknown;
  config: EffectiveServerConfig;
  request: FastifyRequest;
  /** For routes with `rawResponse`: the handler sets the status and headers itself. */
  reply: FastifyReply;
}

/**
 * The conventions of another API served from the same route table (MLflow's): its requests arrive
 * as sent (query strings and bodies are the handler's to read), and its errors take its own shape.
 */
export interface RouteProtocol {
  name: string;
  /** The status and body of an error thrown while serving the route (or by its token check). */
  errorAnswer(error: unknown, request: FastifyRequest): { status: number; body: unknown };
  /** Parses a JSON body in the protocol's way (default: Fastify's parser). */
  parseJson?(text: string): unknown;
}

export interface RouteSpec extends ApiRoute {
  /** Another API's route (left out of the OpenAPI document, which describes aimdb's own API). */
  protocol?: RouteProtocol;
  handler(context: RouteContext): Promise<unknown>;
}

/**
 * What a handler of a declared route gets: path parameters typed by their kind, a query the server
 * validated typed as its schema's output, and otherwise the query and body as their schemas describe
 * them, not yet checked: the store validates them, naming the fields as the embedded store does.
 */
export interface HandlerContext<R extends ApiRoute> extends Omit<RouteContext, 'params' | 'query' | 'body'> {
  params: ParamsOf<R>;
  query: R['validateQuery'] extends true ? (R['query'] extends z.ZodType ? z.output<R['query']> : never) : QueryOf<R>;
  /** A `rawBody` route's body is the request stream itself, unread. */
  body: R['rawBody'] extends object ? Readable : BodyOf<R>;
}

/** Attaches the handler to a declared route. */
export function serve<R extends ApiRoute>(declared: R, handler: (context: HandlerContext<R>) => Promise<unknown>): RouteSpec {
  // The one place the request's parts take the declared types: app.ts converted the path parameters
  // by kind and validated the query where `validateQuery` says so; the rest the store validates.
  return { ...declared, handler: handler as (context: RouteContext) => Promise<unknown> };
}

/** What a query parameter's JSON Schema accepts, reduced to what matters for converting text. */
interface ParamShape {
  numeric: boolean;
  boolean: boolean;
  array: boolean;
  itemsNumeric: boolean;
  string: boolean;
}

type JsonSchemaNode = {
  type?: string | string[];
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  enum?: unknown[];
};

function typesOf(node: JsonSchemaNode): Set<string> {
  const types = new Set<string>();
  if (typeof node.type === 'string') types.add(node.type);
  if (Array.isArray(node.type)) node.type.forEach((type) => types.add(type));
  if (node.enum !== undefined && node.type === undefined) types.add('string');
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) typesOf(branch).forEach((type) => types.add(type));
  return types;
}

function arrayItems(node: JsonSchemaNode): JsonSchemaNode | undefined {
  if (node.type === 'array') return node.items ?? {};
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) {
    const items = arrayItems(branch);
    if (items !== undefined) return items;
  }
  return undefined;
}

/** Reads each property of a query's JSON Schema once, for `coerceQuery`. */
export function queryShapes(jsonSchema: { properties?: Record<string, JsonSchemaNode> }): Map<string, ParamShape> {
  const shapes = new Map<string, ParamShape>();
  for (const [name, node] of Object.entries(jsonSchema.properties ?? {})) {
    const types = typesOf(node);
    const items = arrayItems(node);
    const itemTypes = items === undefined ? new Set<string>() : typesOf(items);
    shapes.set(name, {
      numeric: types.has('integer') || types.has('number'),
      boolean: types.has('boolean'),
      array: items !== undefined,
      itemsNumeric: itemTypes.has('integer') || itemTypes.has('number'),
      string: types.has('string'),
    });
  }
  return shapes;
}

const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;

function convertScalar(text: string, numeric: boolean): unknown {
  return numeric && NUMBER_TEXT.test(text) ? Number(text) : text;
}

/**
 * Turns query-string text into the values the query schema expects: numbers where it takes
 * numbers, arrays (from repeated keys or `a,b,c`) where it takes arrays. Names it does not know pass
 * through unchanged, so the store's strict schema reports them as unknown fields.
 */
export function coerceQuery(raw: Record<string, unknown>, shapes: Map<string, ParamShape>): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const shape = shapes.get(name);
    if (shape === undefined) {
      query[name] = value;
      continue;
    }
    if (shape.array) {
      const texts = Array.isArray(value) ? value.map(String) : String(value).split(',');
      if (!Array.isArray(value) && texts.length === 1 && texts[0] !== '' && shape.string) {
        // `status=running`: the schema takes one value or a list, so one value stays one value.
        query[name] = convertScalar(texts[0]!, shape.numeric);
      } else {
        query[name] = texts.filter((text) => text !== '').map((text) => convertScalar(text, shape.itemsNumeric));
      }
    } else if (Array.isArray(value)) {
      // A repeated key where one value is expected: left as a list for the schema to reject.
      query[name] = value;
    } else if (shape.boolean && (value === 'true' || value === 'false')) {
      query[name] = value === 'true';
    } else {
      query[name] = convertScalar(String(value), shape.numeric);
    }
  }
  return query;
}

