/**
 * Tag writes of the MLflow adapter. Until the per-key tag operations of the query-language branch
 * are merged, these read the tags and write them back (inside the caller's transaction where there
 * is one); afterwards they call `setTrainingRunTag` and friends.
 */
import { NotFoundError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/ai-database.js';

export async function setRunTags(db: AiDatabase, runId: number, tags: Record<string, string>): Promise<void> {
  const run = await db.getTrainingRun(runId);
  await db.updateTrainingRun(runId, { tags: { ...run.tags, ...tags } });
}

export async function deleteRunTag(db: AiDatabase, runId: number, key: string): Promise<void> {
  const run = await db.getTrainingRun(runId);
  if (run.tags[key] === undefined) throw new NotFoundError('tag', key);
  const { [key]: _removed, ...rest } = run.tags;
  await db.updateTrainingRun(runId, { tags: rest });
}

export async function setExperimentTag(db: AiDatabase, experimentId: number, key: string, value: string): Promise<void> {
  const experiment = await db.getExperiment(experimentId);
  await db.updateExperiment(experimentId, { tags: { ...experiment.tags, [key]: value } });
}

export async function setModelTag(db: AiDatabase, modelId: number, key: string, value: string): Promise<void> {
  const model = await db.getModel(modelId);
  await db.updateModel(modelId, { tags: { ...model.tags, [key]: value } });
}

export async function deleteModelTag(db: AiDatabase, modelId: number, key: string): Promise<void> {
  const model = await db.getModel(modelId);
  if (model.tags[key] === undefined) throw new NotFoundError('tag', key);
  const { [key]: _removed, ...rest } = model.tags;
  await db.updateModel(modelId, { tags: rest });
}
