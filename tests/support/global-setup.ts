/**
 * Runs once before the suite: every backend this run is told to test must be reachable, and in CI
 * (CI=true) both server backends must be configured. A backend is never skipped silently.
 */
import pg from 'pg';
import mysql from 'mysql2/promise';
import { mysqlAdminUrl, postgresAdminUrl } from './backends.js';

export default async function setup(): Promise<void> {
  const postgres = postgresAdminUrl();
  const mysqlUrl = mysqlAdminUrl();
  if (process.env.CI === 'true' && (postgres === undefined || mysqlUrl === undefined)) {
    throw new Error('CI=true but AIMDB_TEST_POSTGRES_URL and AIMDB_TEST_MYSQL_URL are not both set; .ci/run sets them');
  }
  if (postgres !== undefined) {
    const client = new pg.Client({ connectionString: postgres, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      throw new Error(`AIMDB_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (mysqlUrl !== undefined) {
    try {
      const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 5000 });
      await connection.query('select 1');
      await connection.end();
    } catch (error) {
      throw new Error(`AIMDB_TEST_MYSQL_URL is set but MySQL is unreachable: ${(error as Error).message}`);
    }
  }
  const covered = ['sqlite', postgres && 'postgresql', mysqlUrl && 'mysql'].filter(Boolean).join(', ');
  process.stdout.write(`aimdb tests cover: ${covered}\n`);
}
