/**
 * Auto-detection order: AIMDB_CONFIG → ./aimdb.config.yaml|yml|json → AIMDB_DATABASE_URL → ./aimdb.sqlite,
 * checked with a temporary working directory and an explicit environment.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, openAiDatabase, resolveDatabaseConfig } from '../../src/index.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'aimdb-detect-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const yaml = (name: string) => `database:\n  backend: sqlite\n  path: ${name}.sqlite\n`;

describe('auto-detection', () => {
  it('prefers AIMDB_CONFIG over config files in the directory and over AIMDB_DATABASE_URL', async () => {
    mkdirSync(path.join(cwd, 'conf'));
    writeFileSync(path.join(cwd, 'conf', 'chosen.yaml'), yaml('chosen'));
    writeFileSync(path.join(cwd, 'aimdb.config.yaml'), yaml('local'));
    const resolved = await resolveDatabaseConfig({
      cwd,
      env: { AIMDB_CONFIG: 'conf/chosen.yaml', AIMDB_DATABASE_URL: 'postgresql://x@h/db' },
    });
    expect(resolved.source).toBe('config-file');
    expect(resolved.configPath).toBe(path.join(cwd, 'conf', 'chosen.yaml'));
    expect(resolved.config.path).toBe(path.join(cwd, 'conf', 'chosen.sqlite'));
    expect(resolved.reason).toMatch(/AIMDB_CONFIG/);
  });

  it('fails loudly when AIMDB_CONFIG names a missing file instead of falling back', async () => {
    writeFileSync(path.join(cwd, 'aimdb.config.yaml'), yaml('local'));
    await expect(resolveDatabaseConfig({ cwd, env: { AIMDB_CONFIG: 'nope.yaml' } })).rejects.toBeInstanceOf(ValidationError);
  });

  it('looks for aimdb.config.yaml, then .yml, then .json in the working directory', async () => {
    writeFileSync(path.join(cwd, 'aimdb.config.json'), JSON.stringify({ database: { backend: 'sqlite', path: 'json.sqlite' } }));
    const fromJson = await resolveDatabaseConfig({ cwd, env: { AIMDB_DATABASE_URL: 'mysql://x@h/db' } });
    expect(fromJson.configPath).toBe(path.join(cwd, 'aimdb.config.json'));
    writeFileSync(path.join(cwd, 'aimdb.config.yml'), yaml('yml'));
    expect((await resolveDatabaseConfig({ cwd, env: {} })).configPath).toBe(path.join(cwd, 'aimdb.config.yml'));
    writeFileSync(path.join(cwd, 'aimdb.config.yaml'), yaml('yaml'));
    const fromYaml = await resolveDatabaseConfig({ cwd, env: { AIMDB_CONFIG: '' } });
    expect(fromYaml.configPath).toBe(path.join(cwd, 'aimdb.config.yaml'));
    expect(fromYaml.config.path).toBe(path.join(cwd, 'yaml.sqlite'));
  });

  it('uses AIMDB_DATABASE_URL when there is no config file, and ./aimdb.sqlite when there is nothing', async () => {
    const fromEnv = await resolveDatabaseConfig({ cwd, env: { AIMDB_DATABASE_URL: 'postgresql://app@db/aimdb' } });
    expect(fromEnv).toMatchObject({ source: 'environment', config: { url: 'postgresql://app@db/aimdb' } });
    const fallback = await resolveDatabaseConfig({ cwd, env: { AIMDB_DATABASE_URL: '' } });
    expect(fallback).toMatchObject({ source: 'default', config: { backend: 'sqlite', path: path.join(cwd, 'aimdb.sqlite') } });
    expect(fallback.reason).toMatch(/AIMDB_DATABASE_URL/);
  });

  it('openAiDatabase() with nothing configured creates ./aimdb.sqlite and works', async () => {
    const saved = { dir: process.cwd(), config: process.env.AIMDB_CONFIG, url: process.env.AIMDB_DATABASE_URL };
    delete process.env.AIMDB_CONFIG;
    delete process.env.AIMDB_DATABASE_URL;
    process.chdir(cwd);
    try {
      const db = await openAiDatabase();
      try {
        await db.createModel({ name: 'auto-detected' });
        expect((await db.health()).backend).toBe('sqlite');
      } finally {
        await db.close();
      }
      expect(existsSync(path.join(cwd, 'aimdb.sqlite'))).toBe(true);
    } finally {
      process.chdir(saved.dir);
      if (saved.config !== undefined) process.env.AIMDB_CONFIG = saved.config;
      if (saved.url !== undefined) process.env.AIMDB_DATABASE_URL = saved.url;
    }
  });
});
