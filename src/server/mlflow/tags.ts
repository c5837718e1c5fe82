/**
 * Tag writes of the MLflow adapter, through the contract's per-key tag operations (atomic per key,
 * so concurrent writers of other keys are never lost).
 */
import type { AiDatabase } from '../../store/index.js';

export async function setRunTags(db: AiDatabase, runId: number, tags: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) await db.setTrainingRunTag(runId, key, value);
}

export const deleteRunTag = (db: AiDatabase, runId: number, key: string) => db.deleteTrainingRunTag(runId, key);
export const setExperimentTag = (db: AiDatabase, experimentId: number, key: string, value: string) =>
  db.setExperimentTag(experimentId, key, value);
export const setModelTag = (db: AiDatabase, modelId: number, key: string, value: string) => db.setModelTag(modelId, key, value);
export const deleteModelTag = (db: AiDatabase, modelId: number, key: string) => db.deleteModelTag(modelId, key);
