/**
 * Typed errors shared by the store, the server and the HTTP client. Every error carries a stable
 * `code`; the server maps codes to HTTP statuses and the client maps them back to these classes.
 */

export type ErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'illegal_transition'
  | 'schema_outdated'
  | 'backend_error'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  /** A copy or import whose target differs from its source afterwards (never sent by the server). */
  | 'verification_failed'
  | 'integrity_failed';

/** The error body of every failed REST call. */
export interface WireError {
  code: ErrorCode;
  message: string;
  field?: string;
  entity?: string;
  /** For a query that does not parse: the 1-based column the error points at. */
  position?: number;
}

/** Base class of every error aimdb throws on purpose. */
export class AimdbError extends Error {
  readonly code: ErrorCode;
  /** The input field the error is about, as a dotted path (`points.3.value`), when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }

  /** The wire form used by the REST API; never includes the cause (it may hold SQL). */
  toJSON(): WireError {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** Input broke a rule (type, length, range, unknown status). Nothing was written. */
export class ValidationError extends AimdbError {
  /** For a query that does not parse: the 1-based column the error points at. */
  readonly position: number | undefined;

  constructor(message: string, options: { field?: string; cause?: unknown; position?: number } = {}) {
    super('validation_failed', message, options);
    this.position = options.position;
  }

  override toJSON(): WireError {
    return this.position === undefined ? super.toJSON() : { ...super.toJSON(), position: this.position };
  }
}

/** The entity asked for does not exist. */
export class NotFoundError extends AimdbError {
  readonly entity: string;
  constructor(entity: string, key: string | number, options: { field?: string } = {}) {
    super('not_found', `${entity} ${typeof key === 'number' ? `#${key}` : `'${key}'`} was not found`, options);
    this.entity = entity;
  }

  override toJSON(): WireError {
    return { ...super.toJSON(), entity: this.entity };
  }
}

/** The write clashes with what is stored: a duplicate name, or a changed immutable value. */
export class ConflictError extends AimdbError {
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super('conflict', message, options);
  }
}

/** A training run was asked to move between statuses its lifecycle does not allow. */
export class IllegalTransitionError extends AimdbError {
  constructor(message: string, options: { field?: string } = {}) {
    super('illegal_transition', message, options);
  }
}

/** The database schema is older (or newer) than this version of aimdb expects. */
export class SchemaOutdatedError extends AimdbError {
  constructor(message: string) {
    super('schema_outdated', message);
  }
}

/** The database could not do what was asked: unreachable, wrong credentials, or an unexpected failure. */
export class BackendError extends AimdbError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('backend_error', message, options);
  }
}

/**
 * An aimdb server could not be reached, or the connection to it broke (HTTP client only): refused,
 * unknown host, reset. Its wire code stays `backend_error`; the CLI exits with its connection code.
 */
export class UnreachableError extends BackendError {}

/** The request carried no valid token (HTTP only). */
export class UnauthorizedError extends AimdbError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message);
  }
}

/** The token is valid but its scope does not allow the request (HTTP only). */
export class ForbiddenError extends AimdbError {
  constructor(message = 'this token may only read') {
    super('forbidden', message);
  }
}

/** The request body or batch is larger than the configured limit (HTTP only). */
export class PayloadTooLargeError extends AimdbError {
  constructor(message: string, options: { field?: string } = {}) {
    super('payload_too_large', message, options);
  }
}

/**
 * Stored or sent bytes are not the bytes their SHA-256 says: an upload whose declared hash does not
 * match what arrived (nothing was stored), or a stored artifact that no longer matches its hash on
 * read (corruption in the blob store; the read fails instead of returning wrong bytes).
 */
export class IntegrityError extends AimdbError {
  constructor(message: string, options: { field?: string } = {}) {
    super('integrity_failed', message, options);
  }
}

/** HTTP status for each error code; the one table both server and client read. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 422,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  schema_outdated: 503,
  backend_error: 500,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  verification_failed: 500,
  integrity_failed: 422,
};

/** Rebuilds the typed error from its wire form (used by the HTTP client). */
export function errorFromWire(body: {
  code?: string;
  message?: string;
  field?: string;
  entity?: string;
  position?: number;
}): AimdbError {
  const message = body.message ?? 'unknown error';
  const field = body.field;
  const options = field === undefined ? {} : { field };
  switch (body.code) {
    case 'validation_failed':
      return new ValidationError(
        message,
        typeof body.position === 'number' ? { ...options, position: body.position } : options,
      );
    case 'not_found': {
      const error = new NotFoundError(body.entity ?? 'entity', 0, options);
      error.message = message;
      return error;
    }
    case 'conflict':
      return new ConflictError(message, options);
    case 'illegal_transition':
      return new IllegalTransitionError(message, options);
    case 'schema_outdated':
      return new SchemaOutdatedError(message);
    case 'unauthorized':
      return new UnauthorizedError(message);
    case 'forbidden':
      return new ForbiddenError(message);
    case 'payload_too_large':
      return new PayloadTooLargeError(message, options);
    case 'integrity_failed':
      return new IntegrityError(message, options);
    default:
      return new BackendError(message);
  }
}
