/**
 * `aimdb doctor`: which backend and configuration were chosen and why, then connectivity, server
 * version, schema version and pool settings. Never migrates; the password is always redacted.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { describeConnection, redactUrl, type ConnectionSpec } from '../../config/connection.js';
import { schemaStatus } from '../../migrate/migrator.js';
import { createAiDatabase } from '../../database/open.js';
import { atStage, CliError, describeFailure } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { openSchemaHandle } from '../schema-handle.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface ConnectionFacts {
  serverVersion: string;
  schemaVersion: string | null;
  latestSchemaVersion: string;
  pending: string[];
}

async function inspect(spec: ConnectionSpec): Promise<ConnectionFacts> {
  if (spec.backend === 'http') {
    const db = await createAiDatabase({ url: spec.url, ...(spec.token === undefined ? {} : { token: spec.token }) }).catch((error: unknown) => {
      throw atStage(error, 'connect');
    });
    try {
      const health = await db.health();
      return { serverVersion: health.serverVersion, schemaVersion: health.schemaVersion, latestSchemaVersion: health.latestSchemaVersion, pending: [] };
    } finally {
      await db.close();
    }
  }
  const handle = await openSchemaHandle(spec, { create: false });
  try {
    const [serverVersion, status] = await Promise.all([handle.backend.serverVersion(handle.db), schemaStatus(handle.db)]);
    return { serverVersion, schemaVersion: status.current, latestSchemaVersion: status.latest, pending: status.pending };
  } catch (error) {
    throw handle.translate(error);
  } finally {
    await handle.close();
  }
}

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'doctor')
    .description('which database aimdb would use and why; checks the connection, server and schema versions (changes nothing)')
    .action(async (_options: object, command: Command) => {
      const output = context.output(command);
      const resolved = await context.resolveDatabase(command);
      const { spec } = resolved;
      const checks: Check[] = [];
      let facts: ConnectionFacts | undefined;
      let failure: ReturnType<typeof describeFailure> | undefined;
      const missingSqliteFile = spec.backend === 'sqlite' && spec.filename !== ':memory:' && !existsSync(spec.filename);
      if (missingSqliteFile) {
        // Opening would create the file; doctor changes nothing, so it only says so.
        checks.push({ name: 'connection', ok: true, detail: `the SQLite file does not exist yet; the first command that writes (aimdb demo, migrate up, serve, import) creates it` });
      } else {
  try {
          facts = await inspect(spec);
          checks.push({ name: 'connection', ok: true, detail: `connected (${facts.serverVersion})` });
          const upToDate = facts.pending.length === 0 && facts.schemaVersion === facts.latestSchemaVersion;
          checks.push({
            name: 'schema',
            ok: upToDate || facts.schemaVersion === null,
            detail: facts.schemaVersion === null
              ? `empty database; the first command that opens it creates schema ${facts.latestSchemaVersion}`
              : upToDate
                ? `up to date (${facts.schemaVersion})`
                : `at ${facts.schemaVersion}, needs ${facts.latestSchemaVersion}: run 'aimdb migrate up'`,
          });
        } catch (error) {
          failure = describeFailure(atStage(error, 'connect'));
          checks.push({ name: 'connection', ok: false, detail: failure.line });
        }
      }
      const pool = spec.backend === 'postgresql' || spec.backend === 'mysql' ? spec.pool : undefined;
      const report = {
        backend: spec.backend,
        connection: describeConnection(spec),
        source: resolved.resolved.source,
        configFile: resolved.resolved.configPath ?? null,
        reason: resolved.resolved.reason,
        chosenBy: resolved.chosenBy,
        overrides: resolved.overrides.map(({ field, source, name }) => ({ field, source, name })),
        environment: {
          AIMDB_CONFIG: process.env.AIMDB_CONFIG || null,
          AIMDB_DATABASE_URL: process.env.AIMDB_DATABASE_URL ? redactUrl(process.env.AIMDB_DATABASE_URL) : null,
        },
        pool: pool ?? null,
        ssl: spec.backend === 'postgresql' || spec.backend === 'mysql' ? Boolean(spec.ssl) : null,
        serverVersion: facts?.serverVersion ?? null,
        schemaVersion: facts?.schemaVersion ?? null,
        latestSchemaVersion: facts?.latestSchemaVersion ?? null,
        checks,
        ok: checks.every((check) => check.ok),
      };
      if (output.json) output.printJson(report);
      else {
        output.heading('Configuration');
        output.fields([
          ['backend', spec.backend],
          ['connection', report.connection],
          ['config file', report.configFile ?? 'none'],
          ['chosen by', resolved.chosenBy],
          ['auto-detect order', 'flags > AIMDB_* variables > --config / $AIMDB_CONFIG / ./aimdb.config.{yaml,yml,json} > $AIMDB_DATABASE_URL > ./aimdb.sqlite'],
          ['overridden by', report.overrides.length === 0 ? 'nothing' : report.overrides.map((item) => `${item.field} ← ${item.name}`).join(', ')],
          ...(pool === undefined
            ? []
            : ([
                ['pool', `size ${pool.size}, max overflow ${pool.maxOverflow}, idle timeout ${pool.idleTimeoutMs} ms, acquire timeout ${pool.acquireTimeoutMs} ms, keep-alive ${pool.keepAlive ? 'on' : 'off'}`],
                ['ssl', report.ssl ? 'on' : 'off'],
              ] as Array<[string, string]>)),
        ]);
        output.line();
        output.heading('Checks');
        for (const check of checks) output.line(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(11)} ${check.detail}`);
      }
      // The report is printed either way; the exit code and one stderr line tell scripts the verdict.
      if (failure !== undefined) throw new CliError(failure.line, { exitCode: failure.exitCode });
      if (!report.ok) throw new CliError(`the schema needs migrating ('aimdb migrate up')`, { exitCode: EXIT_CODES.schema });
    });
}
