/**
 * Artifacts of runs and model versions: stored and read back byte for byte with their SHA-256,
 * listed like folders, read in ranges, refused on bad paths or a wrong declared hash (storing
 * nothing), and replaced whole when two uploads race for one path.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, ValidationError, type AiDatabase, type ArtifactSource } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';
import { sha256, readAll, pattern } from '../support/bytes.js';

interface Owner {
  label: string;
  create(db: AiDatabase): Promise<number>;
  log(db: AiDatabase, id: number, path: string, source: ArtifactSource, options?: { contentType?: string; sha256?: string }): ReturnType<AiDatabase['logArtifact']>;
  list: (db: AiDatabase, id: number, options?: { prefix?: string; recursive?: boolean }) => ReturnType<AiDatabase['listArtifacts']>;
  info: (db: AiDatabase, id: number, path: string) => ReturnType<AiDatabase['getArtifactInfo']>;
  open: (db: AiDatabase, id: number, path: string, options?: { range?: { start: number; end?: number } }) => ReturnType<AiDatabase['openArtifact']>;
  remove: (db: AiDatabase, id: number, path: string) => Promise<void>;
  deleteOwner(db: AiDatabase, id: number): Promise<void>;
}

const OWNERS: Owner[] = [
  {
    label: 'training run',
    create: async (db) => (await db.createTrainingRun({ name: uniqueName('artifacts') })).id,
    log: (db, id, p, source, options) => db.logArtifact(id, p, source, options),
    list: (db, id, options) => db.listArtifacts(id, options),
    info: (db, id, p) => db.getArtifactInfo(id, p),
    open: (db, id, p, options) => db.openArtifact(id, p, options),
    remove: (db, id, p) => db.deleteArtifact(id, p),
    deleteOwner: (db, id) => db.deleteTrainingRun(id),
  },
  {
    label: 'model version',
    create: async (db) => {
      const model = await db.createModel({ name: uniqueName('artifacts') });
      return (await db.createModelVersion({ modelId: model.id })).id;
    },
    log: (db, id, p, source, options) => db.logModelVersionArtifact(id, p, source, options),
    list: (db, id, options) => db.listModelVersionArtifacts(id, options),
    info: (db, id, p) => db.getModelVersionArtifactInfo(id, p),
    open: (db, id, p, options) => db.openModelVersionArtifact(id, p, options),
    remove: (db, id, p) => db.deleteModelVersionArtifact(id, p),
    deleteOwner: (db, id) => db.deleteModelVersion(id),
  },
];

export function defineArtifactsContract(target: ContractTarget): void {
  describe(`${target.label}: artifacts`, () => {
    const db = useDatabase(target);

    describe.each(OWNERS)('$label', (owner) => {
      it('stores a Buffer, a stream and a file, and reads each back byte for byte with its hash', async () => {
        const id = await owner.create(db());
        const bytes = pattern(300_000);
        const fromBuffer = await owner.log(db(), id, 'model/weights.bin', bytes);
        expect(fromBuffer).toMatchObject({ path: 'model/weights.bin', size: bytes.length, sha256: sha256(bytes), contentType: 'application/octet-stream' });
        expect(typeof fromBuffer.createdAt).toBe('number');

        const streamed = pattern(70_000, 7);
        const fromStream = await owner.log(db(), id, 'samples/out.txt', Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]));
        expect(fromStream).toMatchObject({ size: streamed.length, sha256: sha256(streamed), contentType: 'text/plain; charset=utf-8' });

        const folder = await mkdtemp(path.join(tmpdir(), 'aimdb-source-'));
        try {
          const file = path.join(folder, 'config.json');
          await writeFile(file, '{"lr":0.001}');
          const fromFile = await owner.log(db(), id, 'config.json', file);
          expect(fromFile).toMatchObject({ size: 12, contentType: 'application/json' });
        } finally {
          await rm(folder, { recursive: true, force: true });
        }

        const opened = await owner.open(db(), id, 'model/weights.bin');
        expect(opened.info).toEqual(fromBuffer);
        expect((await readAll(opened.stream)).equals(bytes)).toBe(true);
        expect(await owner.info(db(), id, 'samples/out.txt')).toEqual(fromStream);
        expect((await readAll((await owner.open(db(), id, 'config.json')).stream)).toString()).toBe('{"lr":0.001}');
      });

      it('lists one folder level at a time, files in path order, and whole subtrees when recursive', async () => {
        const id = await owner.create(db());
        for (const p of ['b.txt', 'a.txt', 'model/weights.bin', 'model/config.json', 'model/deep/x.bin', 'modelling.txt']) {
          await owner.log(db(), id, p, Buffer.from(p));
        }
        const root = await owner.list(db(), id);
        expect(root.files.map((file) => file.path)).toEqual(['a.txt', 'b.txt', 'modelling.txt']);
        expect(root.folders).toEqual(['model/']);
        const model = await owner.list(db(), id, { prefix: 'model' });
        expect(model.files.map((file) => file.path)).toEqual(['model/config.json', 'model/weights.bin']);
        expect(model.folders).toEqual(['model/deep/']);
        expect((await owner.list(db(), id, { prefix: 'model/' })).files).toEqual(model.files);
        const all = await owner.list(db(), id, { prefix: 'model/', recursive: true });
        expect(all.files.map((file) => file.path)).toEqual(['model/config.json', 'model/deep/x.bin', 'model/weights.bin']);
        expect(await owner.list(db(), id, { prefix: 'nothing/' })).toEqual({ files: [], folders: [] });
        // A prefix is matched exactly: case matters and LIKE wildcards are plain characters.
        expect((await owner.list(db(), id, { prefix: 'MODEL' })).files).toEqual([]);
        expect((await owner.list(db(), id, { prefix: 'mod%', recursive: true })).files).toEqual([]);
      });

      it('reads byte ranges, clipped to the end of the file', async () => {
        const id = await owner.create(db());
        const bytes = pattern(10_000, 3);
        await owner.log(db(), id, 'data.bin', bytes);
        const middle = await owner.open(db(), id, 'data.bin', { range: { start: 100, end: 199 } });
        expect(middle.range).toEqual({ start: 100, end: 199 });
        expect((await readAll(middle.stream)).equals(bytes.subarray(100, 200))).toBe(true);
        const tail = await owner.open(db(), id, 'data.bin', { range: { start: 9_990 } });
        expect(tail.range).toEqual({ start: 9_990, end: 9_999 });
        expect((await readAll(tail.stream)).equals(bytes.subarray(9_990))).toBe(true);
        const clipped = await owner.open(db(), id, 'data.bin', { range: { start: 9_999, end: 50_000 } });
        expect((await readAll(clipped.stream)).equals(bytes.subarray(9_999))).toBe(true);
        await expectRejection(owner.open(db(), id, 'data.bin', { range: { start: 10_000 } }), ValidationError, { field: 'range.start' });
      });

      it('stores an empty file', async () => {
        const id = await owner.create(db());
        const info = await owner.log(db(), id, 'empty', Buffer.alloc(0));
        expect(info).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
        expect((await readAll((await owner.open(db(), id, 'empty')).stream)).length).toBe(0);
      });

      it('refuses bad paths with a ValidationError naming the field, and stores nothing', async () => {
        const id = await owner.create(db());
        const bad = ['', '../escape', 'a/../../b', '/etc/passwd', 'C:/windows', 'a\\b', 'nul\0byte', 'a//b', 'trailing/', './here', 'x'.repeat(513), 'bell\u0007'];
        for (const p of bad) {
          await expectRejection(owner.log(db(), id, p, Buffer.from('x')), ValidationError, { field: 'path' });
        }
        await expectRejection(owner.info(db(), id, '../x'), ValidationError, { field: 'path' });
        await expectRejection(owner.list(db(), id, { prefix: '../' }), ValidationError, { field: 'prefix' });
        await expectRejection(owner.log(db(), id, 'ok.txt', Buffer.from('x'), { sha256: 'zz' }), ValidationError, { field: 'sha256' });
        await expectRejection(owner.log(db(), id, 'ok.txt', Buffer.from('x'), { contentType: 'not a type' }), ValidationError, { field: 'contentType' });
        // The longest allowed path works, with characters outside ASCII.
        const longest = `é/${'x'.repeat(510)}`;
        expect((await owner.log(db(), id, longest, Buffer.from('x'))).path).toBe(longest);
        expect((await owner.list(db(), id, { recursive: true })).files.map((file) => file.path)).toEqual([longest]);
      });

      it('refuses bytes that do not match the declared SHA-256 and leaves the path as it was', async () => {
        const id = await owner.create(db());
        const original = await owner.log(db(), id, 'weights.bin', Buffer.from('first'), { sha256: sha256(Buffer.from('first')) });
        await expectRejection(
          owner.log(db(), id, 'weights.bin', Buffer.from('second'), { sha256: sha256(Buffer.from('other')) }),
          IntegrityError,
          { field: 'sha256' },
        );
        expect(await owner.info(db(), id, 'weights.bin')).toEqual(original);
        await expectRejection(
          owner.log(db(), id, 'never.bin', Buffer.from('x'), { sha256: sha256(Buffer.from('y')) }),
          IntegrityError,
        );
        await expectRejection(owner.info(db(), id, 'never.bin'), NotFoundError);
      });

      it('stores nothing when the source stream fails midway', async () => {
        const id = await owner.create(db());
        const source = new PassThrough();
        const logging = owner.log(db(), id, 'broken.bin', source);
        source.write(pattern(64 * 1024));
        setTimeout(() => source.destroy(new Error('the network went away')), 20);
        await expect(logging).rejects.toThrow();
        await expectRejection(owner.info(db(), id, 'broken.bin'), NotFoundError);
        expect((await owner.list(db(), id)).files).toEqual([]);
      });

      it('refuses a source stream that fails before it is read, without crashing the process', async () => {
        const id = await owner.create(db());
        const source = new PassThrough();
        const logging = owner.log(db(), id, 'early.bin', source);
        // Destroyed while the upload still looks up its owner: an 'error' nobody listened to would be uncaught.
        source.destroy(new Error('gone at once'));
        await expect(logging).rejects.toThrow();
        await expectRejection(owner.info(db(), id, 'early.bin'), NotFoundError);
      });

      it('ends two concurrent uploads to one path with one whole winner', async () => {
        const id = await owner.create(db());
        const first = pattern(200_000, 11);
        const second = pattern(200_000, 12);
        const results = await Promise.allSettled([
          owner.log(db(), id, 'race.bin', first),
          owner.log(db(), id, 'race.bin', second),
        ]);
        expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
        const info = await owner.info(db(), id, 'race.bin');
        expect([sha256(first), sha256(second)]).toContain(info.sha256);
        const read = await readAll((await owner.open(db(), id, 'race.bin')).stream);
        expect(sha256(read)).toBe(info.sha256);
        expect((await owner.list(db(), id)).files).toHaveLength(1);
      });

      it('replaces an artifact logged again, deletes it, and says not found afterwards', async () => {
        const id = await owner.create(db());
        await owner.log(db(), id, 'notes.md', Buffer.from('v1'));
        const replaced = await owner.log(db(), id, 'notes.md', Buffer.from('version 2'), { contentType: 'text/markdown' });
        expect(replaced).toMatchObject({ size: 9, contentType: 'text/markdown' });
        expect((await readAll((await owner.open(db(), id, 'notes.md')).stream)).toString()).toBe('version 2');
        await owner.remove(db(), id, 'notes.md');
        await expectRejection(owner.info(db(), id, 'notes.md'), NotFoundError);
        await expectRejection(owner.open(db(), id, 'notes.md'), NotFoundError);
        await expectRejection(owner.remove(db(), id, 'notes.md'), NotFoundError);
      });

      it('answers NotFoundError for an unknown owner, and releases artifacts with a deleted owner', async () => {
        await expectRejection(owner.log(db(), 999_999_999, 'a.txt', Buffer.from('x')), NotFoundError);
        await expectRejection(owner.list(db(), 999_999_999), NotFoundError);
        const id = await owner.create(db());
        await owner.log(db(), id, 'a.txt', Buffer.from('x'));
        await owner.deleteOwner(db(), id);
        await expectRejection(owner.list(db(), id), NotFoundError);
      });
    });

    it('stores identical bytes logged by two owners once, and each reads them', async () => {
      const runA = (await db().createTrainingRun({})).id;
      const runB = (await db().createTrainingRun({})).id;
      const bytes = pattern(50_000, 5);
      const a = await db().logArtifact(runA, 'ckpt.pt', bytes);
      const b = await db().logArtifact(runB, 'copy/ckpt.pt', bytes);
      expect(a.sha256).toBe(b.sha256);
      await db().deleteArtifact(runA, 'ckpt.pt');
      expect((await readAll((await db().openArtifact(runB, 'copy/ckpt.pt')).stream)).equals(bytes)).toBe(true);
    });
  });
}
