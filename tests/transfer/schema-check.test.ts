/**
 * The transfer's table specs match the migrated schema on every backend, and a column they do not
 * know stops a copy before anything is written instead of being dropped silently.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaOutdatedError } from '../../src/index.js';
import { copyDatabase } from '../../src/transfer/index.js';
import { checkTransferableSchema } from '../../src/transfer/schema-check.js';
import { backendPairs, locationOf, openTestDatabase, type OpenedTestDatabase } from './transfer-fixtures.js';

describe.each(backendPairs())('transferable schema %s', (_label, sourceBackend, targetBackend) => {
  const opened: OpenedTestDatabase[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.dispose();
  });

  it('knows every column of the current schema, and refuses a column it does not know', async () => {
    const source = await openTestDatabase(sourceBackend);
    opened.push(source);
    const target = await openTestDatabase(targetBackend);
    opened.push(target);
    await expect(checkTransferableSchema(source.db.kysely, 'source')).resolves.toBeUndefined();

    await source.db.createModel({ name: 'resnet' });
    await source.db.kysely.schema.alterTable('models').addColumn('owner_email', 'varchar(100)').execute();
    const failure = copyDatabase(locationOf(source), locationOf(target));
    await expect(failure).rejects.toThrow(SchemaOutdatedError);
    await expect(failure).rejects.toThrow(/source: .*models\.owner_email is not known to this aimdb/);
    expect((await target.db.listModels()).items).toEqual([]);
  });
});
