/** `binaryRead(query)`: see BINARY_READ_HINT (src/store/backends/backend.ts). */
import { sql, type SelectQueryBuilder } from 'kysely';
import { BINARY_READ_HINT } from '../backends/backend.js';

export function binaryRead<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return query.modifyFront(sql.raw(BINARY_READ_HINT));
}
