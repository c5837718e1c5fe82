import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../../src/store/backends/sqlite-dialect.js';

describe('SQLite statement cache', () => {
  const opened: Database.Database[] = [];
  const open = () => {
    const database = new Database(':memory:');
    opened.push(database);
    database.exec('create table t (id integer primary key, label text)');
    database.exec("insert into t (label) values ('a'), ('b'), ('c')");
    return database;
  };
  afterEach(() => {
    for (const database of opened.splice(0)) if (database.open) database.close();
  });

  it('returns the same prepared statement for the same SQL text', () => {
    const cached = withStatementCache(open());
    expect(cached.prepare('select * from t')).toBe(cached.prepare('select * from t'));
    expect(cached.prepare('select * from t')).not.toBe(cached.prepare('select id from t'));
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    const cached = withStatementCache(open());
    const first = cached.prepare('select label from t order by id') as unknown as Database.Statement;
    const iterator = first.iterate();
    expect(iterator.next().value).toEqual({ label: 'a' });
    const second = cached.prepare('select label from t order by id') as unknown as Database.Statement;
    expect(second).not.toBe(first);
    expect(second.all()).toEqual([{ label: 'a' }, { label: 'b' }, { label: 'c' }]);
    expect(iterator.next().value).toEqual({ label: 'b' });
    iterator.return?.();
  });

  it('drops the least recently used statement beyond its capacity', () => {
    const cached = withStatementCache(open(), 2);
    const a = cached.prepare('select 1');
    cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(a); // now the most recently used
    cached.prepare('select 3'); // evicts 'select 2'
    expect(cached.prepare('select 1')).toBe(a);
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 2')).toBe(two);
  });
});
