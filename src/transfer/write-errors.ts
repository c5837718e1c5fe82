/** Driver errors while writing a table, turned into typed errors that name the table and the way out. */
import { AimdbError, BackendError, ConflictError, ValidationError } from '../core/errors.js';
import type { Backend } from '../store/index.js';
import type { TableName } from './table-specs.js';

export function writeFailure(backend: Backend, table: TableName, error: unknown, rowsCommitted: number): AimdbError {
  if (error instanceof AimdbError) return error;
  const kept = rowsCommitted > 0 ? `; ${rowsCommitted} rows of ${table} were committed before this batch` : '';
  switch (backend.classifyError(error)) {
    case 'unique-violation':
      return new ConflictError(
        `target: ${table} already holds a row with the same key or unique name as an incoming row${kept}`,
        { field: table, cause: error },
      );
    case 'foreign-key-violation':
      return new ValidationError(
        `target: a row of ${table} refers to a row the target does not have (a partial export needs its parents in the target)${kept}`,
        { field: table, cause: error },
      );
    default: {
      const message = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : String(error);
      return new BackendError(`target: writing ${table} failed: ${message}${kept}`, { cause: error });
    }
  }
}
