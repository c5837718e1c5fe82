/** Fresh databases for one benchmark run, dropped afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { BenchBackendName, BenchOptions } from './config.js';

export interface BenchDatabase {
  backend: BenchBackendName;
  /** What `createAiDatabase({ url })` opens. */
  url: string;
  /** SQLite only: the file, for the raw driver. */
  filename?: string;
  drop(): Promise<void>;
}

const uniqueName = () => `aimdb_bench_${process.pid}_${randomBytes(3).toString('hex')}`;

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function provisionBenchDatabase(backend: BenchBackendName, options: BenchOptions): Promise<BenchDatabase> {
  const database = uniqueName();
  switch (backend) {
    case 'sqlite': {
      const folder = mkdtempSync(path.join(tmpdir(), 'aimdb-bench-'));
      const filename = path.join(folder, 'bench.sqlite');
      return { backend, url: `sqlite:///${filename}`, filename, drop: async () => rmSync(folder, { recursive: true, force: true }) };
    }
    case 'postgresql': {
      const admin = new pg.Client({ connectionString: options.postgresAdminUrl, connectionTimeoutMillis: 5000 });
      await admin.connect();
      try {
        await admin.query(`create database "${database}"`);
      } finally {
        await admin.end();
      }
      return {
        backend,
        url: withDatabase(options.postgresAdminUrl, database),
        drop: async () => {
          const client = new pg.Client({ connectionString: options.postgresAdminUrl });
          await client.connect();
          try {
            await client.query(`drop database if exists "${database}" with (force)`);
          } finally {
            await client.end();
          }
        },
      };
    }
    case 'mysql': {
      const admin = await mysql.createConnection({ uri: options.mysqlAdminUrl, connectTimeout: 5000 });
      try {
        await admin.query(`create database \`${database}\` character set utf8mb4 collate utf8mb4_bin`);
      } finally {
        await admin.end();
      }
      return {
        backend,
        url: withDatabase(options.mysqlAdminUrl, database),
        drop: async () => {
          const client = await mysql.createConnection(options.mysqlAdminUrl);
          try {
            await client.query(`drop database if exists \`${database}\``);
          } finally {
            await client.end();
          }
        },
      };
    }
  }
}
