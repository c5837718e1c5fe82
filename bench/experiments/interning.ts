// Run: npx tsx bench/experiments/interning.ts (needs the test PostgreSQL and MariaDB servers).
// Does interning metric names pay? Raw inserts of the same points into (run_id, name, step) and
// (run_id, key_id, step) tables, interleaved, plus on-disk size, on each backend.
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { rmSync } from 'node:fs';
const NAMES = ['train/loss', 'train/accuracy', 'val/loss', 'val/accuracy_top1', 'val/accuracy_top5', 'learning_rate', 'grad_norm', 'throughput/samples_per_sec', 'gpu/memory_allocated_gb', 'epoch_time_s'];
const RUNS = 60, STEPS = 2000, BATCH = 10000; // 1.2M points per variant
function* batches(run: number) { let b: any[] = []; for (let s = 0; s < STEPS; s++) for (let m = 0; m < NAMES.length; m++) { b.push([run, m, s, Math.random()]); if (b.length === BATCH) { yield b; b = []; } } if (b.length) yield b; }
const tuples = (n: number, k: number, num: boolean) => Array.from({ length: n }, (_, i) => '(' + Array.from({ length: k }, (_, j) => num ? `$${i * k + j + 1}` : '?').join(',') + ')').join(',');
async function run(label: string, exec: (sql: string, p: unknown[]) => Promise<unknown>, num: boolean, size: () => Promise<[number, number]>) {
  let tName = 0, tKey = 0;
  for (let r = 1; r <= RUNS; r++) for (const b of batches(r)) {
    const pn = b.flatMap(([run, m, s, v]) => [run, NAMES[m], s, v]); const pk = b.flatMap((x) => x);
    const chunk = (p: unknown[], table: string) => { return (async () => { for (let i = 0; i < b.length; i += 1000) { const n = Math.min(1000, b.length - i); await exec(`insert into ${table} values ${tuples(n, 4, num)}`, p.slice(i * 4, (i + n) * 4)); } })(); };
    let t = performance.now(); await exec('begin', []); await chunk(pn, 'm_name'); await exec('commit', []); tName += performance.now() - t;
    t = performance.now(); await exec('begin', []); await chunk(pk, 'm_key'); await exec('commit', []); tKey += performance.now() - t;
  }
  const [sn, sk] = await size();
  console.log(label, 'name-keyed', Math.round(RUNS * STEPS * 10 / tName * 1000), 'points/s', (sn / 1e6).toFixed(0), 'MB; interned', Math.round(RUNS * STEPS * 10 / tKey * 1000), 'points/s', (sk / 1e6).toFixed(0), 'MB');
}
{ // SQLite
  const f = '/tmp/aimdb-interning-experiment.sqlite'; for (const x of [f, f + '-wal', f + '-shm']) rmSync(x, { force: true });
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec('create table m_name (run_id bigint not null, name varchar(250) not null, step bigint not null, value double, primary key (run_id, name, step))');
  db.exec('create table m_key (run_id bigint not null, key_id integer not null, step bigint not null, value double, primary key (run_id, key_id, step))');
  const cache = new Map<string, any>();
  await run('sqlite', async (sql, p) => { let s = cache.get(sql); if (!s) cache.set(sql, s = db.prepare(sql)); s.run(p); }, false, async () => {
    const q = (t: string) => (db.prepare(`select sum(pgsize) s from dbstat where name in ('${t}', (select name from sqlite_master where tbl_name = '${t}' and type = 'index'))`).get() as any).s;
    return [q('m_name'), q('m_key')];
  });
  db.close();
}
{ // PostgreSQL
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' }); await admin.connect();
  await admin.query('drop database if exists aimdb_intern'); await admin.query('create database aimdb_intern');
  const c = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/aimdb_intern' }); await c.connect();
  await c.query('create table m_name (run_id bigint not null, name varchar(250) not null, step bigint not null, value double precision, primary key (run_id, name, step))');
  await c.query('create table m_key (run_id bigint not null, key_id integer not null, step bigint not null, value double precision, primary key (run_id, key_id, step))');
  await run('postgresql', (sql, p) => c.query(sql, p), true, async () => { const r = await c.query("select pg_total_relation_size('m_name') a, pg_total_relation_size('m_key') b"); return [Number(r.rows[0].a), Number(r.rows[0].b)]; });
  await c.end(); await admin.query('drop database aimdb_intern'); await admin.end();
}
{ // MariaDB
  const admin = await mysql.createConnection({ uri: 'mysql://root@127.0.0.1:3306/test' });
  await admin.query('drop database if exists aimdb_intern'); await admin.query('create database aimdb_intern');
  const c = await mysql.createConnection({ uri: 'mysql://root@127.0.0.1:3306/aimdb_intern', charset: 'utf8mb4_bin' });
  await c.query('create table m_name (run_id bigint not null, name varchar(250) not null, step bigint not null, value double, primary key (run_id, name, step)) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin');
  await c.query('create table m_key (run_id bigint not null, key_id int not null, step bigint not null, value double, primary key (run_id, key_id, step)) engine=InnoDB');
  await run('mysql', (sql, p) => c.query(sql, p), false, async () => { await c.query('analyze table m_name, m_key'); const [r] = await c.query("select table_name t, data_length + index_length s from information_schema.tables where table_schema = 'aimdb_intern'") as any; const m = Object.fromEntries(r.map((x: any) => [x.t, Number(x.s)])); return [m.m_name, m.m_key]; });
  await c.end(); await admin.query('drop database aimdb_intern'); await admin.end();
}
