/**
 * The dashboard's writes (decision 1203). Each edit of a run sends the `updatedAt` the page showed,
 * so a change someone else made meanwhile comes back as a 409 the page explains.
 */
import type { Dataset, Model, ModelVersion, ModelVersionStatus, RegistryEvent, TrainingRun } from '../../core/entities.js';
import { decodeDataset, decodeModel, decodeModelVersion, decodeRegistryEvent, decodeTrainingRun } from '../../core/wire-decoding.js';
import { getJson, sendJson } from './http.js';

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

export async function updateModelDescription(model: Model, description: string | null): Promise<Model> {
  return decodeModel(await sendJson('PATCH', `/models/${model.id}`, { description, expectedUpdatedAt: model.updatedAt.toISOString() }));
}

export async function promoteVersion(version: ModelVersion, status: ModelVersionStatus, archiveOthers: boolean): Promise<ModelVersion> {
  const body = { status, ...(archiveOthers ? { archiveOthers: true } : {}), expectedUpdatedAt: version.updatedAt.toISOString() };
  return decodeModelVersion(await sendJson('PATCH', `/model-versions/${version.id}`, body));
}

export async function setAlias(modelId: number, alias: string, version: number): Promise<void> {
  await sendJson('PUT', `/models/${modelId}/aliases/${encodeURIComponent(alias)}`, { version });
}

export async function removeAlias(modelId: number, alias: string): Promise<void> {
  await sendJson('DELETE', `/models/${modelId}/aliases/${encodeURIComponent(alias)}`);
}

export async function fetchRegistryEvents(modelId: number, signal?: AbortSignal): Promise<RegistryEvent[]> {
  const page = await getJson<{ items: unknown[] }>(`/models/${modelId}/events`, { limit: 20 }, signal);
  return page.items.map(decodeRegistryEvent);
}

export async function updateDatasetDescription(dataset: Dataset, description: string | null): Promise<Dataset> {
  return decodeDataset(await sendJson('PATCH', `/datasets/${dataset.id}`, { description, expectedUpdatedAt: dataset.updatedAt.toISOString() }));
}

/** The ids of the experiments a run belongs to. */
export async function fetchRunExperimentIds(runId: number, signal?: AbortSignal): Promise<number[]> {
  const memberships = await getJson<Array<{ experimentId: number | string }>>('/experiment-memberships', { runIds: runId }, signal);
  return memberships.map((membership) => Number(membership.experimentId));
}

/** Moves a run into `to`, out of every experiment it was in (an add, then the removals). */
export async function moveRunToExperiment(runId: number, from: readonly number[], to: number): Promise<void> {
  await sendJson('PUT', `/experiments/${to}/runs/${runId}`);
  for (const experimentId of from) if (experimentId !== to) await sendJson('DELETE', `/experiments/${experimentId}/runs/${runId}`);
}
