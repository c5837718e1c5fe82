/**
 * The OpenAPI 3.1 document, generated from the route list and the core zod schemas the store
 * validates with (via `z.toJSONSchema`), so the document cannot drift from the validation rules.
 */
import { z } from 'zod';
import { HTTP_STATUS_BY_CODE } from '../core/errors.js';
import type { RouteSpec } from './route-spec.js';
import { errorResponse } from '../core/api/responses.js';
import { openApiPathOf } from '../core/api/route.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema of a zod schema as a request takes it, or as an answer gives it. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  return z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const type = (zodSchema as { _zod: { def: { type: string } } })._zod.def.type;
      // The two non-JSON types in the core schemas: a metric value (any double) and a Date,
      // which the wire carries as an ISO-8601 string.
      if (type === 'custom') Object.assign(jsonSchema, { type: 'number' });
      if (type === 'date') Object.assign(jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema;
}

const isJsonValueDefinition = (definition: unknown) => {
  const anyOf = (definition as { anyOf?: Array<{ type?: string }> }).anyOf;
  const types = anyOf?.map((branch) => branch.type).sort().join(',');
  return types === 'array,boolean,null,number,object,string';
};

/**
 * Moves a schema's local `$defs` into the document's components (z.json() produces a recursive
 * definition per schema; all of them become the one `JsonValue`) and rewrites the references.
 */
function hoistDefinitions(schema: JsonSchema, prefix: string, components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _ignored, $defs, ...rest } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const names = new Map<string, string>();
  for (const [name, definition] of Object.entries($defs ?? {})) {
    names.set(name, isJsonValueDefinition(definition) ? 'JsonValue' : `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '')}`);
  }
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
        const target = names.get(value.slice('#/$defs/'.length));
        out[key] = `#/components/schemas/${target ?? 'JsonValue'}`;
      } else if (key === '$ref' && value === '#') {
        out[key] = `#/components/schemas/${prefix}`;
      } else {
        out[key] = rewrite(value);
      }
    }
    return out;
  };
  for (const [name, definition] of Object.entries($defs ?? {})) {
    const target = names.get(name)!;
    if (components[target] === undefined) components[target] = rewrite(definition) as JsonSchema;
  }
  return rewrite(rest) as JsonSchema;
}


const ERROR_STATUSES = [...new Set(Object.values(HTTP_STATUS_BY_CODE))].sort();
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'malformed JSON',
  401: 'no valid bearer token (when the server has tokens)',
  403: 'a read token on a write',
  404: 'not found',
  409: 'conflict (duplicate name, changed hyperparameter) or illegal run status transition',
  413: 'body larger than server.bodyLimitBytes, or batch larger than server.maxBatchSize',
  422: 'invalid input; `field` names it',
  500: 'the database failed; details are in the server log under the request id',
  503: 'the database schema is not current',
};

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Builds the OpenAPI 3.1 document for the given routes. */
export function buildOpenApiDocument(routes: readonly RouteSpec[], info: OpenApiInfo, withAuth: boolean): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  components.Error = hoistDefinitions(toJsonSchema(errorResponse, 'output'), 'Error', components);
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponses = Object.fromEntries(
    [400, ...ERROR_STATUSES].map((status) => [
      String(status),
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [name, param] of Object.entries(route.params ?? {})) {
      parameters.push({
        name,
        in: 'path',
        required: true,
        description: param.description,
        schema:
          param.kind === 'id'
            ? { type: 'integer', minimum: 1 }
            : param.kind === 'idOrName'
              ? { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', minLength: 1 }] }
              : { type: 'string', minLength: 1 },
      });
    }
    if (route.query !== undefined) {
      const query = hoistDefinitions(toJsonSchema(route.query), route.operationId, components) as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({
          name,
          in: 'query',
          required: query.required?.includes(name) ?? false,
          schema,
          style: 'form',
          explode: true,
        });
      }
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters,
      responses: {
        [String(route.status)]:
          route.rawResponse !== undefined
            ? {
                description: route.rawResponse.description,
                content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
              }
            : route.response === undefined
            ? { description: route.status === 204 ? 'done; no content' : 'done' }
            : {
                description: 'done',
                content: {
                  'application/json': {
                    schema: hoistDefinitions(toJsonSchema(route.response, 'output'), `${route.operationId}Response`, components),
                  },
                },
              },
        ...errorResponses,
      },
    };
    if (route.rawBody !== undefined) {
      operation.requestBody = {
        required: true,
        description: route.rawBody.description,
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      };
    }
    if (route.body !== undefined) {
      operation.requestBody = {
        required: route.bodyRequired ?? false,
        content: {
          'application/json': { schema: hoistDefinitions(toJsonSchema(route.body), `${route.operationId}Body`, components) },
        },
      };
    }
    if (withAuth) operation.security = [{ bearer: [] }];
    const path = openApiPathOf(route);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation;
  }
  paths['/healthz'] = {
    get: {
      operationId: 'healthz',
      summary: 'The process is up (no authentication)',
      tags: ['probes'],
      responses: { '200': { description: 'up' } },
    },
  };
  paths['/readyz'] = {
    get: {
      operationId: 'readyz',
      summary: 'The database is reachable and its schema current (no authentication)',
      tags: ['probes'],
      responses: {
        '200': { description: 'ready' },
        '503': { description: 'not ready', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token from server.tokens or AIMDB_SERVER_TOKENS; read tokens may only GET',
        },
      },
    },
  };
}
