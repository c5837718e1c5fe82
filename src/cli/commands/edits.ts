/**
 * The verbs that change things (decision 1203): `runs tag|untag|note|delete|restore`,
 * `versions promote|alias`, `models events`. Each edit reads the entity first and sends the
 * `updatedAt` it read, so a change made by someone else in between is a conflict, not overwritten.
 */
import type { Command } from 'commander';
import { MODEL_VERSION_STATUSES, type ModelVersionStatus, type RegistryEvent } from '../../core/entities.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { addPageOptions, pageQuery, printPage, type PageOptions } from '../listing.js';
import { findModelVersion, findRun, idOrName } from '../lookup.js';

function parseTag(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliError(`tag: expected KEY=VALUE, got '${text}'`, { exitCode: EXIT_CODES.usage });
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseStage(value: string): ModelVersionStatus {
  const stage = value.toLowerCase();
  if (!(MODEL_VERSION_STATUSES as readonly string[]).includes(stage)) {
    throw new CliError(`stage: expected one of ${MODEL_VERSION_STATUSES.join(', ')}, got '${value}'`, { exitCode: EXIT_CODES.usage });
  }
  return stage as ModelVersionStatus;
}

/** Adds the run verbs to `aimdb runs`. */
export function registerRunEdits(runs: Command, context: CliContext): void {
  databaseCommand(runs, 'tag')
    .description('set tags of a run (one KEY=VALUE or more; other tags are left alone)')
    .argument('<run>', 'run id or name')
    .argument('<tags...>', 'KEY=VALUE pairs')
    .action(async (ref: string, tags: string[], _options: object, command: Command) => {
      const output = context.output(command);
      const pairs = tags.map(parseTag);
      await context.withDatabase(command, async (db) => {
        const run = await findRun(db, ref, output);
        for (const [key, value] of pairs) await db.setTrainingRunTag(run.id, key, value);
        const updated = await db.getTrainingRun(run.id);
        if (output.json) output.printJson(updated);
        else output.line(`run #${run.id}: tags ${pairs.map(([key, value]) => `${key}=${value}`).join(', ')} set`);
      });
    });

  databaseCommand(runs, 'untag')
    .description('remove tags of a run')
    .argument('<run>', 'run id or name')
    .argument('<keys...>', 'tag keys')
    .action(async (ref: string, keys: string[], _options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const run = await findRun(db, ref, output);
        for (const key of keys) await db.deleteTrainingRunTag(run.id, key);
        const updated = await db.getTrainingRun(run.id);
        if (output.json) output.printJson(updated);
        else output.line(`run #${run.id}: tags ${keys.join(', ')} removed`);
      });
    });

  databaseCommand(runs, 'note')
    .description("set a run's notes (--append adds a paragraph instead)")
    .argument('<run>', 'run id or name')
    .argument('<text>', 'the notes; empty clears them')
    .option('--append', 'add the text as a new paragraph after the existing notes')
    .action(async (ref: string, text: string, options: { append?: boolean }, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const run = await findRun(db, ref, output);
        const notes = options.append === true && run.notes !== null && run.notes !== '' ? `${run.notes}\n\n${text}` : text;
        const updated = await db.updateTrainingRun(run.id, { notes: notes === '' ? null : notes, expectedUpdatedAt: run.updatedAt });
        if (output.json) output.printJson(updated);
        else output.line(`run #${run.id}: notes ${updated.notes === null ? 'cleared' : 'saved'}`);
      });
    });

  for (const [verb, deleted] of [
    ['delete', true],
    ['restore', false],
  ] as const) {
    databaseCommand(runs, verb)
      .description(
        deleted
          ? "soft-delete runs: hidden from lists and search, restorable until 'aimdb gc' purges them after the retention"
          : 'restore soft-deleted runs',
      )
      .argument('<runs...>', 'run ids or names')
      .action(async (refs: string[], _options: object, command: Command) => {
        const output = context.output(command);
        await context.withDatabase(command, async (db) => {
          const done = [];
          for (const ref of refs) {
            const run = await findRun(db, ref, output);
            done.push(await db.updateTrainingRun(run.id, { deleted, expectedUpdatedAt: run.updatedAt }));
          }
          if (output.json) output.printJson({ items: done });
          else for (const run of done) output.line(`run #${run.id}: ${deleted ? 'deleted (restore with: aimdb runs restore ' + run.id + ')' : 'restored'}`);
        });
      });
  }
}

