/**
 * What moving a table needs to know beyond its Kysely row type: the column kinds (to normalise
 * values read from any driver), the key (to read in keyset order and to resume), the time column
 * behind `--since`, and the one foreign key that closes a cycle and so is written after its target.
 * Metric tables travel with their series' names, as they did before names were interned (decision
 * 1304): archives of any version import, and checksums compare across versions.
 */
import { TABLE_NAMES, type Tables } from '../store/index.js';

export type TableName = (typeof TABLE_NAMES)[number];

/** How a column's values are normalised: whole numbers, doubles, text, or JSON documents held as text. */
export type ColumnKind = 'integer' | 'double' | 'text' | 'json';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

export interface TableSpec {
  readonly name: TableName;
  readonly columns: readonly ColumnSpec[];
  /** Primary key columns; the first is always an integer (an id or a run/experiment id). */
  readonly key: readonly string[];
  /** True when the key is a generated id whose counter must follow copied ids. */
  readonly generatedId: boolean;
  /**
   * Which rows `--since` keeps: a time column of the table, or rows whose parent (by `column`,
   * pointing at `parent.id`) was updated since then (hyperparameters have no time of their own).
   */
  readonly since: { column: string } | { column: string; parent: TableName; parentColumn: string };
  /** A nullable reference written only after the referenced table is complete (the version ↔ run cycle). */
  readonly deferred?: { column: string; references: TableName };
  /**
   * The `name` column is stored as `key_id`, the id of the run's metric key (metric_keys): read
   * with the name looked up, written with the name interned in the target (table-io.ts).
   */
  readonly metricKey?: true;
}

type Named<N extends string> = ColumnSpec & { name: N };
const column = <N extends string>(name: N, kind: ColumnKind, nullable = false): Named<N> => ({ name, kind, nullable });
const int = <N extends string>(name: N) => column(name, 'integer');
const intOrNull = <N extends string>(name: N) => column(name, 'integer', true);
const text = <N extends string>(name: N) => column(name, 'text');
const textOrNull = <N extends string>(name: N) => column(name, 'text', true);
const json = <N extends string>(name: N) => column(name, 'json');
const jsonOrNull = <N extends string>(name: N) => column(name, 'json', true);
const doubleOrNull = <N extends string>(name: N) => column(name, 'double', true);

/** A column a table's rows travel with: a stored column, or `name` for a metric table's key id. */
type TransferColumn<T extends TableName> = (keyof Tables[T] & string) | (Tables[T] extends { key_id: number } ? 'name' : never);
type Specs = { readonly [name in TableName]: Omit<TableSpec, 'name'> & { columns: readonly (ColumnSpec & { name: TransferColumn<name> })[] } };

