/**
 * The store's public entry: what the layers above (server, client, cli, transfer, logging, ui) may
 * use of it. Lint forbids importing any other file of src/store from there (decision 0131), so the
 * modules behind this entry can change without reaching into their callers.
 */
export type * from './ai-database.js';
export { SqlAiDatabase, type SchemaInfo } from './sql/sql-ai-database.js';
/** Histories as columns for the server's columnar answers (decision 1308). */
export { readMetricColumns, type MetricColumnStore, type MetricSeriesColumns } from './metric-columns.js';
export type { Backend } from './backends/backend.js';
export { checkSqlitePath, createBackend } from './backends/index.js';
export { translateError, type StoreContext } from './sql/context.js';
export { TABLE_NAMES, type Tables } from './sql/tables.js';
/** The one bulk-insert path (transfers write copied rows through it too). */
export { insertRows, type BulkTarget, type OnConflict } from './sql/bulk-insert.js';
/** Metric rows travel with their series' names; these turn names into key ids and back (decision 1304). */
export { internMetricKeys, keyNames as metricKeyNames, seriesKey as metricSeriesKey } from './sql/metric-keys.js';
/** For bulk loads that wrote metric points without their rollups (an import); see sql/metric-rollups/fill.ts. */
export { fillMetricRollups } from './sql/metric-rollups/fill.js';
/** For bulk loads that wrote predictions without their rollups (an import of an older archive). */
export { fillPredictionRollups } from './sql/prediction-rollups.js';
/** Artifact bytes: the content-addressed blob store a database keeps its artifacts in (decision 1000). */
export type { BlobStore, StagedBlob } from './artifacts/blob-store.js';
export { defaultArtifactsFolder, lazyBlobStore, openBlobStore } from './artifacts/open-blob-store.js';
export type { ArtifactGcOptions, ArtifactGcReport } from './sql/artifacts.js';
