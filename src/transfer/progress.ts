/** What copy, export and import report while they work, for progress bars or logs. */
import type { TableName } from './table-specs.js';

export type TransferProgress =
  /** A table starts: `rowsTotal` rows to move, `rowsDone` already there (a resumed copy). */
  | { stage: 'table-start'; table: TableName; rowsDone: number; rowsTotal: number }
  /** A batch was committed. */
  | { stage: 'rows'; table: TableName; rowsDone: number; rowsTotal: number }
  /** The table is complete. */
  | { stage: 'table-done'; table: TableName; rowsDone: number; rowsTotal: number; elapsedMs: number }
  /** A table was compared between both sides. */
  | { stage: 'verified'; table: TableName; ok: boolean };

/**
 * Receives progress. The transfer waits for a returned promise; throwing (or rejecting) aborts it
 * after the last committed batch, which `resume` can continue from.
 */
export type ProgressListener = (event: TransferProgress) => void | Promise<void>;

/** What one table's transfer did. */
export interface TableTransferReport {
  table: TableName;
  /** Rows written by this call. */
  rowsWritten: number;
  /** Rows already in the target before this call (kept by --resume). */
  rowsKept: number;
  elapsedMs: number;
}
