/**
 * The artifact browser in a real Chromium: a run's files with sizes and hashes, folders to open,
 * previews of CSV, JSON, text and an image fetched with the dashboard's token rules, and a model
 * version's files on the model page.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { ARTIFACT_DIR, buildDashboard, launchChromium, openPage, startDashboardServer, textNow, type WatchedPage } from './support/dashboard-harness.js';

/** A valid 2×2 red PNG, built here so the test needs no binary fixture. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_unused, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = Buffer.from([0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

let ui: { dir: string; remove(): void };
let folder: string;
let db: AiDatabase;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let current: WatchedPage | undefined;
let runId = 0;
let modelName = '';

beforeAll(async () => {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  ui = await buildDashboard();
  folder = mkdtempSync(path.join(tmpdir(), 'aimdb-artifact-ui-'));
  db = await createAiDatabase({ url: `sqlite:///${path.join(folder, 'ui.sqlite')}` });
  runId = (await db.createTrainingRun({ name: 'with-artifacts' })).id;
  await db.logArtifact(runId, 'eval/metrics.csv', Buffer.from('epoch,loss\n1,0.5\n2,0.25\n'));
  await db.logArtifact(runId, 'config.json', Buffer.from('{"lr":0.001,"layers":[64,32]}'));
  await db.logArtifact(runId, 'notes.txt', Buffer.from('trained on the small split'));
  await db.logArtifact(runId, 'plots/loss.png', tinyPng());
  await db.logArtifact(runId, 'model.bin', Buffer.alloc(2048, 1));
  modelName = 'artifact-model';
  const model = await db.createModel({ name: modelName });
  const version = await db.createModelVersion({ modelId: model.id });
  await db.logModelVersionArtifact(version.id, 'weights/final.pt', Buffer.alloc(4096, 2));
  server = await startDashboardServer(db, ui.dir);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  rmSync(folder, { recursive: true, force: true });
  ui?.remove();
});

afterEach(async () => {
  const problems = current?.problems ?? [];
  await current?.page.context().close();
  current = undefined;
  expect(problems).toEqual([]);
});

async function open(pathname: string): Promise<Page> {
  current = await openPage(browser);
  await current.page.goto(`${server.url}${pathname}`);
  return current.page;
}

const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

describe('artifact browser', () => {
  it('lists a run\'s files and folders and previews CSV, JSON, text and images', async () => {
    const page = await open(`/runs/${runId}`);
    const browserPanel = page.getByTestId('artifact-browser');
    await eventually(() => browserPanel.getByRole('button', { name: 'config.json' }).count()).toBe(1);
    const text = await browserPanel.textContent();
    expect(text).toContain('eval/');
    expect(text).toContain('plots/');
    expect(text).toContain('2.0 KiB');

    await browserPanel.getByRole('button', { name: 'config.json' }).click();
    await eventually(() => textNow(page.getByTestId('artifact-text'))).toContain('"layers": [');
    await browserPanel.getByRole('button', { name: 'notes.txt' }).click();
    await eventually(() => textNow(page.getByTestId('artifact-text'))).toBe('trained on the small split');

    await browserPanel.getByRole('button', { name: 'eval/' }).click();
    await browserPanel.getByRole('button', { name: 'metrics.csv' }).click();
    await eventually(() => page.getByTestId('artifact-csv').locator('td').allTextContents()).toEqual(['1', '0.5', '2', '0.25']);

    await browserPanel.getByRole('button', { name: '..' }).click();
    await browserPanel.getByRole('button', { name: 'plots/' }).click();
    await browserPanel.getByRole('button', { name: 'loss.png' }).click();
    // evaluateAll, not evaluate: it reads at once instead of waiting up to 30 s for the image to appear.
    await eventually(() => page.locator('img.artifact-image').evaluateAll((images) => images.map((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth))).toEqual([2]);
  }, 60_000);

  it('shows a model version\'s files on the model page', async () => {
    const page = await open(`/models/${modelName}`);
    await eventually(() => page.getByTestId('artifact-browser').getByRole('button', { name: 'weights/' }).count()).toBe(1);
    await page.getByTestId('artifact-browser').getByRole('button', { name: 'weights/' }).click();
    await eventually(() => textNow(page.getByTestId('artifact-browser'))).toContain('4.0 KiB');
  }, 60_000);
});
