/**
 * Kept statements (decision 1306): a text registered with `keepPrepared` is prepared once per
 * connection and then only executed, on the server backends; any other text is prepared per call
 * (MySQL) or sent unnamed (PostgreSQL), so ad-hoc statements never pile up on the server.
 */
import { CompiledQuery, Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { toConnectionSpec } from '../../../src/config/connection.js';
import { keepPrepared } from '../../../src/store/backends/kept-statements.js';
import { createBackend } from '../../../src/store/index.js';
import { serverBackends, type ProvisionedDatabase } from '../../support/backends.js';
import { explainWhenNoServerBackends } from '../../support/fixtures.js';

const CALLS = 5;

explainWhenNoServerBackends(serverBackends(), 'kept statements');

describe.each(serverBackends())('$name: kept statements', (testBackend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(): Promise<Kysely<any>> {
    const provisioned: ProvisionedDatabase = await testBackend.provision();
    const spec = toConnectionSpec({ url: provisioned.url });
    if (spec.backend === 'http') throw new Error('not a SQL url');
    const db = new Kysely<any>({ dialect: createBackend(spec).dialect });
    cleanups.push(async () => {
      await db.destroy();
      await provisioned.drop();
    });
    await sql`create table kept_probe (id integer primary key, label varchar(20))`.execute(db);
    await sql`insert into kept_probe (id, label) values (1, 'one'), (2, 'two')`.execute(db);
    return db;
  }

  /** How often the session prepared a statement while `work` ran, and `work`'s result. */
  async function preparesDuring<T>(session: Kysely<any>, work: () => Promise<T>): Promise<{ prepares: number; result: T }> {
    if (testBackend.family === 'postgresql') {
      // Named statements are listed with their executions; unnamed ones are not listed at all.
      const result = await work();
      const listed = await sql<{ name: string; runs: number }>`select name, generic_plans + custom_plans as runs from pg_prepared_statements`.execute(session);
      return { prepares: listed.rows.length, result: Object.assign(result as object, { runs: listed.rows.map((row) => Number(row.runs)) }) as T };
    }
    const count = async () =>
      Number(((await sql<{ Value: string }>`show session status like 'Com_stmt_prepare'`.execute(session)).rows[0] as { Value: string }).Value);
    const before = await count();
    const result = await work();
    return { prepares: (await count()) - before, result };
  }

  it('prepares a kept statement once per connection and runs it with each call’s values', async () => {
    const db = await open();
    const text = testBackend.family === 'postgresql' ? 'select label from kept_probe where id = $1' : 'select label from kept_probe where id = ?';
    keepPrepared(text);
    await db.connection().execute(async (session) => {
      const { prepares, result } = await preparesDuring(session, async () => {
        const labels: unknown[] = [];
        for (let call = 0; call < CALLS; call++) {
          const id = (call % 2) + 1;
          labels.push(((await session.executeQuery(CompiledQuery.raw(text, [id]))).rows[0] as { label: string }).label);
        }
        return { labels };
      });
      expect(result.labels).toEqual(['one', 'two', 'one', 'two', 'one']);
      expect(prepares).toBe(1);
      if (testBackend.family === 'postgresql') expect((result as unknown as { runs: number[] }).runs).toEqual([CALLS]);
    });
  });

  it('does not keep statements that were not registered', async () => {
    const db = await open();
    await db.connection().execute(async (session) => {
      const { prepares } = await preparesDuring(session, async () => {
        for (let call = 0; call < CALLS; call++) await sql`select id, label from kept_probe where id = ${(call % 2) + 1}`.execute(session);
        return {};
      });
      // MySQL prepares each read afresh (and closes it); PostgreSQL keeps nothing named.
      expect(prepares).toBe(testBackend.family === 'postgresql' ? 0 : CALLS);
    });
  });
});
