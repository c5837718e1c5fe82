/**
 * MLflow's wire conventions, as its clients read them (docs/decisions/0900-mlflow-adapter-shape.md):
 * errors are `{ error_code, message }` with MLflow's codes and statuses, request fields are checked
 * the way MLflow's server checks them (its messages quote the value as Python prints it), and
 * unknown request fields are ignored.
 */
import type { FastifyRequest } from 'fastify';
import {
  AimdbError,
  BackendError,
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '../../core/errors.js';

/** MLflow's error codes that aimdb answers, with the HTTP status MLflow gives each. */
export const MLFLOW_ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
} as const;
export type MlflowErrorCode = keyof typeof MLFLOW_ERROR_STATUS;

/** An error answered in MLflow's shape with MLflow's code. */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

export const invalidParameter = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);

/** The status and body MLflow's client expects for an error thrown while serving an MLflow route. */
export function mlflowErrorAnswer(error: unknown, request: FastifyRequest): { status: number; body: { error_code: string; message: string } } {
  const answer = (code: MlflowErrorCode, message: string) => ({ status: MLFLOW_ERROR_STATUS[code], body: { error_code: code, message } });
  if (error instanceof MlflowError) return answer(error.errorCode, error.message);
  if (error instanceof AimdbError && !(error instanceof BackendError)) {
    if (error instanceof NotFoundError) return answer('RESOURCE_DOES_NOT_EXIST', error.message);
    if (error instanceof UnauthorizedError) return answer('UNAUTHENTICATED', error.message);
    if (error instanceof ForbiddenError) return answer('PERMISSION_DENIED', error.message);
    if (error instanceof IllegalTransitionError) return answer('INVALID_PARAMETER_VALUE', error.message);
    if (error instanceof ConflictError || error instanceof ValidationError || error instanceof PayloadTooLargeError) {
      return answer('INVALID_PARAMETER_VALUE', error.message);
    }
    return answer('INTERNAL_ERROR', error.message);
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own rejections (malformed JSON, oversized body) before a handler ran.
    return answer(status === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST', `request: ${String((error as Error).message).slice(0, 200)}`);
  }
  return answer('INTERNAL_ERROR', `the server could not complete the request; its log has the details under request id ${request.id}`);
}

/**
 * Numbers a request wrote as floats although they are whole (`9.0`), by the object holding them:
 * JavaScript reads `9.0` as 9, but MLflow's messages quote it as Python does.
 */
const WRITTEN_AS_FLOAT = new WeakMap<object, Set<string>>();

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * True when some number literal of `text` written with a fraction or an exponent is a whole number
 * (9.0, 1e3, 0.99999999999999999), the only literals the reviver below records. One pass over the
 * characters; digits inside strings are scanned too, which at worst costs a needless slow parse.
 * Below 10^15 a double is a whole number only within 1/16 of one, so a literal with at most 15
 * integer digits, no exponent and a first fraction digit other than 0 or 9 needs no closer look.
 */
function hasWholeFloat(text: string): boolean {
  const length = text.length;
  for (let index = 0; index < length; index++) {
    if (!isDigit(text.charCodeAt(index))) continue;
    const start = index;
    while (index < length && isDigit(text.charCodeAt(index))) index++;
    const integerDigits = index - start;
    let suspect = integerDigits > 15;
    if (text.charCodeAt(index) === 46 /* . */) {
      const first = text.charCodeAt(++index);
      if (first === 48 /* 0 */ || first === 57 /* 9 */) suspect = true;
      while (index < length && isDigit(text.charCodeAt(index))) index++;
    } else if (text.charCodeAt(index) !== 101 && text.charCodeAt(index) !== 69) {
      continue;
    }
    const marker = text.charCodeAt(index);
    if (marker === 101 /* e */ || marker === 69 /* E */) {
      suspect = true;
      index++;
      if (text.charCodeAt(index) === 43 || text.charCodeAt(index) === 45) index++;
      while (index < length && isDigit(text.charCodeAt(index))) index++;
    }
    if (suspect && Number.isInteger(Number(text.slice(start, index)))) return true;
  }
  return false;
}

/** JSON.parse for MLflow's requests, remembering which whole numbers were written as floats. */
export function parseMlflowJson(text: string): unknown {
  // A reviver that reads each value's source costs several times the parse itself (about 8 ms for
  // a log-batch of 1,000 metrics, more than storing them); it only has something to record when a
  // whole number was written as a float, which the scan finds without parsing.
  if (!hasWholeFloat(text)) return JSON.parse(text);
  return JSON.parse(text, function (this: object, key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && Number.isInteger(value) && context?.source !== undefined && /[.eE]/.test(context.source)) {
      let keys = WRITTEN_AS_FLOAT.get(this);
      if (keys === undefined) WRITTEN_AS_FLOAT.set(this, (keys = new Set()));
      keys.add(key);
    }
    return value;
  });
}

const writtenAsFloat = (holder: object | undefined, key: string) => holder !== undefined && WRITTEN_AS_FLOAT.get(holder)?.has(key) === true;

/** Python's type name of a JSON value, as MLflow's messages say it. */
function pythonType(value: unknown, asFloat = false): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && !asFloat ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

