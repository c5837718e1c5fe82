/**
 * fast-check arbitraries for HTTP requests, derived from the server's own OpenAPI document: for each
 * operation, path parameters, query parameters and a body that mostly follow its schemas (so requests
 * get past the first check and reach the store) and are often bent: wrong types, values at and past
 * the limits, unknown fields, malformed JSON, odd media types, odd methods and paths.
 */
import fc from 'fast-check';

type JsonSchema = Record<string, any>;

/** Percent-encodes any string; lone surrogates (which encodeURIComponent refuses) become U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, (unit, index: number, whole: string) => (/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(whole.slice(index - 1, index + 1)) || /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(whole.slice(index, index + 2)) ? unit : '\uFFFD')));

export interface FuzzRequest {
  method: string;
  /** Path and query exactly as sent (already encoded where the generator wanted it encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Which operation the request was built from, for the report. */
  operation: string;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: Array<{ name: string; in: 'path' | 'query'; required?: boolean; schema: JsonSchema }>;
  body?: JsonSchema;
}

/** Every operation of the document. */
export function operationsOf(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, JsonSchema>>)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

/** Strings that break things: unicode, control characters, SQL and path syntax, percent signs. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    "x' OR 1=1 -- ",
    'x\\\' OR 1=1 -- ',
    '"; drop table models; --',
    '../../etc/passwd',
    '%',
    '%00',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '😀'.repeat(60),
    '__proto__',
    'constructor',
    'null',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    'x'.repeat(251),
    'x'.repeat(5000),
  ),
);

/** Numbers at and past every limit the schemas use. */
const edgeNumber = fc.oneof(
  fc.integer({ min: -5, max: 10 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    2_147_483_647,
    2_147_483_648,
    4_294_967_296,
    8.64e15,
    8.64e15 + 1,
    9_007_199_254_740_991,
    9_007_199_254_740_992,
    1e21,
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
);

/** Any JSON value, nested a little. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    edgeNumber,
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function resolve(schema: JsonSchema, document: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; depth < 10 && typeof current?.$ref === 'string'; depth++) {
    current = document.components.schemas[current.$ref.replace('#/components/schemas/', '')];
  }
  return current ?? {};
}

/**
 * Values for a schema: mostly valid (within its types, enums and bounds), sometimes at or past a
 * bound, sometimes of another type altogether.
 */
export function valueFor(schema: JsonSchema, document: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const node = resolve(schema, document);
  const wrong = anyJson;
  const valid = validFor(node, document, depth);
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: wrong });
}

function validFor(node: JsonSchema, document: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  const branches = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (branches !== undefined && branches.length > 0) return fc.oneof(...branches.map((branch) => valueFor(branch, document, depth + 1)));
  if (node.enum !== undefined) return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(node.enum as unknown[])) }, { weight: 1, arbitrary: nastyString });
  if (node.const !== undefined) return fc.constant(node.const);
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'string': {
      if (node.format === 'date-time') {
        return fc.oneof(
          fc.date({ min: new Date(0), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
          fc.constantFrom('1970-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '275760-09-13T00:00:00.001Z', '2026-11-27T10:00:00+14:00', 'yesterday'),
        );
      }
      if (typeof node.pattern === 'string' && node.pattern.includes('0-9a-f')) {
        return fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), nastyString);
      }
      const maxLength = Math.min(node.maxLength ?? 40, 40);
      return fc.oneof(
        { weight: 4, arbitrary: fc.string({ minLength: Math.min(node.minLength ?? 0, maxLength), maxLength }) },
        { weight: 2, arbitrary: nastyString },
        { weight: 1, arbitrary: fc.constantFrom('loss', 'accuracy', 'val/loss', 'model-a', 'run-1', 'x'.repeat(node.maxLength ?? 250)) },
      );
    }
    case 'integer':
    case 'number': {
      const min = typeof node.minimum === 'number' ? node.minimum : -1_000;
      const max = typeof node.maximum === 'number' ? node.maximum : 1_000_000;
      const inRange = type === 'integer' ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }) : fc.double({ min, max, noNaN: true });
      return fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: Math.max(min, 0), max: Math.max(Math.min(max, 6), Math.max(min, 0)) }) },
        { weight: 3, arbitrary: inRange },
        { weight: 2, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) },
        { weight: 1, arbitrary: edgeNumber },
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = node.items === undefined ? anyJson : valueFor(node.items, document, depth + 1);
      return fc.array(items, { maxLength: 6 });
    }
    case 'object': {
      const properties = Object.entries((node.properties ?? {}) as Record<string, JsonSchema>);
      if (properties.length === 0) {
        const values = node.additionalProperties !== undefined && typeof node.additionalProperties === 'object' ? valueFor(node.additionalProperties, document, depth + 1) : anyJson;
        return fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), nastyString), values, { maxKeys: 5 });
      }
      const required = new Set<string>(node.required ?? []);
      const record = fc.record(
        Object.fromEntries(properties.map(([name, property]) => [name, valueFor(property, document, depth + 1)])),
        { requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)) },
      );
      return fc.oneof(
        { weight: 6, arbitrary: record },
        // An unknown field, or a required one missing.
        { weight: 1, arbitrary: fc.tuple(record, nastyString, anyJson).map(([value, key, extra]) => ({ ...(value as object), [key]: extra })) },
        { weight: 1, arbitrary: record.map((value) => Object.fromEntries(Object.entries(value as object).slice(1))) },
      );
    }
    default:
      return anyJson;
  }
}

