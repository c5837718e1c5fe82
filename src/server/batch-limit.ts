/** The server's own batch limit (`server.maxBatchSize`), checked before the store sees a batch. */
import { PayloadTooLargeError } from '../core/errors.js';

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
