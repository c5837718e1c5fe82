/** URLs and discrete fields become one connection spec; printable forms never show the password. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError, describeConnection, redactUrl, toConnectionSpec } from '../../src/index.js';

describe('connection URLs', () => {
  it('reads SQLite URLs the SQLAlchemy way: three slashes relative, four absolute, and :memory:', () => {
    expect(toConnectionSpec({ url: 'sqlite:///data/aimdb.sqlite' })).toEqual({ backend: 'sqlite', filename: 'data/aimdb.sqlite' });
    expect(toConnectionSpec({ url: 'sqlite:////var/lib/aimdb/aimdb.sqlite' })).toEqual({ backend: 'sqlite', filename: '/var/lib/aimdb/aimdb.sqlite' });
    expect(toConnectionSpec({ url: 'sqlite::memory:' })).toEqual({ backend: 'sqlite', filename: ':memory:' });
    expect(toConnectionSpec({ url: 'sqlite:///my%20models.sqlite' })).toEqual({ backend: 'sqlite', filename: 'my models.sqlite' });
    expect(toConnectionSpec({ backend: 'sqlite', path: 'rel.sqlite' })).toEqual({ backend: 'sqlite', filename: path.resolve('rel.sqlite') });
    expect(() => toConnectionSpec({ url: 'sqlite://' })).toThrow(ValidationError);
  });

  it('reads PostgreSQL URLs with escaped credentials, defaults and SSL modes', () => {
    const spec = toConnectionSpec({ url: 'postgresql://app%40corp:p%40ss%3Aword@db.example.com:6543/models?sslmode=require' });
    expect(spec).toMatchObject({
      backend: 'postgresql',
      host: 'db.example.com',
      port: 6543,
      database: 'models',
      user: 'app@corp',
      password: 'p@ss:word',
      ssl: true,
    });
    expect(toConnectionSpec({ url: 'postgres://localhost/aimdb' })).toMatchObject({ backend: 'postgresql', port: 5432, user: 'postgres', password: undefined });
    expect(toConnectionSpec({ url: 'postgresql://h/db?sslmode=no-verify' })).toMatchObject({ ssl: { rejectUnauthorized: false } });
    expect(toConnectionSpec({ url: 'postgresql://h/db?sslmode=disable' })).toMatchObject({ ssl: false });
  });

  it('reads MySQL URLs, and discrete fields override URL parts', () => {
    expect(toConnectionSpec({ url: 'mysql://root@localhost/aimdb' })).toMatchObject({ backend: 'mysql', host: 'localhost', port: 3306, user: 'root', database: 'aimdb' });
    expect(toConnectionSpec({ url: 'mariadb://u:p@h:3307/d' })).toMatchObject({ backend: 'mysql', port: 3307, password: 'p' });
    expect(toConnectionSpec({ backend: 'mysql', url: 'mysql://u:p@h/d', password: 'override', pool: { size: 2 } })).toMatchObject({
      password: 'override',
      pool: { size: 2, maxOverflow: 10 },
    });
    expect(toConnectionSpec({ backend: 'mysql', host: 'db', database: 'aimdb', user: 'app', password: 'pw' })).toMatchObject({ host: 'db', port: 3306 });
  });

  it('names the field of a bad configuration', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      }
      throw new Error('expected a ValidationError');
    };
    expect(field(() => toConnectionSpec({ url: 'oracle://h/db' }))).toBe('url');
    expect(field(() => toConnectionSpec({ url: 'postgresql://host-only' }))).toBe('database');
    expect(field(() => toConnectionSpec({ backend: 'mysql', url: 'postgresql://h/db' }))).toBe('backend');
  });

  it('never prints the password', () => {
    const secret = 'Sup3r-Secret!';
    const spec = toConnectionSpec({ url: `postgresql://app:${encodeURIComponent(secret)}@db:5432/aimdb?sslmode=require` });
    const described = describeConnection(spec);
    expect(described).toBe('postgresql://app:***@db:5432/aimdb (ssl)');
    expect(describeConnection(toConnectionSpec({ backend: 'mysql', host: 'db', database: 'd', user: 'u', password: secret }))).not.toContain(secret);
    expect(describeConnection(toConnectionSpec({ url: 'mysql://u@db/d' }))).toBe('mysql://u@db:3306/d');
    expect(redactUrl(`connecting to mysql://u:${secret}@db/d and postgresql://v:pw@x/y failed`)).toBe(
      'connecting to mysql://u:***@db/d and postgresql://v:***@x/y failed',
    );
  });
});
