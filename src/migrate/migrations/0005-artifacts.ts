/**
 * Artifact metadata: one row per (owner, path) naming the SHA-256 of the bytes, which live in the
 * blob store (docs/decisions/1000-artifact-store.md). One table per owner kind, so each row's owner
 * is a real foreign key and deleting a run or a model version releases its artifacts with it.
 */
import type { Kysely } from 'kysely';
import type { Backend } from '../../store/backends/backend.js';

/** Matches ARTIFACT_LIMITS.pathLength; 512 utf8mb4 characters keep MySQL's key under 3,072 bytes. */
const PATH_TYPE = 'varchar(512)';

async function createArtifactTable(db: Kysely<any>, backend: Backend, table: string, ownerColumn: string, ownerTable: string) {
  await backend
    .withTableOptions(db.schema.createTable(table))
    .addColumn(ownerColumn, 'bigint', (c) => c.notNull().references(`${ownerTable}.id`).onDelete('cascade'))
    .addColumn('path', PATH_TYPE, (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'char(64)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, [ownerColumn, 'path'])
    .execute();
  // Garbage collection asks "is this hash still referenced?" once per candidate blob.
  await db.schema.createIndex(`${table}_sha256`).on(table).column('sha256').execute();
}

export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await createArtifactTable(db, backend, 'run_artifacts', 'run_id', 'training_runs');
  await createArtifactTable(db, backend, 'model_version_artifacts', 'model_version_id', 'model_versions');
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('model_version_artifacts').execute();
  await db.schema.dropTable('run_artifacts').execute();
}
