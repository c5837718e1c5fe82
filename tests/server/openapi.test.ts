/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked against the official schema by
 * @seriousme/openapi-schema-validator), one operation per API route with the parameters its path
 * names, every reference resolvable, request schemas taken from the core schemas; plus the docs page.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/server/routes/index.js';

const NATIVE_ROUTES = API_ROUTES.filter((route) => route.protocol === undefined);
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => collectRefs(item, refs));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

function resolvePointer(document: any, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, part) => (node === undefined ? undefined : node[part.replace(/~1/g, '/').replace(/~0/g, '~')]), document);
}

describe.each(testBackends({ sqliteFile: false }))('OpenAPI document served over $name', (backend) => {
  let server: TestServer;
  let document: any;

  beforeAll(async () => {
    server = await startTestServer(backend);
    document = (await call(server.url, 'GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has one operation per API route, with unique operation ids and the path parameters its path names', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of NATIVE_ROUTES) {
      const path = route.url.replace(/:([A-Za-z]+)\*?/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation?.operationId, `${route.method} ${path}`).toBe(route.operationId);
      const named = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1]).sort();
      const declared = operation.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
      expect(declared).toEqual(named);
      expect(operation.responses[String(route.status)]).toBeDefined();
      expect(operation.responses['422'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    }
    expect(operations).toHaveLength(NATIVE_ROUTES.length + 2);
    // MLflow's routes (another API, served from the same table) are not aimdb's to document.
    expect(Object.keys(document.paths as object).some((path) => path.includes('/2.0/mlflow/'))).toBe(false);
  });

  it('resolves every $ref and derives request schemas from the core schemas', () => {
    for (const ref of collectRefs(document)) expect(resolvePointer(document, ref), ref).toBeDefined();
    const createModel = document.paths['/api/v1/models'].post.requestBody.content['application/json'].schema;
    expect(createModel.required).toEqual(['name']);
    expect(createModel.additionalProperties).toBe(false);
    expect(createModel.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 250 });
    const logMetrics = document.paths['/api/v1/runs/{id}/metrics'].post.requestBody.content['application/json'].schema;
    const [pointsForm, columnsForm] = logMetrics.anyOf;
    const metricValue = expect.arrayContaining([{ type: 'number' }, expect.objectContaining({ enum: ['NaN', 'Infinity', '-Infinity'] })]);
    expect(pointsForm.properties.points.maxItems).toBe(100_000);
    expect(pointsForm.properties.points.items.properties.value.anyOf).toEqual(metricValue);
    const columns = columnsForm.properties.columns;
    expect(columns.required).toEqual(['name', 'value']);
    expect(columns.additionalProperties).toBe(false);
    expect(columns.properties.name.maxItems).toBe(100_000);
    expect(columns.properties.value.items.anyOf).toEqual(metricValue);
    expect(columns.properties.step.items.anyOf).toEqual(expect.arrayContaining([{ type: 'null' }]));
    const listRuns = document.paths['/api/v1/runs'].get.parameters.map((p: any) => p.name);
    expect(listRuns).toEqual(expect.arrayContaining(['limit', 'cursor', 'status', 'modelId', 'experimentId', 'nameContains']));
  });

  it('serves a browsable docs page', async () => {
    const page = await call(server.url, 'GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/swagger/i);
  });

  it('the docs page reads the same document as /openapi.json, as YAML and as JSON, asked for first', async () => {
    // The document is built on its first request (decision 1305): a server whose docs routes are
    // asked before /openapi.json must still serve all of it there.
    const fresh = await startTestServer(backend);
    try {
      const yaml = await call(fresh.url, 'GET', '/docs/yaml');
      expect(yaml.status).toBe(200);
      expect(yaml.text).toContain('/api/v1/runs/{id}/metrics:');
      const json = await call(fresh.url, 'GET', '/docs/json');
      expect(json.status).toBe(200);
      expect(json.body).toEqual(document);
    } finally {
      await fresh.close();
    }
  });
});
