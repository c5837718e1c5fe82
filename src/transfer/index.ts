/** Moving data between backends: copy, export and import, as library functions. */
export { copyDatabase, type CopyOptions, type CopyReport } from './copy-database.js';
export { exportDatabase, type ExportOptions, type ExportReport } from './export-database.js';
export { importDatabase, type ImportOptions, type ImportReport } from './import-database.js';
export { verifyDatabases } from './verify-databases.js';
export { VerificationFailedError, type TableVerification, type VerificationReport } from './verify-database.js';
export { ARCHIVE_FORMAT_VERSION, type ArchiveManifest } from './archive-format.js';
export type { DatabaseLocation } from './endpoints.js';
export type { ProgressListener, TableTransferReport, TransferProgress } from './progress.js';
export type { TableName } from './table-specs.js';