/** Seed entities' ids (1 … 3 exist), ids that do not, and text that is not an id. */
const pathParamValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('1', '2', '3') },
  { weight: 2, arbitrary: fc.integer({ min: 4, max: 2 ** 31 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1.5', '1e3', '9007199254740992', '99999999999999999999', 'loss', 'val%2Floss', 'model-a', '%20', '%00', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%', '..', 'a%2F..%2Fb') },
  { weight: 1, arbitrary: nastyString.map((text) => encode(text)) },
  { weight: 1, arbitrary: fc.integer({ min: 2000, max: 3000 }).map((length) => 'm'.repeat(length)) },
);

/** A query value as text, from the parameter's schema. */
function queryText(schema: JsonSchema, document: JsonSchema): fc.Arbitrary<string[]> {
  const node = resolve(schema, document);
  const isArray = node.type === 'array' || (node.anyOf ?? []).some((branch: JsonSchema) => resolve(branch, document).type === 'array');
  const scalar = valueFor(node.type === 'array' ? (node.items ?? {}) : node, document).map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? ''));
  if (!isArray) return fc.oneof({ weight: 8, arbitrary: scalar.map((text) => [text]) }, { weight: 1, arbitrary: fc.array(scalar, { minLength: 2, maxLength: 3 }) });
  return fc.oneof(
    fc.array(scalar, { minLength: 1, maxLength: 4 }).map((texts) => [texts.join(',')]),
    fc.array(scalar, { minLength: 1, maxLength: 4 }),
    fc.constantFrom<string[]>([','], [',,,'], [''], ['1,,2']),
  );
}

function requestFor(operation: Operation, document: JsonSchema): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParams = operation.parameters.filter((parameter) => parameter.in === 'query');
  const path = fc.tuple(...pathParams.map(() => pathParamValue)).map((values) => {
    let text = operation.path;
    pathParams.forEach((parameter, index) => (text = text.replace(`{${parameter.name}}`, values[index]!)));
    return text;
  });
  const query = fc
    .tuple(
      ...queryParams.map((parameter) => fc.option(queryText(parameter.schema, document), { freq: 2, nil: undefined })),
      fc.option(fc.tuple(nastyString, nastyString), { freq: 10, nil: undefined }),
    )
    .map((values) => {
      const pairs: string[] = [];
      queryParams.forEach((parameter, index) => {
        for (const text of (values[index] as string[] | undefined) ?? []) pairs.push(`${parameter.name}=${encode(text)}`);
      });
      const extra = values[queryParams.length] as [string, string] | undefined;
      if (extra !== undefined) pairs.push(`${encode(extra[0])}=${encode(extra[1])}`);
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
    });
  const body: fc.Arbitrary<{ text?: string; contentType?: string }> =
    operation.body === undefined
      ? fc.oneof({ weight: 9, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: anyJson.map((value) => ({ text: JSON.stringify(value), contentType: 'application/json' })) })
      : fc.oneof(
          { weight: 12, arbitrary: valueFor(operation.body, document).map((value) => ({ text: JSON.stringify(value) ?? 'null', contentType: 'application/json' })) },
          { weight: 1, arbitrary: fc.constantFrom('{', '{"name": "x",', '[1,2', 'nul', '{"a":1}{"b":2}', '\u0000', '"\\ud800"').map((text) => ({ text, contentType: 'application/json' })) },
          { weight: 1, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1', 'multipart/form-data').map((contentType) => ({ text: '{"name":"typed"}', contentType })) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map((depth) => ({ text: `{"name":"deep","metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, contentType: 'application/json' })) },
        );
  return fc.tuple(path, query, body).map(([pathText, queryTextValue, sent]) => {
    const headers: Record<string, string> = {};
    if (sent.contentType !== undefined) headers['content-type'] = sent.contentType;
    return { method: operation.method, path: pathText + queryTextValue, headers, ...(sent.text === undefined ? {} : { body: sent.text }), operation: `${operation.method} ${operation.path}` };
  });
}

/** Requests outside the document: unknown paths and methods, HEAD, malformed and oversized URLs. */
const offDocument: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      fc.constantFrom(
        '/health',
        '/api',
        '/api/',
        '/api/v1',
        '/api/v2/models',
        '/api/v1/nothing',
        '/api/v1/models/1/nothing',
        '/metrics',
        '/%61pi/v1/models',
        '/api/v1//models',
        '/api/v1/models/%E0%A4%A',
        '/api/v1/runs/%',
        '/docs/..%2f..%2fpackage.json',
        '/openapi.json',
        '/docs',
        '/healthz',
        '/readyz',
        '/runs/1',
        '/favicon.ico',
      ),
    )
    .map(([method, path]) => ({ method, path, headers: {}, operation: 'off-document' })),
  fc
    .tuple(fc.constantFrom('GET', 'HEAD'), fc.integer({ min: 2_500, max: 4_000 }))
    .map(([method, count]) => ({
      method,
      path: `/api/v1/latest-metrics?runIds=${Array.from({ length: count }, (_, index) => 1_000_000 + index).join(',')}`,
      headers: {},
      operation: 'oversized URL',
    })),
  fc.constantFrom('GET', 'HEAD').map((method) => ({ method, path: `/api/v1/models/${'m'.repeat(2_100)}/versions`, headers: {}, operation: 'long path segment' })),
);

/** Requests for every operation of the document, and some outside it. */
export function requestArbitrary(document: JsonSchema): fc.Arbitrary<FuzzRequest> {
  const operations = operationsOf(document);
  return fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...operations.map((operation) => requestFor(operation, document))) },
    { weight: 1, arbitrary: offDocument },
    // A HEAD of a documented GET: the same answer, headers only.
    {
      weight: 1,
      arbitrary: fc.oneof(...operations.filter((operation) => operation.method === 'GET').map((operation) => requestFor(operation, document))).map((request) => ({ ...request, method: 'HEAD', operation: `HEAD of ${request.operation}` })),
    },
  );
}
