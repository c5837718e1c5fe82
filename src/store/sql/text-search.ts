/** Full-text search over runs (`text ~ 'words'`). */
import type { RawBuilder, SqlBool } from 'kysely';
import { ValidationError } from '../../core/errors.js';
import type { StoreContext } from './context.js';

export function textMatch(_ctx: StoreContext, _runId: RawBuilder<unknown>, _words: string): RawBuilder<SqlBool> {
  throw new ValidationError("query: 'text ~' full-text search is not built yet", { field: 'query' });
}
