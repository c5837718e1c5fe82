/**
 * Per-key tags on runs, experiments, models and model versions: setting or deleting one key never
 * touches the others, also when many writers change different keys at once; tags are searchable.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, type AiDatabase } from '../../src/index.js';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';
import { expectRejection, uniqueName } from './expectations.js';

interface Tagged {
  label: string;
  create(db: AiDatabase): Promise<number | string>;
  read(db: AiDatabase, id: number | string): Promise<{ tags: Record<string, string> }>;
  set(db: AiDatabase, id: number | string, key: string, value: string): Promise<void>;
  remove(db: AiDatabase, id: number | string, key: string): Promise<void>;
}

const KINDS: Tagged[] = [
  {
    label: 'training run',
    create: async (db) => (await db.createTrainingRun({ tags: { keep: 'me', team: 'a' } })).id,
    read: (db, id) => db.getTrainingRun(id as number),
    set: (db, id, key, value) => db.setTrainingRunTag(id as number, key, value),
    remove: (db, id, key) => db.deleteTrainingRunTag(id as number, key),
  },
  {
    label: 'experiment (by name)',
    create: async (db) => (await db.createExperiment({ name: uniqueName('tagged'), tags: { keep: 'me', team: 'a' } })).name,
    read: (db, id) => db.getExperiment(id),
    set: (db, id, key, value) => db.setExperimentTag(id, key, value),
    remove: (db, id, key) => db.deleteExperimentTag(id, key),
  },
  {
    label: 'model',
    create: async (db) => (await db.createModel({ name: uniqueName('tagged'), tags: { keep: 'me', team: 'a' } })).id,
    read: (db, id) => db.getModel(id),
    set: (db, id, key, value) => db.setModelTag(id, key, value),
    remove: (db, id, key) => db.deleteModelTag(id, key),
  },
  {
    label: 'model version',
    create: async (db) => {
      const model = await db.createModel({ name: uniqueName('versioned') });
      return (await db.createModelVersion({ modelId: model.id, tags: { keep: 'me', team: 'a' } })).id;
    },
    read: (db, id) => db.getModelVersion(id as number),
    set: (db, id, key, value) => db.setModelVersionTag(id as number, key, value),
    remove: (db, id, key) => db.deleteModelVersionTag(id as number, key),
  },
];

export function defineTagsContract(target: ContractTarget): void {
  describe(`${target.label}: per-key tags`, () => {
    const db = useDatabase(target);

    describe.each(KINDS)('$label', (kind) => {
      it('sets and deletes one key, leaving the others alone', async () => {
        const id = await kind.create(db());
        await kind.set(db(), id, 'team', 'b');
        await kind.set(db(), id, 'odd "key".with/slash', 'päivä ✓');
        await kind.set(db(), id, '..', 'dots');
        expect((await kind.read(db(), id)).tags).toEqual({ keep: 'me', team: 'b', 'odd "key".with/slash': 'päivä ✓', '..': 'dots' });
        await kind.remove(db(), id, 'team');
        await kind.remove(db(), id, 'odd "key".with/slash');
        expect((await kind.read(db(), id)).tags).toEqual({ keep: 'me', '..': 'dots' });
        await expectRejection(kind.remove(db(), id, 'team'), NotFoundError, { message: /tag 'team'/ });
        await expectRejection(kind.set(db(), id, '', 'x'), ValidationError, { field: 'key' });
        await expectRejection(kind.set(db(), id, 'k', 'x'.repeat(5_001)), ValidationError, { field: 'value' });
        expect((await kind.read(db(), id)).tags).toEqual({ keep: 'me', '..': 'dots' });
      });

      it('deletes keys that begin with a minus sign or hold LIKE wildcards (MariaDB reads a path key "-1" as an array index)', async () => {
        const id = await kind.create(db());
        for (const key of ['-1', '-lr', '-8e-323', '-%_\\']) await kind.set(db(), id, key, `v${key}`);
        await kind.set(db(), id, '-lr_', 'near miss');
        await kind.remove(db(), id, '-lr');
        await kind.remove(db(), id, '-%_\\');
        expect((await kind.read(db(), id)).tags).toEqual({ keep: 'me', team: 'a', '-1': 'v-1', '-8e-323': 'v-8e-323', '-lr_': 'near miss' });
        await expectRejection(kind.remove(db(), id, '-lr'), NotFoundError, { message: /tag '-lr'/ });
        await expectRejection(kind.remove(db(), id, '-2'), NotFoundError, { message: /tag '-2'/ });
      });

      it('keeps every key when many writers set different keys at once', async () => {
        const id = await kind.create(db());
        const keys = Array.from({ length: 12 }, (_, index) => `k${index}`);
        await Promise.all(keys.map((key) => kind.set(db(), id, key, key.toUpperCase())));
        await Promise.all(keys.slice(0, 6).map((key) => kind.remove(db(), id, key)));
        const expected: Record<string, string> = { keep: 'me', team: 'a' };
        for (const key of keys.slice(6)) expected[key] = key.toUpperCase();
        expect((await kind.read(db(), id)).tags).toEqual(expected);
      });

      it('names a missing entity', async () => {
        const missing = typeof (await kind.create(db())) === 'number' ? 987_654 : 'no-such-name';
        await expectRejection(kind.set(db(), missing, 'a', 'b'), NotFoundError);
        await expectRejection(kind.remove(db(), missing, 'a'), NotFoundError);
      });
    });

    it('finds runs by a tag set one key at a time', async () => {
      const marker = uniqueName('marker');
      const run = await db().createTrainingRun({ tags: { other: 'x' } });
      await db().setTrainingRunTag(run.id, 'marker', marker);
      expect((await db().searchRuns(`tags.marker = '${marker}' and tags.other = 'x'`)).items.map((item) => item.id)).toEqual([run.id]);
      await db().deleteTrainingRunTag(run.id, 'marker');
      expect((await db().searchRuns(`tags.marker = '${marker}'`)).items).toEqual([]);
    });

    it('finds runs by a tag whose key begins with a minus sign', async () => {
      const marker = uniqueName('minus');
      const run = await db().createTrainingRun({ tags: { '-lr': marker, other: 'x' } });
      await db().createTrainingRun({ tags: { '-lr_': marker } });
      expect((await db().searchRuns(`tags.\`-lr\` = '${marker}'`)).items.map((item) => item.id)).toEqual([run.id]);
    });
  });
}
