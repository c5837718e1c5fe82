/**
 * `migrate: false` is how an application runs as a user without DDL rights, after a DBA migrated the
 * schema: it must open and work with only SELECT/INSERT/UPDATE/DELETE, on PostgreSQL and MySQL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { mysqlAdminUrl, postgresAdminUrl, serverBackends, type ProvisionedDatabase } from '../support/backends.js';
import { explainWhenNoServerBackends } from '../support/fixtures.js';

/** Creates a DML-only user on the provisioned database; returns its URL and how to remove it. */
async function createDmlUser(family: 'postgresql' | 'mysql', url: string) {
  const user = `aimdb_dml_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (family === 'postgresql') {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create role ${user} login password '${password}'`);
      await admin.query(`grant connect on database "${database}" to ${user}`);
      await admin.query(`grant usage on schema public to ${user}`);
      await admin.query(`grant select, insert, update, delete on all tables in schema public to ${user}`);
      await admin.query(`grant usage, select on all sequences in schema public to ${user}`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await mysql.createConnection(url);
    try {
      for (const host of ['localhost', '127.0.0.1', '%']) {
        await admin.query(`create user '${user}'@'${host}' identified by '${password}'`);
        await admin.query(`grant select, insert, update, delete on \`${database}\`.* to '${user}'@'${host}'`);
      }
    } finally {
      await admin.end();
    }
  }
  target.username = user;
  target.password = password;
  return {
    url: target.toString(),
    /** Runs after the database is dropped, so nothing depends on the user any more. */
    remove: async (adminUrl: string) => {
      if (family === 'postgresql') {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`drop role if exists ${user}`).finally(() => admin.end());
      } else {
        const admin = await mysql.createConnection(adminUrl);
        for (const host of ['localhost', '127.0.0.1', '%']) await admin.query(`drop user if exists '${user}'@'${host}'`);
        await admin.end();
      }
    },
  };
}

explainWhenNoServerBackends(serverBackends(), 'a user without DDL rights');

describe.each(serverBackends())('$name: a user without DDL rights', (backend) => {
  let provisioned: ProvisionedDatabase;
  let dmlUser: Awaited<ReturnType<typeof createDmlUser>>;
  let owner: AiDatabase;

  beforeAll(async () => {
    provisioned = await backend.provision();
    owner = await createAiDatabase({ url: provisioned.url });
    dmlUser = await createDmlUser(backend.family as 'postgresql' | 'mysql', provisioned.url);
  });
  afterAll(async () => {
    await owner?.close();
    await provisioned?.drop();
    await dmlUser?.remove((backend.family === 'postgresql' ? postgresAdminUrl() : mysqlAdminUrl())!);
  });

  it('opens with migrate: false and reads and writes every aggregate', async () => {
    const db = await createAiDatabase({ url: dmlUser.url, migrate: false });
    try {
      const model = await db.createModel({ name: 'least-privilege' });
      const version = await db.createModelVersion({ modelId: model.id });
      const run = await db.createTrainingRun({ modelId: model.id });
      await db.logHyperparameters(run.id, { lr: 0.1 });
      await db.logMetrics(run.id, [{ name: 'loss', value: 1 }, { name: 'loss', value: Number.NaN }]);
      await db.logMetric(run.id, 'loss', 0.5, { step: 0 });
      const experiment = await db.createExperiment({ name: 'least-privilege' });
      await db.addExperimentRun(experiment.id, run.id);
      await db.logPrediction({ modelVersionId: version.id, input: 1, output: 2 });
      await db.transaction(async (tx) => tx.updateTrainingRun(run.id, { status: 'completed' }));
      expect((await db.getStatistics()).counts).toMatchObject({ models: 1, metricPoints: 2, predictions: 1 });
      // The owner sees what the DML user wrote.
      expect((await owner.getMetricSummaries(run.id))[0]).toMatchObject({ count: 2, lastStep: 1 });
    } finally {
      await db.close();
    }
  });
});
