/**
 * Rows as every backend can agree on them. Drivers hand back the same stored value in different
 * JavaScript shapes (BIGINT as number or string, JSON as text with PostgreSQL's reordered keys, …);
 * here each value becomes one plain form, so a row read from SQLite and its copy read from MySQL
 * are equal value for value and hash to the same checksum.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import type { ColumnSpec, TableSpec } from './table-specs.js';

/** A row as a tuple in the table spec's column order. */
export type RowValues = Array<string | number | null>;

/** Normalises one driver value of a column; JSON stays the stored text (its meaning, not its spelling, is compared). */
export function normaliseValue(column: ColumnSpec, value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'integer':
    case 'double':
      return typeof value === 'number' ? value : Number(value);
    case 'text':
      return typeof value === 'string' ? value : String(value);
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** A driver row as values in column order. */
export function rowValues(spec: TableSpec, row: Record<string, unknown>): RowValues {
  return spec.columns.map((column) => normaliseValue(column, row[column.name]));
}

/** JSON text with object keys sorted, so PostgreSQL's JSONB key order and spacing compare equal. */
export function canonicalJson(text: string): string {
  return JSON.stringify(JSON.parse(text), (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * An order-independent checksum of a table: the XOR of one SHA-256 per row over its canonical
 * values. Order-independent because text keys sort differently per backend (collations), and the
 * XOR of disjoint row sets is the XOR of their checksums, which lets `--append` be verified too.
 */
export class TableChecksum {
  readonly #digest = Buffer.alloc(32);
  #rows = 0;

  constructor(private readonly spec: TableSpec) {}

  add(values: RowValues): void {
    const canonical = values.map((value, index) =>
      this.spec.columns[index]!.kind === 'json' && typeof value === 'string' ? canonicalJson(value) : value,
    );
    const hash = createHash('sha256').update(JSON.stringify(canonical)).digest();
    for (let index = 0; index < 32; index += 1) this.#digest[index]! ^= hash[index]!;
    this.#rows += 1;
  }

  get rows(): number {
    return this.#rows;
  }

  get hex(): string {
    return this.#digest.toString('hex');
  }
}

/** XOR of two checksums in hex (the checksum of the union of two disjoint row sets). */
export function combineChecksums(left: string, right: string): string {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  for (let index = 0; index < a.length; index += 1) a[index]! ^= b[index]!;
  return a.toString('hex');
}

/** The checksum of no rows. */
export const EMPTY_CHECKSUM = '0'.repeat(64);

/**
 * Checks a row coming from outside (an archive) against the table's column kinds, so bad input
 * fails with the column named instead of as a driver error, or worse, stored as something else.
 */
export function checkRowValues(spec: TableSpec, values: unknown, where: string): RowValues {
  if (!Array.isArray(values) || values.length !== spec.columns.length) {
    throw new ValidationError(`${where}: expected ${spec.columns.length} values for ${spec.name}`, { field: spec.name });
  }
  spec.columns.forEach((column, index) => {
    const value: unknown = values[index];
    const field = `${spec.name}.${column.name}`;
    if (value === null) {
      if (!column.nullable) throw new ValidationError(`${where}: ${field} must not be null`, { field });
      return;
    }
    switch (column.kind) {
      case 'integer':
        if (!Number.isSafeInteger(value)) throw new ValidationError(`${where}: ${field} must be an integer within ±2^53`, { field });
        return;
      case 'double':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(`${where}: ${field} must be a finite number`, { field });
        return;
      case 'text':
        if (typeof value !== 'string') throw new ValidationError(`${where}: ${field} must be text`, { field });
        return;
      case 'json':
        if (typeof value !== 'string') throw new ValidationError(`${where}: ${field} must be JSON text`, { field });
        try {
          JSON.parse(value);
        } catch {
          throw new ValidationError(`${where}: ${field} is not valid JSON`, { field });
        }
    }
  });
  return values as RowValues;
}
