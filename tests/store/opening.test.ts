/**
 * Opening a database on every backend: from a config file with `${ENV}` interpolation, with `echo`
 * (SQL only, never bound values), and failed connections whose errors never show the password.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, createAiDatabase, createAiDatabaseFromConfig, type AimdbError } from '../../src/index.js';
import { serverBackends, testBackends, type ProvisionedDatabase } from '../support/backends.js';

describe.each(testBackends())('$name: opening', (backend) => {
  let provisioned: ProvisionedDatabase;
  let folder: string;
  beforeAll(async () => {
    provisioned = await backend.provision();
    folder = mkdtempSync(path.join(tmpdir(), 'aimdb-open-'));
  });
  afterAll(async () => {
    await provisioned?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('opens from a YAML config whose URL comes from the environment', async () => {
    const file = path.join(folder, 'aimdb.config.yaml');
    writeFileSync(file, 'database:\n  url: ${AIMDB_TEST_CONFIG_URL}\n  pool:\n    size: 2\n');
    process.env.AIMDB_TEST_CONFIG_URL = provisioned.url;
    try {
      const db = await createAiDatabaseFromConfig(file);
      try {
        const model = await db.createModel({ name: 'from-config' });
        expect((await db.getModel('from-config')).id).toBe(model.id);
        expect((await db.health()).backend).toBe(backend.family);
      } finally {
        await db.close();
      }
    } finally {
      delete process.env.AIMDB_TEST_CONFIG_URL;
    }
  });

  it('close() drains the pool; later calls fail with a typed error instead of hanging', async () => {
    const db = await createAiDatabase({ url: provisioned.url });
    await db.createModel({ name: 'before-close' });
    await db.close();
    await expect(db.getModel('before-close')).rejects.toBeInstanceOf(BackendError);
  });

  it('echo logs each SQL statement but never the bound values', async () => {
    const logged: string[] = [];
    const db = await createAiDatabase({ url: provisioned.url, echo: (text) => logged.push(text) });
    try {
      logged.length = 0;
      await db.createModel({ name: 'echoed', description: 'confidential-value-7731' });
      await db.getModel('echoed');
    } finally {
      await db.close();
    }
    expect(logged.some((text) => /insert into/i.test(text))).toBe(true);
    expect(logged.some((text) => /select/i.test(text))).toBe(true);
    expect(logged.join('\n')).not.toContain('confidential-value-7731');
    expect(logged.join('\n')).not.toContain('echoed');
  });
});

/** Every printable form of an error: none may contain the secret. */
function expectNoSecret(error: unknown, secret: string): void {
  expect(error).toBeInstanceOf(BackendError);
  const typed = error as AimdbError;
  for (const text of [typed.message, String(typed), typed.stack ?? '', JSON.stringify(typed.toJSON())]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the connection to fail');
}

describe.each(serverBackends())('$name: failed connections', (backend) => {
  const secret = 'Pa55-w0rd-never-printed';
  let provisioned: ProvisionedDatabase;
  beforeAll(async () => {
    provisioned = await backend.provision();
  });
  afterAll(async () => {
    await provisioned?.drop();
  });

  const withPassword = (url: string, change: (target: URL) => void = () => undefined) => {
    const target = new URL(url);
    target.password = encodeURIComponent(secret);
    change(target);
    return target.toString();
  };

  it('an unreachable server is a BackendError saying so, without the password', async () => {
    const error = await failure(createAiDatabase({ url: withPassword(provisioned.url, (target) => (target.port = '1')), pool: { acquireTimeoutMs: 5000 } }));
    expectNoSecret(error, secret);
    expect((error as Error).message).toMatch(/unreachable/);
    expect((error as Error).message).toMatch(/\*\*\*/);
  });

  it('a missing database is a BackendError naming the problem, without the password', async () => {
    const missing = (target: URL) => (target.pathname = '/aimdb_no_such_database');
    // MySQL checks the password before the database, so only PostgreSQL (trusting) gets one here.
    const url = backend.family === 'postgresql' ? withPassword(provisioned.url, missing) : new URL(provisioned.url);
    if (url instanceof URL) missing(url);
    const error = await failure(createAiDatabase({ url: url.toString() }));
    expectNoSecret(error, secret);
    expect((error as Error).message).toMatch(/does not exist/);
  });

  // PostgreSQL here trusts local connections, so only MySQL can be given a wrong password.
  if (backend.family === 'mysql') it('a wrong password is a BackendError about credentials, without the password', async () => {
    const error = await failure(createAiDatabase({ url: withPassword(provisioned.url) }));
    expectNoSecret(error, secret);
    expect((error as Error).message).toMatch(/rejected the user name or password/);
  });
});
