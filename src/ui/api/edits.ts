/**
 * The dashboard's writes (decision 1203). Each edit of a run sends the `updatedAt` the page showed,
 * so a change someone else made meanwhile comes back as a 409 the page explains.
 */
import type { Dataset, Model, ModelVersion, ModelVersionStatus, RegistryEvent, TrainingRun } from '../../core/entities.js';
import { decodeArray, decodeDataset, decodeModel, decodeModelVersion, decodePage, decodeRegistryEvent, decodeTrainingRun } from '../../core/wire-decoding.js';
import { API } from '../../core/api/routes.js';
import { callRoute } from './http.js';

export interface RunPatch {
  name?: string | null;
  notes?: string | null;
  deleted?: boolean;
}

export async function updateRun(run: TrainingRun, patch: RunPatch): Promise<TrainingRun> {
  const body = { ...patch, expectedUpdatedAt: run.updatedAt.toISOString() };
  return decodeTrainingRun(await callRoute(API.updateTrainingRun, { params: { id: run.id }, body }));
}

export async function setRunTag(runId: number, key: string, value: string): Promise<void> {
  await callRoute(API.setTrainingRunTag, { params: { id: runId }, body: { key, value } });
}

export async function deleteRunTag(runId: number, key: string): Promise<void> {
  await callRoute(API.deleteTrainingRunTag, { params: { id: runId }, query: { key } });
}

export async function updateModelDescription(model: Model, description: string | null): Promise<Model> {
  return decodeModel(await callRoute(API.updateModel, { params: { idOrName: model.id }, body: { description, expectedUpdatedAt: model.updatedAt.toISOString() } }));
}

export async function promoteVersion(version: ModelVersion, status: ModelVersionStatus, archiveOthers: boolean): Promise<ModelVersion> {
  const body = { status, ...(archiveOthers ? { archiveOthers: true } : {}), expectedUpdatedAt: version.updatedAt.toISOString() };
  return decodeModelVersion(await callRoute(API.updateModelVersion, { params: { id: version.id }, body }));
}

export async function setAlias(modelId: number, alias: string, version: number): Promise<void> {
  await callRoute(API.setModelAlias, { params: { idOrName: modelId, alias }, body: { version } });
}

export async function removeAlias(modelId: number, alias: string): Promise<void> {
  await callRoute(API.deleteModelAlias, { params: { idOrName: modelId, alias } });
}

export async function fetchRegistryEvents(modelId: number, signal?: AbortSignal): Promise<RegistryEvent[]> {
  return decodePage(await callRoute(API.getRegistryEvents, { params: { idOrName: modelId }, query: { limit: 20 } }, signal), decodeRegistryEvent).items;
}

export async function updateDatasetDescription(dataset: Dataset, description: string | null): Promise<Dataset> {
  return decodeDataset(await callRoute(API.updateDataset, { params: { id: dataset.id }, body: { description, expectedUpdatedAt: dataset.updatedAt.toISOString() } }));
}

/** The ids of the experiments a run belongs to. */
export async function fetchRunExperimentIds(runId: number, signal?: AbortSignal): Promise<number[]> {
  const memberships = decodeArray(await callRoute(API.getExperimentMemberships, { query: { runIds: runId } }, signal), (item) => item as { experimentId: number | string });
  return memberships.map((membership) => Number(membership.experimentId));
}

/** Moves a run into `to`, out of every experiment it was in (an add, then the removals). */
export async function moveRunToExperiment(runId: number, from: readonly number[], to: number): Promise<void> {
  await callRoute(API.addExperimentRun, { params: { id: to, runId } });
  for (const experimentId of from) {
    if (experimentId !== to) await callRoute(API.removeExperimentRun, { params: { id: experimentId, runId } });
  }
}
