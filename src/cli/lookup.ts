/**
 * Finding the entity a user named on the command line: numbers are ids, anything else a name.
 */
import { NotFoundError } from '../core/errors.js';
import type { ModelVersion, TrainingRun } from '../core/entities.js';
import type { AiDatabase } from '../store/index.js';
import { CliError } from './cli-error.js';
import { EXIT_CODES } from './exit-codes.js';
import type { Output } from './output.js';

/** `"12"` → 12, anything else stays a name. */
export function idOrName(text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

/** A numeric id argument, or a usage error naming the argument. */
export function parseId(text: string, what: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(id) || id < 1) {
    throw new CliError(`${what}: expected a positive integer id, got '${text}'`, { exitCode: EXIT_CODES.usage, hint: `see the ids in the matching 'list' command` });
  }
  return id;
}

/**
 * A run by id or by exact name. Run names need not be unique (the demo reuses them), so a name
 * picks the newest run with it and says so when others share it.
 */
export async function findRun(db: AiDatabase, ref: string, output?: Output): Promise<TrainingRun> {
  const key = idOrName(ref);
  if (typeof key === 'number') return db.getTrainingRun(key);
  // Deleted runs too: `runs restore NAME` must find one.
  const page = await db.listTrainingRuns({ nameContains: key, limit: 1000, view: 'all' });
  const matches = page.items.filter((run) => run.name === key);
  if (matches.length === 0) throw new NotFoundError('training run', key);
  if (matches.length > 1) output?.note(`${matches.length} runs are named '${key}'; showing the newest (#${matches[0]!.id}); pass an id for another`);
  return matches[0]!;
}

/** A model version by id (`12`) or by model and number (`VisionTransformer-CAD@2`, `3@1`). */
export async function findModelVersion(db: AiDatabase, ref: string): Promise<ModelVersion> {
  const at = ref.lastIndexOf('@');
  if (at > 0) {
    const number = Number(ref.slice(at + 1));
    if (!Number.isInteger(number) || number < 1) {
      throw new CliError(`version: expected MODEL@NUMBER such as VisionTransformer-CAD@1, got '${ref}'`, { exitCode: EXIT_CODES.usage });
    }
    return db.getModelVersionByNumber(idOrName(ref.slice(0, at)), number);
  }
  return db.getModelVersion(parseId(ref, 'version'));
}
