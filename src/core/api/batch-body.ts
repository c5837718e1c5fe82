/** Envelopes of batch bodies, read by the server before the store sees the items. */
import { PayloadTooLargeError, ValidationError } from '../errors.js';

/** The server's own batch limit, when configured below the store's; the error names the setting. */
export function checkBatchSize(items: unknown, field: string, maxBatchSize: number | undefined): void {
  const size = Array.isArray(items) ? items.length : items !== null && typeof items === 'object' ? Object.keys(items).length : 0;
  if (maxBatchSize !== undefined && size > maxBatchSize) {
    throw new PayloadTooLargeError(
      `${field}: ${size} items are more than this server's batch limit of ${maxBatchSize} (server.maxBatchSize); split the batch`,
      { field },
    );
  }
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
