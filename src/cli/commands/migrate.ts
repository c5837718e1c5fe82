/**
 * `aimdb migrate status|up|sql`: the schema version, applying pending migrations, or the DDL for a
 * DBA to apply by hand. None of them migrates implicitly.
 */
import type { Command } from 'commander';
import type { ConnectionSpec } from '../../config/connection.js';
import { describeConnection } from '../../config/connection.js';
import { LATEST_SCHEMA_VERSION, migrateToLatest, migrationSql, schemaStatus } from '../../migrate/migrator.js';
import { createBackend } from '../../store/index.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { addDatabaseOptions, databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { openSchemaHandle, type SchemaHandle } from '../schema-handle.js';

type SqlSpec = Exclude<ConnectionSpec, { backend: 'http' }>;

function requireSql(spec: ConnectionSpec): SqlSpec {
  if (spec.backend === 'http') {
    throw new CliError('migrate works on a SQL database, not on an aimdb server url', { exitCode: EXIT_CODES.usage, hint: 'run it where the server runs, with its database url' });
  }
  return spec;
}

async function withSchemaHandle<T>(spec: SqlSpec, fn: (handle: SchemaHandle) => Promise<T>, options = { create: false }): Promise<T> {
  const handle = await openSchemaHandle(spec, options);
  try {
    return await fn(handle);
  } catch (error) {
    throw handle.translate(error);
  } finally {
    await handle.close();
  }
}

export function register(program: Command, context: CliContext): void {
  const migrate = program.command('migrate').description('database schema: status, apply migrations, or print the DDL');

  databaseCommand(migrate, 'status')
    .description('the schema version of the database and pending migrations (changes nothing)')
    .action(async (_options: object, command: Command) => {
      const output = context.output(command);
      const { spec } = await context.resolveDatabase(command);
      const status = await withSchemaHandle(requireSql(spec), (handle) => schemaStatus(handle.db));
      if (output.json) {
        output.printJson({ database: describeConnection(spec), ...status, upToDate: status.pending.length === 0 });
        return;
      }
      output.fields([
        ['database', describeConnection(spec)],
        ['schema version', status.current ?? '(empty database)'],
        ['this aimdb needs', status.latest],
        ['applied', status.applied.length === 0 ? 'none' : status.applied.join(', ')],
        ['pending', status.pending.length === 0 ? 'none (up to date)' : status.pending.join(', ')],
      ]);
      if (status.pending.length > 0) output.note("apply them with 'aimdb migrate up', or get the DDL with 'aimdb migrate sql --pending'");
    });

  databaseCommand(migrate, 'up')
    .description('apply every pending migration (needs DDL rights; takes a lock so two processes never migrate at once)')
    .action(async (_options: object, command: Command) => {
      const output = context.output(command);
      const { spec } = await context.resolveDatabase(command);
      const sqlSpec = requireSql(spec);
      const result = await withSchemaHandle(sqlSpec, async (handle) => {
        const before = await schemaStatus(handle.db);
        const applied = await migrateToLatest(handle.db, handle.backend);
        const after = await schemaStatus(handle.db);
        return { before: before.current, after: after.current, applied: (applied.results ?? []).filter((item) => item.status === 'Success').map((item) => item.migrationName) };
      }, { create: true });
      if (output.json) {
        output.printJson({ database: describeConnection(spec), ...result });
        return;
      }
      if (result.applied.length === 0) output.line(`already up to date at ${result.after ?? LATEST_SCHEMA_VERSION} (${describeConnection(spec)})`);
      else output.line(`applied ${result.applied.join(', ')}: ${result.before ?? '(empty)'} → ${result.after} (${describeConnection(spec)})`);
    });

  addDatabaseOptions(
    migrate
      .command('sql')
      .description('print the DDL of the migrations for a DBA to apply by hand; without --pending it needs no connection')
      .option('--pending', 'connect and print only the migrations this database still needs')
      .option('--from <version>', `print only the migrations after this one (e.g. 0001-initial), without connecting`),
  ).action(async (options: { pending?: boolean; from?: string }, command: Command) => {
    const output = context.output(command);
    const { spec } = await context.resolveDatabase(command);
    const sqlSpec = requireSql(spec);
    if (options.pending && options.from !== undefined) {
      throw new CliError('--pending and --from exclude each other', { exitCode: EXIT_CODES.usage, hint: 'use --pending to ask the database, --from to name the version yourself' });
    }
    let from: string | null = options.from ?? null;
    if (options.pending) from = await withSchemaHandle(sqlSpec, async (handle) => (await schemaStatus(handle.db)).current);
    const statements = await migrationSql(createBackend(sqlSpec), from);
    const ddl = statements.filter((statement) => !statement.startsWith('--'));
    if (output.json) {
      output.printJson({ backend: sqlSpec.backend, from, statements: ddl });
      return;
    }
    if (ddl.length === 0) {
      output.line(`-- nothing to apply: the schema is at ${from} already`);
      return;
    }
    output.line(`-- aimdb schema ${from === null ? 'from scratch' : `after ${from}`} up to ${LATEST_SCHEMA_VERSION}, for ${sqlSpec.backend}`);
    for (const statement of statements) output.line(statement.startsWith('--') ? `\n${statement}` : `${statement};`);
  });
}
