/**
 * Reads whose rows come back as arrays of column values, in select order, instead of one object
 * per row: the long metric histories (decision 1308). Building a keyed object per row cost pg about
 * as much again as reading the rows (100,000 points: 134 → 79 ms of the client's CPU as arrays),
 * and the store turns those rows into columns anyway.
 *
 * The store marks such a read with `arrayRows(query)`, an SQL comment right after SELECT that every
 * database ignores; how a connection returns arrays is the backend's own, written beside its
 * driver: pg's `rowMode: 'array'` (postgres.ts), mysql2's `rowsAsArray` (mysql-driver.ts),
 * better-sqlite3's `raw()` statements (sqlite-dialect.ts). The mark travels in the SQL text, so a
 * read inside a transaction runs on the transaction's connection like any other.
 */
import { sql, type SelectQueryBuilder } from 'kysely';

const ARRAY_ROWS_HINT = '/* aimdb:array-rows */';
const MARKED = /^\s*select \/\* aimdb:array-rows \*\//i;

/** `query` with its rows returned as arrays of the selected columns, in select order. */
export function arrayRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return query.modifyFront(sql.raw(ARRAY_ROWS_HINT));
}

/** Whether the statement was marked by `arrayRows`. */
export function wantsArrayRows(sqlText: string): boolean {
  return MARKED.test(sqlText);
}
