/**
 * Kysely's MySQL introspector, reading only the current database. Kysely's `getTables` joins
 * information_schema.columns to information_schema.tables; MariaDB evaluates the joined side by
 * listing every database on the server ("Scanned all databases" in EXPLAIN), even with the schema
 * named on both sides. Every open of a database (schema status, the Migrator's table checks) ran it,
 * so its cost grew with the server's other databases, and it read the directories of databases that
 * other clients were creating or dropping at that moment. Two single-table reads, each limited to
 * `database()`, scan one database ("Scanned 1 database") and answer the same metadata.
 */
import {
  MysqlIntrospector,
  sql,
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely/migration';

interface TableRow {
  TABLE_NAME: string;
  TABLE_SCHEMA: string;
  TABLE_TYPE: string;
  ENGINE: string | null;
}

interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  COLUMN_DEFAULT: unknown;
  IS_NULLABLE: string;
  DATA_TYPE: string;
  EXTRA: string;
  COLUMN_COMMENT: string;
}

export class CurrentDatabaseMysqlIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;
  readonly #kysely: MysqlIntrospector;

  constructor(db: Kysely<any>) {
    this.#db = db;
    this.#kysely = new MysqlIntrospector(db);
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#kysely.getSchemas();
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const internal = new Set(options.withInternalKyselyTables === true ? [] : [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE]);
    const tables = (await this.#db
      .selectFrom('information_schema.tables')
      .select(['TABLE_NAME', 'TABLE_SCHEMA', 'TABLE_TYPE', 'ENGINE'])
      .where('TABLE_SCHEMA', '=', sql`database()`)
      .orderBy('TABLE_NAME')
      .execute()) as TableRow[];
    const columns = (await this.#db
      .selectFrom('information_schema.columns')
      .select(['TABLE_NAME', 'COLUMN_NAME', 'COLUMN_DEFAULT', 'IS_NULLABLE', 'DATA_TYPE', 'EXTRA', 'COLUMN_COMMENT'])
      .where('TABLE_SCHEMA', '=', sql`database()`)
      .orderBy('TABLE_NAME')
      .orderBy('ORDINAL_POSITION')
      .execute()) as ColumnRow[];
    const columnsOf = new Map<string, ColumnMetadata[]>();
    for (const column of columns) {
      const list = columnsOf.get(column.TABLE_NAME) ?? [];
      list.push({
        name: column.COLUMN_NAME,
        dataType: column.DATA_TYPE,
        isNullable: column.IS_NULLABLE === 'YES',
        isAutoIncrementing: column.EXTRA.toLowerCase().includes('auto_increment'),
        hasDefaultValue: column.COLUMN_DEFAULT !== null,
        ...(column.COLUMN_COMMENT === '' ? {} : { comment: column.COLUMN_COMMENT }),
      });
      columnsOf.set(column.TABLE_NAME, list);
    }
    // As Kysely's: a table is listed with its columns, so one that has none (being created) is left out.
    return tables
      .filter((table) => !internal.has(table.TABLE_NAME) && columnsOf.has(table.TABLE_NAME))
      .map((table) => ({
        name: table.TABLE_NAME,
        schema: table.TABLE_SCHEMA,
        isView: table.TABLE_TYPE === 'VIEW',
        isForeign: table.ENGINE === 'FEDERATED',
        columns: columnsOf.get(table.TABLE_NAME)!,
      }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables(options) };
  }
}