/** `repr()` of a JSON value as Python would print it after `json.loads`. */
function pythonRepr(value: unknown, asFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return asFloat && Number.isInteger(value) ? `${value}.0` : String(value);
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map((item, index) => pythonRepr(item, writtenAsFloat(value, String(index)))).join(', ')}]`;
  return `{${Object.entries(value as object)
    .map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item, writtenAsFloat(value as object, key))}`)
    .join(', ')}}`;
}

/** `str()` of a JSON value: strings bare, the rest as `repr()`. */
const pythonStr = (value: unknown, asFloat = false) => (typeof value === 'string' ? value : pythonRepr(value, asFloat));

const HINT = ' See the API docs for more information about request parameters.';

/** MLflow's message for a field of the wrong type (`holder`: the object the field was read from). */
export function invalidValue(field: string, value: unknown, holder?: object): MlflowError {
  const asFloat = writtenAsFloat(holder, field);
  return invalidParameter(
    `Invalid value ${pythonStr(value, asFloat)} for parameter '${field}' supplied. Hint: Value was of type '${pythonType(value, asFloat)}'.${HINT}`,
  );
}

export function missingValue(field: string): MlflowError {
  return invalidParameter(`Missing value for required parameter '${field}'.${HINT}`);
}

/** The field types of MLflow's requests. */
export type FieldType = 'string' | 'int' | 'double' | 'bool' | 'array' | 'object' | 'strings';

const INT_TEXT = /^-?[0-9]+$/;
const DOUBLE_TEXT = /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^-?(Infinity|inf)$|^NaN$/i;

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && INT_TEXT.test(value));
    case 'double':
      return typeof value === 'number' || (typeof value === 'string' && DOUBLE_TEXT.test(value));
    case 'bool':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'array':
      return Array.isArray(value);
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

/** One field of a request: its type, and whether MLflow requires it. */
export interface FieldRule {
  type: FieldType;
  required?: boolean;
}

/**
 * The request's fields (the JSON body, or the query of a GET), checked as MLflow checks them:
 * a null or absent field is missing (an error only when required; an empty string counts as
 * missing too), a present one must have its type. Fields without a rule pass unchecked.
 */
export class MlflowRequest {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly method: string,
  ) {}

  static of(context: { body: unknown; query: Record<string, unknown>; request: FastifyRequest }): MlflowRequest {
    const method = context.request.method;
    if (method === 'GET' || method === 'DELETE') {
      const fields = { ...context.query };
      // A DELETE may carry its fields in a JSON body (MLflow's client sends them so).
      if (context.body !== null && typeof context.body === 'object' && !Array.isArray(context.body)) Object.assign(fields, context.body);
      return new MlflowRequest(fields, method);
    }
    if (context.body === undefined || context.body === null) return new MlflowRequest({}, method);
    if (typeof context.body !== 'object' || Array.isArray(context.body)) {
      throw invalidParameter('the request body must be a JSON object');
    }
    return new MlflowRequest(context.body as Record<string, unknown>, method);
  }

  /** Checks every rule, in order, throwing MLflow's message for the first field that breaks one. */
  check(rules: Record<string, FieldRule>): this {
    for (const [field, rule] of Object.entries(rules)) {
      const value = this.fields[field];
      if (value === undefined || value === null) {
        if (rule.required === true) throw missingValue(field);
        continue;
      }
      if (!hasType(value, rule.type)) {
        // A GET's repeated field arrives as a list; one value of a list field arrives as text.
        if (rule.type === 'strings' && typeof value === 'string') continue;
        throw invalidValue(field, value, this.fields);
      }
      if (rule.required === true && value === '') throw missingValue(field);
    }
    return this;
  }

  string(field: string): string | undefined {
    const value = this.fields[field];
    return value === undefined || value === null ? undefined : String(value);
  }

  int(field: string): number | undefined {
    const value = this.fields[field];
    if (value === undefined || value === null || value === '') return undefined;
    const number = Number(value);
    if (!Number.isSafeInteger(number)) throw invalidValue(field, value);
    return number;
  }

  bool(field: string): boolean | undefined {
    const value = this.fields[field];
    if (value === undefined || value === null) return undefined;
    return value === true || value === 'true';
  }

  /** A list field; a GET's single value is a list of one. */
  strings(field: string): string[] {
    const value = this.fields[field];
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).map(String);
  }

  list(field: string): unknown[] {
    const value = this.fields[field];
    return Array.isArray(value) ? value : [];
  }
}

/** MLflow's metric values: doubles, with NaN and ±Infinity as the strings protobuf's JSON uses. */
export function wireDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** Reads a double sent as a number or as protobuf JSON's text ('NaN', 'Infinity', '-Infinity', '1.5'). */
export function readDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (/^-?inf(inity)?$/i.test(value)) return value.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (/^nan$/i.test(value)) return Number.NaN;
    if (DOUBLE_TEXT.test(value)) return Number(value);
  }
  throw invalidParameter(`Invalid value ${pythonStr(value)} for a metric value`);
}

/** Key/value lists, MLflow's form of tags and params. */
export const keyValues = (record: Record<string, string>) => Object.entries(record).map(([key, value]) => ({ key, value }));

/** An offset page token (MLflow's tokens are opaque to its clients). */
export function readOffsetToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidParameter(`Invalid page token, could not base64-decode`);
  return offset;
}

export const offsetToken = (offset: number) => Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