/** Adds the registry verbs to `aimdb versions`. */
export function registerVersionEdits(versions: Command, context: CliContext): void {
  databaseCommand(versions, 'promote')
    .description('move a version to a stage (none, staging, production, archived)')
    .argument('<ref>', 'version id, or MODEL@NUMBER')
    .argument('<stage>', MODEL_VERSION_STATUSES.join(' | '), parseStage)
    .option('--archive-others', 'archive the versions that hold the stage now, in the same change')
    .option('--keep-others', 'keep the versions that hold the stage now (several holders)')
    .action(async (ref: string, stage: ModelVersionStatus, options: { archiveOthers?: boolean; keepOthers?: boolean }, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const version = await findModelVersion(db, ref);
        const updated = await db.updateModelVersion(version.id, {
          status: stage,
          ...(options.archiveOthers === true ? { archiveOthers: true } : {}),
          ...(options.keepOthers === true ? { keepOthers: true } : {}),
          expectedUpdatedAt: version.updatedAt,
        });
        if (output.json) output.printJson(updated);
        else output.line(`version #${updated.id} (v${updated.version}): ${version.status} → ${updated.status}`);
      });
    });

  databaseCommand(versions, 'alias')
    .description('point an alias (champion, challenger …) at a version, moving it if it pointed elsewhere; --remove drops it')
    .argument('<model>', 'model id or name')
    .argument('<alias>', 'the alias')
    .argument('[version]', 'version number')
    .option('--remove', 'remove the alias')
    .action(async (modelRef: string, alias: string, versionText: string | undefined, options: { remove?: boolean }, command: Command) => {
      const output = context.output(command);
      const number = versionText === undefined ? undefined : Number(versionText);
      if (options.remove !== true && (number === undefined || !Number.isInteger(number) || number < 1)) {
        throw new CliError('alias: give a version number (or --remove)', { exitCode: EXIT_CODES.usage });
      }
      await context.withDatabase(command, async (db) => {
        const model =
          options.remove === true ? await db.deleteModelAlias(idOrName(modelRef), alias) : await db.setModelAlias(idOrName(modelRef), alias, number!);
        if (output.json) output.printJson(model);
        else output.line(options.remove === true ? `${model.name}@${alias} removed` : `${model.name}@${alias} → v${number}`);
      });
    });
}

function eventText(event: RegistryEvent): string {
  if (event.kind === 'alias') return `@${event.alias ?? ''}: ${event.from === null ? '–' : `v${event.from}`} → ${event.to === null ? '–' : `v${event.to}`}`;
  return `v${event.version ?? '?'}: ${event.from ?? '–'} → ${event.to ?? '–'}`;
}

/** Adds `aimdb models events`. */
export function registerModelEvents(models: Command, context: CliContext): void {
  addPageOptions(
    databaseCommand(models, 'events')
      .description("a model's registry history, newest first: stage changes and alias moves, who and when")
      .argument('<model>', 'model id or name'),
  ).action(async (modelRef: string, options: PageOptions, command: Command) => {
    const output = context.output(command);
    await context.withDatabase(command, async (db) => {
      const page = await db.getRegistryEvents(idOrName(modelRef), pageQuery(options));
      if (output.json) {
        output.printJson(page);
        return;
      }
      printPage(
        output,
        page,
        (items) => output.table(['WHEN', 'CHANGE', 'WHO'], items.map((event) => [event.at, eventText(event), event.actor])),
        'no registry events yet',
      );
    });
  });
}
