/**
 * A copy must never drop data silently: if a database has a column the table specs do not list
 * (a newer migration, a hand-made change), moving it would lose that column's values.
 */
import type { Kysely } from 'kysely';
import { SchemaOutdatedError } from '../core/errors.js';
import { TABLE_SPECS, storedColumns } from './table-specs.js';

/** Throws when a transferred table's columns differ from what this aimdb knows how to move. */
export async function checkTransferableSchema(db: Kysely<any>, role: 'source' | 'target'): Promise<void> {
  const tables = await db.introspection.getTables();
  const problems: string[] = [];
  for (const spec of TABLE_SPECS) {
    const table = tables.find((candidate) => candidate.name === spec.name);
    if (table === undefined) {
      problems.push(`table ${spec.name} is missing`);
      continue;
    }
    const actual = new Set(table.columns.map((column) => column.name));
    const known = new Set(storedColumns(spec).map((column) => column.name));
    for (const name of actual) if (!known.has(name)) problems.push(`${spec.name}.${name} is not known to this aimdb`);
    for (const name of known) if (!actual.has(name)) problems.push(`${spec.name}.${name} is missing`);
  }
  // Metric tables' names live there (decision 1304).
  if (!tables.some((candidate) => candidate.name === 'metric_keys')) problems.push('table metric_keys is missing');
  if (problems.length > 0) {
    throw new SchemaOutdatedError(`${role}: its tables differ from the schema this aimdb copies (${problems.join('; ')}); nothing was copied`);
  }
}
