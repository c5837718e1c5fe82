/**
 * A route, described once: the HTTP method and path, the core schemas of its query and body (for the
 * OpenAPI document and for turning query strings into typed values), and the handler that calls the
 * store. The store validates with those same schemas, so a rule is written once and checked once.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { AiDatabase } from '../store/ai-database.js';
import type { EffectiveServerConfig } from './server-config.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a path parameter is read: a positive integer id, an id or a name, or any text. */
export type PathParamKind = 'id' | 'idOrName' | 'text';

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

export interface RouteSpec {
  method: RouteMethod;
  /** Fastify path, e.g. `/api/v1/models/:idOrName`. */
  url: string;
  /** The AiDatabase method the route calls; also the OpenAPI operationId. */
  operationId: string;
  summary: string;
  /** OpenAPI tag (the resource). */
  tag: string;
  params?: Record<string, { kind: PathParamKind; description: string }>;
  /** The core schema the store validates the query with (a strict object). */
  query?: z.ZodObject;
  /**
   * The query schema is the route's own (the store method takes plain arguments), so the server
   * validates the query with it before calling the handler.
   */
  validateQuery?: boolean;
  /** The core schema of the body, for the OpenAPI document. */
  body?: z.ZodType;
  /**
   * A POST that only reads (a query too long for a URL travels as its body): read-scope tokens may
   * send it, and a client may retry it.
   */
  readsOnly?: boolean;
  bodyRequired?: boolean;
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
  /** Another API's route (left out of the OpenAPI document, which describes aimdb's own API). */
  protocol?: RouteProtocol;
  handler(context: RouteContext): Promise<unknown>;
}

const DIGITS = /^[0-9]+$/;

/** Converts one path parameter; a malformed id is a 422 naming the parameter. */
export function readPathParam(name: string, kind: PathParamKind, raw: string): number | string {
  if (kind === 'text') return raw;
  if (DIGITS.test(raw)) {
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value > 0) return value;
  }
  if (kind === 'idOrName') return raw;
  throw new ValidationError(`${name}: must be a positive integer id, got '${raw.slice(0, 100)}'`, { field: name });
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

/**
 * Unwraps a batch body `{ "<key>": [...] }`, naming what is wrong with the envelope; the items
 * themselves are validated by the store.
 */
export function unwrapBatchBody(body: unknown, key: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError(`body: must be a JSON object { "${key}": [...] }`, { field: 'body' });
  }
  const unknownKeys = Object.keys(body).filter((name) => name !== key);
  if (unknownKeys.length > 0) {
    throw new ValidationError(`body: unknown field(s) ${unknownKeys.map((name) => `'${name}'`).join(', ')}`, {
      field: 'body',
    });
  }
  return (body as Record<string, unknown>)[key];
}
