/**
 * `copyDatabase` carries artifacts: their rows and the bytes they name, each blob checked by its
 * SHA-256 on arrival, with its block list (rebuilt by the target while it verifies, decision 1014);
 * `artifacts: false` leaves both out; a corrupted source blob stops the copy.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError, copyDatabase, createAiDatabase, type AiDatabase } from '../../src/index.js';
import { blobKey, blockListKey } from '../../src/store/artifacts/blob-store.js';
import { testBackends, type ProvisionedDatabase } from '../support/backends.js';
import { temporaryArtifactsFolder } from '../support/fixtures.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Databases reopened by URL: an in-memory SQLite database cannot be.
const backends = testBackends().filter((backend) => backend.name !== 'sqlite-memory');

describe.each(backends)('copy with artifacts from sqlite into $name', (backend) => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function source(): Promise<{ db: AiDatabase; url: string; folder: string; runId: number; versionId: number }> {
    const provisioned = await backends[0]!.provision();
    const folder = await temporaryArtifactsFolder();
    const db = await createAiDatabase({ url: provisioned.url, artifacts: { url: folder } });
    cleanup.push(() => provisioned.drop(), () => db.close());
    const runId = (await db.createTrainingRun({ name: 'copied' })).id;
    const model = await db.createModel({ name: 'copied' });
    const versionId = (await db.createModelVersion({ modelId: model.id })).id;
    await db.logArtifact(runId, 'model/weights.bin', Buffer.alloc(2 * 1024 * 1024, 4));
    await db.logArtifact(runId, 'notes.txt', Buffer.from('notes'));
    await db.logModelVersionArtifact(versionId, 'weights.bin', Buffer.alloc(2 * 1024 * 1024, 4));
    return { db, url: provisioned.url, folder, runId, versionId };
  }

  async function target(): Promise<{ provisioned: ProvisionedDatabase; folder: string }> {
    const provisioned = await backend.provision();
    const folder = await temporaryArtifactsFolder();
    cleanup.push(() => provisioned.drop());
    return { provisioned, folder };
  }

  it('copies rows and bytes, each blob once, and the target reads them verified', async () => {
    const from = await source();
    const to = await target();
    const report = await copyDatabase({ url: from.url, artifacts: { url: from.folder } }, { url: to.provisioned.url, artifacts: { url: to.folder } });
    expect(report.artifacts).toEqual({ blobs: 2, copied: 2, bytesCopied: 2 * 1024 * 1024 + 5 });
    expect(report.verification?.ok).toBe(true);
    const copied = await createAiDatabase({ url: to.provisioned.url, artifacts: { url: to.folder } });
    try {
      expect((await readAll((await copied.openArtifact(from.runId, 'model/weights.bin')).stream)).equals(Buffer.alloc(2 * 1024 * 1024, 4))).toBe(true);
      expect((await readAll((await copied.openModelVersionArtifact(from.versionId, 'weights.bin')).stream)).length).toBe(2 * 1024 * 1024);
      expect(await copied.getArtifactInfo(from.runId, 'notes.txt')).toEqual(await from.db.getArtifactInfo(from.runId, 'notes.txt'));
      // Each blob arrives with its block list, so parts of it are verified in the target too.
      const weights = await copied.getArtifactInfo(from.runId, 'model/weights.bin');
      for (const sha256 of [weights.sha256, (await copied.getArtifactInfo(from.runId, 'notes.txt')).sha256]) {
        expect((await readFile(path.join(to.folder, blockListKey(sha256)))).equals(await readFile(path.join(from.folder, blockListKey(sha256))))).toBe(true);
      }
      const corrupted = Buffer.alloc(2 * 1024 * 1024, 4);
      corrupted[1000] = 5;
      await writeFile(path.join(to.folder, blobKey(weights.sha256)), corrupted);
      await expect(copied.openArtifact(from.runId, 'model/weights.bin', { range: { start: 900, end: 1100 } })).rejects.toBeInstanceOf(IntegrityError);
    } finally {
      await copied.close();
    }
  });

  it('leaves artifacts out with artifacts: false', async () => {
    const from = await source();
    const to = await target();
    const report = await copyDatabase({ url: from.url, artifacts: { url: from.folder } }, { url: to.provisioned.url, artifacts: { url: to.folder } }, { artifacts: false });
    expect(report.artifacts).toBeNull();
    const copied = await createAiDatabase({ url: to.provisioned.url, artifacts: { url: to.folder } });
    try {
      expect(await copied.listArtifacts(from.runId)).toEqual({ files: [], folders: [] });
    } finally {
      await copied.close();
    }
  });

  it('stops with IntegrityError when a source blob is corrupted', async () => {
    const from = await source();
    const to = await target();
    const info = await from.db.getArtifactInfo(from.runId, 'notes.txt');
    await writeFile(path.join(from.folder, blobKey(info.sha256)), 'NOTES');
    expect(createHash('sha256').update('NOTES').digest('hex')).not.toBe(info.sha256);
    await expect(
      copyDatabase({ url: from.url, artifacts: { url: from.folder } }, { url: to.provisioned.url, artifacts: { url: to.folder } }),
    ).rejects.toBeInstanceOf(IntegrityError);
  });
});

describe('export and import with artifacts', () => {
  it('carries the bytes in the archive, verified on import, and leaves them out with artifacts: false', async () => {
    const { exportDatabase, importDatabase } = await import('../../src/index.js');
    const sqliteFile = testBackends().find((backend) => backend.name === 'sqlite-file')!;
    const source = await sqliteFile.provision();
    const target = await sqliteFile.provision();
    const plain = await sqliteFile.provision();
    const folders = await Promise.all([temporaryArtifactsFolder(), temporaryArtifactsFolder(), temporaryArtifactsFolder()]);
    const archive = path.join(folders[0]!, 'backup.aimdb');
    try {
      const db = await createAiDatabase({ url: source.url, artifacts: { url: folders[0]! } });
      const run = (await db.createTrainingRun({})).id;
      const big = Buffer.alloc(7 * 1024 * 1024 + 3, 6);
      await db.logArtifact(run, 'big.bin', big);
      await db.logArtifact(run, 'small.txt', Buffer.from('small'));
      await db.close();
      const exported = await exportDatabase({ url: source.url, artifacts: { url: folders[0]! } }, archive);
      expect(exported.blobs).toBe(2);
      const imported = await importDatabase(archive, { url: target.url, artifacts: { url: folders[1]! } });
      expect(imported.blobs).toBe(2);
      expect(imported.verification?.ok).toBe(true);
      const back = await createAiDatabase({ url: target.url, artifacts: { url: folders[1]! } });
      expect((await readAll((await back.openArtifact(run, 'big.bin')).stream)).equals(big)).toBe(true);
      // The importing store built the block lists while it verified the bytes.
      const bigInfo = await back.getArtifactInfo(run, 'big.bin');
      expect((await readFile(path.join(folders[1]!, blockListKey(bigInfo.sha256)))).equals(await readFile(path.join(folders[0]!, blockListKey(bigInfo.sha256))))).toBe(true);
      expect((await readAll((await back.openArtifact(run, 'big.bin', { range: { start: 4 * 1024 * 1024 - 2, end: 4 * 1024 * 1024 + 1 } })).stream)).equals(big.subarray(4 * 1024 * 1024 - 2, 4 * 1024 * 1024 + 2))).toBe(true);
      await back.close();

      const without = path.join(folders[0]!, 'rows-only.aimdb');
      expect((await exportDatabase({ url: source.url, artifacts: { url: folders[0]! } }, without, { artifacts: false })).blobs).toBe(0);
      await importDatabase(without, { url: plain.url, artifacts: { url: folders[2]! } });
      const rowsOnly = await createAiDatabase({ url: plain.url, artifacts: { url: folders[2]! } });
      expect(await rowsOnly.listArtifacts(run)).toEqual({ files: [], folders: [] });
      await rowsOnly.close();
    } finally {
      for (const provisioned of [source, target, plain]) await provisioned.drop();
      for (const folder of folders) await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
