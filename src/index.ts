/**
 * aimdb: an AI model database. One typed, async API over SQLite, PostgreSQL, MySQL and HTTP.
 */
export type * from './core/entities.js';
export { BACKEND_NAMES, EXPERIMENT_STATUSES, MODEL_VERSION_STATUSES, RUN_STATUSES, TERMINAL_RUN_STATUSES } from './core/entities.js';
export * from './core/errors.js';
export {
  LIMITS,
  parseInput,
  type CreateDatasetInput,
  type CreateExperimentInput,
  type CreateModelInput,
  type CreateModelVersionInput,
  type CreateTrainingRunInput,
  type ListDatasetsQuery,
  type ListExperimentsQuery,
  type ListModelsQuery,
  type LatestMetricsQuery,
  type ListAllModelVersionsQuery,
  type ListModelVersionsQuery,
  type ListPredictionsQuery,
  type ListTrainingRunsQuery,
  type MetricWriteOptions,
  type MetricBucketQuery,
  type MetricBucketsBulkQuery,
  type MetricOptions,
  type MetricPointInput,
  type MetricQuery,
  type PredictionInput,
  type SearchRunsOptions,
  type TextSearchOptions,
  type PredictionStatsQuery,
  type GroundTruthInput,
  type UpdateDatasetInput,
  type UpdateExperimentInput,
  type UpdateModelInput,
  type UpdateModelVersionInput,
  type UpdateTrainingRunInput,
  type GcOptions,
  type ListRegistryEventsQuery,
  type RegistryChangeOptions,
} from './core/schemas.js';
export type * from './store/ai-database.js';
/** What migrateToLatest, migrationSql and the transfer functions take: a backend's SQL dialect and capabilities. */
export type { Backend } from './store/index.js';
export { LATENCY_RELATIVE_ERROR, CONFIDENCE_BINS } from './core/prediction-sketch.js';
export {
  ARTIFACT_LIMITS,
  checkArtifactPath,
  guessContentType,
  type ArtifactInfo,
  type ArtifactListing,
  type ArtifactOwner,
  type ByteRange,
  type ListArtifactsOptions,
  type LogArtifactOptions,
  type OpenArtifactOptions,
} from './core/artifacts.js';
export type { BlobStore, BlobEntry, StagedBlob, TrashedBlob } from './store/artifacts/blob-store.js';
export type { ArtifactGcOptions, ArtifactGcReport } from './store/sql/artifacts.js';
export {
  collectArtifactGarbage,
  createAiDatabase,
  createAiDatabaseFromConfig,
  openAiDatabase,
  openSqlDatabase,
  type AiDatabaseOptions,
} from './database/open.js';
export { SqlAiDatabase } from './store/index.js';
export {
  loadConfigFile,
  resolveDatabaseConfig,
  DEFAULT_CONFIG_FILES,
  DEFAULT_SQLITE_FILE,
  type ArtifactsConfig,
  type DatabaseConfig,
  type ServerConfig,
  type ConfigFile,
  type ResolvedDatabaseConfig,
  type RetentionConfig,
  parseDuration,
} from './config/config.js';
export { describeConnection, redactUrl, toConnectionSpec, type ConnectionSpec } from './config/connection.js';
export { LATEST_SCHEMA_VERSION, migrateToLatest, migrationSql, schemaStatus, type SchemaStatus } from './migrate/migrator.js';
export {
  createRunLogger,
  type RunLogger,
  type RunLoggerCloseResult,
  type RunLoggerOptions,
  type RunLoggerOverflow,
  type RunLoggerStats,
  type RunEnding,
} from './logging/run-logger.js';
export {
  ARCHIVE_FORMAT_VERSION,
  copyDatabase,
  exportDatabase,
  importDatabase,
  verifyDatabases,
  VerificationFailedError,
  type ArchiveManifest,
  type CopyOptions,
  type CopyReport,
  type DatabaseLocation,
  type ExportOptions,
  type ExportReport,
  type ImportOptions,
  type ImportReport,
  type ProgressListener,
  type TableTransferReport,
  type TableVerification,
  type TransferProgress,
  type VerificationReport,
} from './transfer/index.js';
