/** YAML and JSON config files: `${ENV}` and `${ENV:-default}` interpolation, validation, relative paths. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, loadConfigFile } from '../../src/index.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-config-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text);
  return file;
}

describe('config files', () => {
  it('reads YAML with environment interpolation, defaults and number coercion', async () => {
    const file = write(
      'aimdb.config.yaml',
      [
        'database:',
        '  backend: postgresql',
        '  host: ${DB_HOST}',
        '  port: ${DB_PORT:-6543}',
        '  database: aimdb_${STAGE:-dev}',
        '  user: ${DB_USER:-aimdb}',
        '  password: ${DB_PASSWORD}',
        '  pool:',
        '    size: 3',
        '    maxOverflow: 2',
        'server:',
        '  port: 9000',
        '  tokens:',
        '    - token: ${API_TOKEN}',
        '      scope: write',
      ].join('\n'),
    );
    const config = await loadConfigFile(file, {
      DB_HOST: 'db.internal',
      DB_PASSWORD: 's3cr3t:with@symbols',
      STAGE: '',
      API_TOKEN: 'a-token-of-24-characters',
    });
    expect(config.database).toMatchObject({
      backend: 'postgresql',
      host: 'db.internal',
      port: 6543,
      database: 'aimdb_dev',
      user: 'aimdb',
      password: 's3cr3t:with@symbols',
      pool: { size: 3, maxOverflow: 2 },
    });
    expect(config.server).toEqual({ port: 9000, tokens: [{ token: 'a-token-of-24-characters', scope: 'write' }] });
  });

  it('reads JSON the same way', async () => {
    const file = write('aimdb.config.json', JSON.stringify({ database: { url: 'mysql://app:${MYSQL_PASSWORD}@127.0.0.1/aimdb', migrate: false } }));
    const config = await loadConfigFile(file, { MYSQL_PASSWORD: 'hunter2' });
    expect(config.database).toEqual({ url: 'mysql://app:hunter2@127.0.0.1/aimdb', migrate: false });
  });

  it('names an unset variable and where it is used, instead of connecting with an empty value', async () => {
    const file = write('aimdb.config.yaml', 'database:\n  backend: mysql\n  password: ${AIMDB_TEST_UNSET_PASSWORD}\n');
    let caught: unknown;
    try {
      await loadConfigFile(file, { AIMDB_TEST_UNSET_PASSWORD: '' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.message).toContain('AIMDB_TEST_UNSET_PASSWORD');
    expect(error.message).toContain('is not set');
    expect(error.field).toBe('aimdb.config.yaml.database.password');
  });

  it('resolves a relative SQLite path against the config file, not the working directory', async () => {
    const file = write('aimdb.config.yml', 'database:\n  backend: sqlite\n  path: data/aimdb.sqlite\n');
    const config = await loadConfigFile(file, {});
    expect(config.database?.path).toBe(path.join(folder, 'data', 'aimdb.sqlite'));
  });

  it('rejects unknown keys, bad values, broken syntax and missing files with ValidationError', async () => {
    await expect(loadConfigFile(write('a.yaml', 'database:\n  hots: x\n'), {})).rejects.toThrow(/database.*hots/);
    await expect(loadConfigFile(write('b.yaml', 'database:\n  port: 70000\n'), {})).rejects.toMatchObject({
      field: 'b.yaml.database.port',
    });
    await expect(loadConfigFile(write('c.yaml', 'database:\n  backend: oracle\n'), {})).rejects.toThrow(/sqlite.*postgresql.*mysql/);
    await expect(loadConfigFile(write('d.yaml', 'database: [unclosed\n'), {})).rejects.toThrow(/not valid YAML/);
    await expect(loadConfigFile(write('e.json', '{"database": '), {})).rejects.toThrow(/not valid JSON/);
    await expect(loadConfigFile(path.join(folder, 'missing.yaml'), {})).rejects.toBeInstanceOf(ValidationError);
    await expect(loadConfigFile(write('f.yaml', 'server:\n  tokens:\n    - token: short\n      scope: write\n'), {})).rejects.toThrow(/16/);
  });

  it('treats an empty file as an empty config', async () => {
    expect(await loadConfigFile(write('empty.yaml', ''), {})).toEqual({});
  });
});