const SPECS: Specs = {
  models: {
    columns: [
      int('id'), text('name'), textOrNull('description'), textOrNull('framework'), textOrNull('task'),
      textOrNull('architecture'), json('tags'), json('metadata'), int('latest_version'), intOrNull('deleted_at'),
      int('created_at'), int('updated_at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'updated_at' },
  },
  datasets: {
    columns: [
      int('id'), text('name'), text('version'), textOrNull('description'), textOrNull('source_uri'), textOrNull('format'),
      intOrNull('sample_count'), json('splits'), json('data_schema'), textOrNull('digest'), json('metadata'),
      int('created_at'), int('updated_at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'updated_at' },
  },
  training_runs: {
    columns: [
      int('id'), textOrNull('name'), intOrNull('model_id'), intOrNull('model_version_id'), intOrNull('dataset_id'),
      text('status'), json('config'), json('tags'), textOrNull('notes'), textOrNull('error'), intOrNull('started_at'),
      intOrNull('ended_at'), intOrNull('duration_ms'), intOrNull('deleted_at'), intOrNull('heartbeat_at'),
      intOrNull('heartbeat_timeout_ms'), intOrNull('lost_after'), int('created_at'), int('updated_at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'updated_at' },
    deferred: { column: 'model_version_id', references: 'model_versions' },
  },
  model_versions: {
    columns: [
      int('id'), int('model_id'), int('version'), textOrNull('description'), textOrNull('checkpoint_uri'),
      intOrNull('size_bytes'), textOrNull('sha256'), json('config'), text('status'), intOrNull('training_run_id'),
      intOrNull('dataset_id'), int('created_at'), int('updated_at'), jsonOrNull('tags'), intOrNull('deleted_at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'updated_at' },
  },
  model_aliases: {
    columns: [int('model_id'), text('alias'), int('version')],
    key: ['model_id', 'alias'],
    generatedId: false,
    since: { column: 'model_id', parent: 'models', parentColumn: 'updated_at' },
  },
  hyperparameters: {
    columns: [int('run_id'), text('name'), json('value'), doubleOrNull('value_number'), textOrNull('value_text')],
    key: ['run_id', 'name'],
    generatedId: false,
    since: { column: 'run_id', parent: 'training_runs', parentColumn: 'updated_at' },
  },
  metrics: {
    columns: [int('run_id'), text('name'), int('step'), doubleOrNull('value'), int('value_kind'), intOrNull('epoch'), int('logged_at')],
    key: ['run_id', 'name', 'step'],
    generatedId: false,
    since: { column: 'logged_at' },
    metricKey: true,
  },
  metric_step_values: {
    columns: [
      int('run_id'), text('name'), int('step'), int('seq'), doubleOrNull('value'), int('value_kind'), intOrNull('epoch'),
      int('logged_at'),
    ],
    key: ['run_id', 'name', 'step', 'seq'],
    generatedId: false,
    since: { column: 'logged_at' },
    metricKey: true,
  },
  metric_summaries: {
    columns: [
      int('run_id'), text('name'), doubleOrNull('last_value'), int('last_kind'), int('last_step'), int('last_logged_at'),
      doubleOrNull('min_value'), doubleOrNull('max_value'), int('count'),
    ],
    key: ['run_id', 'name'],
    generatedId: false,
    since: { column: 'last_logged_at' },
  },
  metric_rollups: {
    columns: [
      int('run_id'), text('name'), int('block'), int('first_step'), int('last_step'), doubleOrNull('min_value'),
      doubleOrNull('max_value'), doubleOrNull('last_value'), int('last_kind'), int('count'), int('max_logged_at'),
    ],
    key: ['run_id', 'name', 'block'],
    generatedId: false,
    // A block with any point logged since then is carried whole, like the points themselves.
    since: { column: 'max_logged_at' },
    metricKey: true,
  },
  experiments: {
    columns: [
      int('id'), text('name'), textOrNull('description'), textOrNull('hypothesis'), text('status'), json('tags'),
      textOrNull('artifact_location'), intOrNull('deleted_at'), int('created_at'), int('updated_at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'updated_at' },
  },
  experiment_runs: {
    columns: [int('experiment_id'), int('run_id'), int('added_at')],
    key: ['experiment_id', 'run_id'],
    generatedId: false,
    since: { column: 'added_at' },
  },
  run_inputs: {
    columns: [int('run_id'), int('dataset_id'), textOrNull('context'), json('tags'), int('logged_at')],
    key: ['run_id', 'dataset_id'],
    generatedId: false,
    since: { column: 'logged_at' },
  },
  predictions: {
    columns: [
      int('id'), int('model_version_id'), json('input'), json('output'), column('ground_truth', 'json', true),
      doubleOrNull('confidence'), doubleOrNull('latency_ms'), int('predicted_at'), json('metadata'), textOrNull('prediction_key'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'predicted_at' },
  },
  prediction_rollups: {
    columns: [
      int('model_version_id'), int('width_ms'), int('period_start'), int('count'), int('error_count'), int('latency_count'),
      column('latency_sum', 'double'), doubleOrNull('latency_max'), int('latency_zero'), text('latency_bins'), int('confidence_count'),
      column('confidence_sum', 'double'), text('confidence_bins'), int('labelled_count'), int('correct_count'),
    ],
    key: ['model_version_id', 'width_ms', 'period_start'],
    generatedId: false,
    // Periods that start at or after --since; a period that straddles it keeps the target's row (see decision 1100).
    since: { column: 'period_start' },
  },
  // Copied like any table; each target's own full-text index (FTS5 triggers, GIN, FULLTEXT) follows.
  search_documents: {
    columns: [text('entity'), int('entity_id'), text('title'), text('body'), int('updated_at')],
    key: ['entity', 'entity_id'],
    generatedId: false,
    since: { column: 'updated_at' },
  },
  // Artifact metadata; the bytes they name move with them (artifact-blobs.ts) unless skipped.
  run_artifacts: {
    columns: [int('run_id'), text('path'), int('size'), text('sha256'), text('content_type'), int('created_at')],
    key: ['run_id', 'path'],
    generatedId: false,
    since: { column: 'created_at' },
  },
  model_version_artifacts: {
    columns: [int('model_version_id'), text('path'), int('size'), text('sha256'), text('content_type'), int('created_at')],
    key: ['model_version_id', 'path'],
    generatedId: false,
    since: { column: 'created_at' },
  },
  registry_events: {
    columns: [
      int('id'), int('model_id'), intOrNull('version'), text('kind'), textOrNull('subject'), textOrNull('from_value'),
      textOrNull('to_value'), textOrNull('actor'), int('at'),
    ],
    key: ['id'],
    generatedId: true,
    since: { column: 'at' },
  },
};

/** The tables of artifact metadata, left out by `artifacts: false` (`--no-artifacts`). */
export const ARTIFACT_TABLES: readonly TableName[] = ['run_artifacts', 'model_version_artifacts'];

/** Every table's spec, parents first (the order rows can be inserted in). */
export const TABLE_SPECS: readonly TableSpec[] = TABLE_NAMES.map((name) => ({ name, ...SPECS[name] }) as TableSpec);

export function tableSpec(name: TableName): TableSpec {
  return TABLE_SPECS.find((spec) => spec.name === name)!;
}

/** The column a transfer column is stored in: a metric table's `name` is its key's id. */
export function storedColumnName(spec: TableSpec, column: string): string {
  return spec.metricKey === true && column === 'name' ? 'key_id' : column;
}

/** The table's stored columns, in the spec's order. */
export function storedColumns(spec: TableSpec): ColumnSpec[] {
  return spec.columns.map((column) =>
    spec.metricKey === true && column.name === 'name' ? { name: 'key_id', kind: 'integer', nullable: false } : column,
  );
}

/** The table's stored primary key (the order its rows are read in). */
export function storedKey(spec: TableSpec): string[] {
  return spec.key.map((column) => storedColumnName(spec, column));
}

export function isTableName(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}
