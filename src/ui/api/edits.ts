/**
 * The dashboard's writes (decision 1203). Each edit of a run sends the `updatedAt` the page showed,
 * so a change someone else made meanwhile comes back as a 409 the page explains.
 */
import type { TrainingRun } from '../../core/entities.js';
import { decodeTrainingRun } from '../../core/wire-decoding.js';
import { sendJson } from './http.js';

export interface RunPatch {
  name?: string | null;
  notes?: string | null;
  deleted?: boolean;
}

export async function updateRun(run: TrainingRun, patch: RunPatch): Promise<TrainingRun> {
  const body = { ...patch, expectedUpdatedAt: run.updatedAt.toISOString() };
  return decodeTrainingRun(await sendJson('PATCH', `/runs/${run.id}`, body));
}

export async function setRunTag(runId: number, key: string, value: string): Promise<void> {
  await sendJson('PUT', `/runs/${runId}/tags`, { key, value });
}

export async function deleteRunTag(runId: number, key: string): Promise<void> {
  await sendJson('DELETE', `/runs/${runId}/tags`, undefined, { key });
}
