/**
 * Editing a run from its page in a real browser (Chromium), with a write token: rename, notes, a
 * tag set and removed, delete and restore; and an edit that lost a race with another client is
 * explained instead of overwriting it (docs/decisions/1203-editing-and-optimistic-concurrency.md).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase, type AiDatabase } from '../../src/index.js';
import { buildDashboard, launchChromium, openPage, screenshot, startDashboardServer, valueNow } from './support/dashboard-harness.js';

const TOKEN = 'dashboard-write-token-0123456789';

describe('editing a run in the dashboard', () => {
  let db: AiDatabase;
  let ui: { dir: string; remove(): void };
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    db = await createAiDatabase({ url: 'sqlite::memory:' });
    ui = await buildDashboard();
    server = await startDashboardServer(db, ui.dir, { tokens: [{ token: TOKEN, scope: 'write', name: 'editor' }] });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    ui?.remove();
    await db?.close();
  });

  it('renames, notes, tags, deletes and restores a run, and explains a conflicting edit', async () => {
    const run = await db.createTrainingRun({ name: 'resnet-try', tags: { gpu: 'a100' } });
    await db.updateTrainingRun(run.id, { status: 'completed' });
    const { page, problems } = await openPage(browser);
    await page.goto(`${server.url}/runs/${run.id}`);
    await page.getByLabel('API token').first().fill(TOKEN);
    await page.getByRole('button', { name: 'Save token' }).first().click();
    const editor = page.locator('.run-editor');
    await editor.waitFor();

    await editor.getByLabel('Name').fill('resnet-final');
    await editor.getByLabel('Notes').fill('best so far');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.locator('h1', { hasText: 'resnet-final' }).waitFor();
    expect(await db.getTrainingRun(run.id)).toMatchObject({ name: 'resnet-final', notes: 'best so far' });

    await editor.getByLabel('Tag key').fill('team');
    await editor.getByLabel('Tag value').fill('vision');
    await editor.getByRole('button', { name: 'Set tag' }).click();
    await editor.getByRole('button', { name: 'Remove tag team' }).waitFor();
    await editor.getByRole('button', { name: 'Remove tag gpu' }).click();
    await expect.poll(async () => (await db.getTrainingRun(run.id)).tags).toEqual({ team: 'vision' });
    // Each save re-reads the run and redraws the editor: wait for that before the next click.
    await editor.getByRole('button', { name: 'Remove tag gpu' }).waitFor({ state: 'detached' });

    await editor.getByRole('button', { name: 'Delete run' }).click();
    await editor.getByRole('button', { name: 'Restore run' }).waitFor();
    expect((await db.getTrainingRun(run.id)).deletedAt).not.toBeNull();
    await editor.getByRole('button', { name: 'Restore run' }).click();
    await editor.getByRole('button', { name: 'Delete run' }).waitFor();
    expect((await db.getTrainingRun(run.id)).deletedAt).toBeNull();

    // Moved between experiments: into the chosen one, out of the one it was in.
    const first = await db.createExperiment({ name: 'sweep-1' });
    const second = await db.createExperiment({ name: 'sweep-2' });
    await db.addExperimentRun(first.id, run.id);
    await page.reload();
    await editor.getByText('In: sweep-1').waitFor();
    await editor.locator('select').selectOption({ label: 'sweep-2' });
    await editor.getByRole('button', { name: 'Move', exact: true }).click();
    await editor.getByText('In: sweep-2').waitFor();
    expect((await db.getExperimentMemberships([run.id])).map((membership) => membership.experimentId)).toEqual([second.id]);

    // Someone else edits the run while this page shows it: the next save is refused and explained.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await db.updateTrainingRun(run.id, { notes: 'changed elsewhere' });
    await editor.getByLabel('Notes').fill('my version');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('alert').getByText('Someone else changed this run after this page loaded').waitFor();
    await screenshot(page, 'run-edit-conflict.png');
    expect((await db.getTrainingRun(run.id)).notes).toBe('changed elsewhere');
    await editor.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => valueNow(page.locator('.run-editor textarea'))).toBe('changed elsewhere');
    // The 401s before the token was entered, and the refused save, are the point of this test.
    expect(problems.filter((problem) => !problem.includes('401') && !problem.includes('409'))).toEqual([]);
  }, 120_000);
});

describe('changing the registry in the dashboard', () => {
  let db: AiDatabase;
  let ui: { dir: string; remove(): void };
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    db = await createAiDatabase({ url: 'sqlite::memory:' });
    ui = await buildDashboard();
    server = await startDashboardServer(db, ui.dir, { tokens: [{ token: TOKEN, scope: 'write', name: 'release-manager' }] });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    ui?.remove();
    await db?.close();
  });

  it('edits the description, promotes (explaining a refused second holder), moves aliases, and shows the history', async () => {
    const model = await db.createModel({ name: 'segmenter' });
    const v1 = await db.createModelVersion({ modelId: model.id });
    await db.createModelVersion({ modelId: model.id });
    await db.updateModelVersion(v1.id, { status: 'production' });
    const { page, problems } = await openPage(browser);
    await page.goto(`${server.url}/models/segmenter`);
    await page.getByLabel('API token').first().fill(TOKEN);
    await page.getByRole('button', { name: 'Save token' }).first().click();
    const editor = page.locator('.registry-editor');
    await editor.waitFor();

    await editor.getByLabel('Description', { exact: true }).fill('lesion segmentation');
    await editor.getByRole('button', { name: 'Save description' }).click();
    await expect.poll(async () => (await db.getModel(model.id)).description).toBe('lesion segmentation');
    // Each save re-reads the model and redraws the editor: wait for that before the next step.
    await page.locator('p', { hasText: 'lesion segmentation' }).first().waitFor();

    // v2 (listed first, newest) to production while v1 holds it: refused and explained.
    // The selects are named by labels that hold their options' text too: found by order.
    const selects = editor.locator('select');
    await selects.nth(0).selectOption({ label: 'v2 (none)' });
    await selects.nth(1).selectOption('production');
    await editor.getByRole('button', { name: 'Promote' }).click();
    await editor.getByRole('alert').getByText('v1 is already in production').waitFor();
    await screenshot(page, 'registry-promote-refused.png');
    await editor.getByLabel('archive the others').check();
    await editor.getByRole('button', { name: 'Promote' }).click();
    await expect.poll(async () => (await db.getModelVersions(model.id)).map((version) => version.status)).toEqual(['archived', 'production']);
    await editor.locator('option', { hasText: 'v2 (production)' }).waitFor({ state: 'attached' });

    await editor.getByLabel('Alias', { exact: true }).fill('champion');
    await selects.nth(2).selectOption({ label: 'v2' });
    await editor.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(async () => (await db.getModel(model.id)).aliases).toEqual({ champion: 2 });
    await editor.getByText('@champion → v2').first().waitFor();
    await editor.getByText('v1 production → archived by release-manager').waitFor();
    await editor.getByRole('button', { name: 'Remove alias champion' }).click();
    await expect.poll(async () => (await db.getModel(model.id)).aliases).toEqual({});
    expect(problems.filter((problem) => !problem.includes('401') && !problem.includes('409'))).toEqual([]);
  }, 120_000);
});

describe('editing a dataset description in the dashboard', () => {
  it('saves the description, and explains a conflicting edit', async () => {
    const db = await createAiDatabase({ url: 'sqlite::memory:' });
    const ui = await buildDashboard();
    const server = await startDashboardServer(db, ui.dir, { tokens: [{ token: TOKEN, scope: 'write', name: 'curator' }] });
    const browser = await launchChromium();
    try {
      const dataset = await db.createDataset({ name: 'scans', version: '1' });
      const { page, problems } = await openPage(browser);
      await page.goto(`${server.url}/datasets/${dataset.id}`);
      await page.getByLabel('API token').first().fill(TOKEN);
      await page.getByRole('button', { name: 'Save token' }).first().click();
      const editor = page.locator('.description-editor');
      await editor.waitFor();
      await editor.locator('textarea').fill('CT scans, 2024');
      await editor.getByRole('button', { name: 'Save description' }).click();
      await expect.poll(async () => (await db.getDataset(dataset.id)).description).toBe('CT scans, 2024');
      await page.getByText('CT scans, 2024').first().waitFor();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await db.updateDataset(dataset.id, { description: 'changed elsewhere' });
      await editor.locator('textarea').fill('mine');
      await editor.getByRole('button', { name: 'Save description' }).click();
      await editor.getByRole('alert').getByText('Someone else changed this dataset').waitFor();
      expect((await db.getDataset(dataset.id)).description).toBe('changed elsewhere');
      expect(problems.filter((problem) => !problem.includes('401') && !problem.includes('409'))).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
      ui.remove();
      await db.close();
    }
  }, 180_000);
});
