/**
 * MLflow's model registry over aimdb's models and versions: registered models are models, model
 * versions are versions (numbered by the store), stages are version statuses, aliases are the
 * contract's model aliases. Searches read the registry and filter it here (entity-filter.ts).
 */
import { actorOf } from '../auth.js';
import type { Model, ModelVersion, ModelVersionStatus } from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import { entityFilter, readOrderBy, sortEntities, type Filterable } from './entity-filter.js';
import {
  aimdbId,
  latestPerStage,
  toMlflowModel,
  toMlflowVersion,
  versionExtras,
  versionStatusOf,
  type VersionExtras,
} from './mapping.js';
import { MlflowError, MlflowRequest, invalidParameter, invalidValue, offsetToken, readOffsetToken } from './protocol.js';
import type { MlflowHandler } from './routes.js';
import { deleteModelTag, setModelTag } from './tags.js';

const SEARCH_MODELS_MAX = 1000;
const SEARCH_VERSIONS_MAX = 200_000;

async function modelByName(db: AiDatabase, name: string): Promise<Model> {
  try {
    return await db.getModel(name);
  } catch (error) {
    if (error instanceof NotFoundError) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
    throw error;
  }
}

function versionNumber(text: string | undefined): number {
  const number = Number(text);
  if (text === undefined || !/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(number)) {
    throw invalidParameter(`Model version must be an integer, got '${text ?? ''}'`);
  }
  return number;
}

async function versionOf(db: AiDatabase, model: Model, text: string | undefined): Promise<ModelVersion> {
  const number = versionNumber(text);
  try {
    return await db.getModelVersionByNumber(model.id, number);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${model.name}, version=${number}) not found`);
    }
    throw error;
  }
}

/** The version a request's `name` and `version` name. */
async function requestedVersion(db: AiDatabase, request: MlflowRequest): Promise<{ model: Model; version: ModelVersion }> {
  request.check({ name: { type: 'string', required: true }, version: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  return { model, version: await versionOf(db, model, request.string('version')) };
}

const tagsOf = (request: MlflowRequest) =>
  Object.fromEntries((request.list('tags') as Array<{ key?: unknown; value?: unknown }>).map((tag) => [String(tag.key), String(tag.value ?? '')]));

const createRegisteredModel: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, tags: { type: 'array' }, description: { type: 'string' } });
  const name = request.string('name')!;
  try {
    const model = await db.createModel({ name, tags: tagsOf(request), description: request.string('description') ?? null });
    return { registered_model: toMlflowModel(model, []) };
  } catch (error) {
    if (error instanceof ConflictError) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
    throw error;
  }
};

const getRegisteredModel: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  return { registered_model: toMlflowModel(model, await db.getModelVersions(model.id)) };
};

const renameRegisteredModel: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, new_name: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  const newName = request.string('new_name')!;
  try {
    const renamed = await db.updateModel(model.id, { name: newName });
    return { registered_model: toMlflowModel(renamed, await db.getModelVersions(renamed.id)) };
  } catch (error) {
    if (error instanceof ConflictError) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`);
    throw error;
  }
};

const updateRegisteredModel: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, description: { type: 'string' } });
  const model = await modelByName(db, request.string('name')!);
  const description = request.string('description');
  if (description === undefined) throw invalidParameter('Attempting to update registered model with no new field values.');
  const updated = await db.updateModel(model.id, { description });
  return { registered_model: toMlflowModel(updated, await db.getModelVersions(updated.id)) };
};

const deleteRegisteredModel: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true } });
  await db.deleteModel((await modelByName(db, request.string('name')!)).id);
  return {};
};

/** Every model with its versions (the registry is read whole for MLflow's searches). */
async function registry(db: AiDatabase): Promise<Array<{ model: Model; versions: ModelVersion[] }>> {
  const models: Model[] = [];
  let cursor: string | null = null;
  do {
    const page = await db.listModels({ limit: 10_000, cursor });
    models.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return Promise.all(models.map(async (model) => ({ model, versions: await db.getModelVersions(model.id) })));
}

function paged<T>(items: T[], request: MlflowRequest, maxDefault: number, maxAllowed: number): { items: T[]; token?: string } {
  const maxResults = request.int('max_results') ?? maxDefault;
  if (maxResults < 1 || maxResults > maxAllowed) throw invalidValue('max_results', request.fields.max_results);
  const offset = readOffsetToken(request.string('page_token'));
  const page = items.slice(offset, offset + maxResults);
  return offset + maxResults < items.length ? { items: page, token: offsetToken(offset + maxResults) } : { items: page };
}

const searchRegisteredModels: MlflowHandler = async ({ db, request }) => {
  request.check({ filter: { type: 'string' }, max_results: { type: 'int' }, page_token: { type: 'string' }, order_by: { type: 'strings' } });
  const attributes = ['name', 'creation_timestamp', 'last_updated_timestamp'];
  const matches = entityFilter(request.string('filter'), ['name']);
  const entries = (await registry(db))
    .map((entry): Filterable & typeof entry => ({
      ...entry,
      attributes: {
        name: entry.model.name,
        creation_timestamp: entry.model.createdAt.getTime(),
        last_updated_timestamp: entry.model.updatedAt.getTime(),
      },
      tags: entry.model.tags,
    }))
    .filter(matches);
  const sorted = sortEntities(entries, [...readOrderBy(request.strings('order_by'), attributes), { attribute: 'name', descending: false }]);
  const page = paged(sorted, request, 100, SEARCH_MODELS_MAX);
  const answer: Record<string, unknown> = { registered_models: page.items.map((entry) => toMlflowModel(entry.model, entry.versions)) };
  if (page.token !== undefined) answer.next_page_token = page.token;
  return answer;
};

const getLatestVersions: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, stages: { type: 'strings' } });
  const model = await modelByName(db, request.string('name')!);
  const stages: ModelVersionStatus[] = request.strings('stages').map(versionStatusOf);
  const latest = latestPerStage(await db.getModelVersions(model.id), stages);
  return { model_versions: latest.map((version) => toMlflowVersion(model, version)) };
};

const setRegisteredModelTag: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, key: { type: 'string', required: true }, value: { type: 'string' } });
  const model = await modelByName(db, request.string('name')!);
  await setModelTag(db, model.id, request.string('key')!, request.string('value') ?? '');
  return {};
};

const deleteRegisteredModelTag: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, key: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  await deleteModelTag(db, model.id, request.string('key')!);
  return {};
};

const setAlias: MlflowHandler = async ({ db, request, route }) => {
  request.check({ name: { type: 'string', required: true }, alias: { type: 'string', required: true }, version: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  const version = await versionOf(db, model, request.string('version'));
  await db.setModelAlias(model.id, request.string('alias')!, version.version, { actor: actorOf(route.request, undefined) });
  return {};
};

const deleteAlias: MlflowHandler = async ({ db, request, route }) => {
  request.check({ name: { type: 'string', required: true }, alias: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  await db.deleteModelAlias(model.id, request.string('alias')!, { actor: actorOf(route.request, undefined) });
  return {};
};

const getByAlias: MlflowHandler = async ({ db, request }) => {
  request.check({ name: { type: 'string', required: true }, alias: { type: 'string', required: true } });
  const model = await modelByName(db, request.string('name')!);
  const alias = request.string('alias')!;
  const number = model.aliases[alias];
  if (number === undefined) {
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered model alias ${alias} not found.`);
  }
  return { model_version: toMlflowVersion(model, await versionOf(db, model, String(number))) };
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/**
 * MLflow's rules for a version's source: a local path (or file: URI) must lie in the run's
 * artifact directory, which aimdb's runs (artifacts under mlflow-artifacts:) never have; a remote
 * URI must not climb with `..` or hide a NUL, even percent-encoded.
 */
function checkSource(source: string): void {
  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') {
    throw invalidParameter(
      'To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.',
    );
  }
  let decoded = source;
  for (let round = 0; round < 5; round++) {
    const next = decodeURIComponent(decoded.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
    if (next === decoded) break;
    decoded = next;
  }
  const pathPart = decoded.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:(\/\/[^/]*)?/, '');
  if (decoded.includes('\u0000') || pathPart.split('/').includes('..')) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
}

const createModelVersion: MlflowHandler = async ({ db, request }) => {
  request.check({
    name: { type: 'string', required: true },
    source: { type: 'string', required: true },
    run_id: { type: 'string' },
    tags: { type: 'array' },
    run_link: { type: 'string' },
    description: { type: 'string' },
  });
  const model = await modelByName(db, request.string('name')!);
  const source = request.string('source')!;
  const extras: VersionExtras = {};
  // A copy (`models:/name/1`) keeps pointing at the files of the version it copies.
  const copied = /^models:\/([^/@]+)\/([0-9]+)$/.exec(source);
  if (copied !== null) {
    const original = await versionOf(db, await modelByName(db, copied[1]!), copied[2]);
    extras.storageLocation = versionExtras(original).storageLocation ?? original.checkpointUri ?? undefined;
  } else {
    checkSource(source);
  }
  const runText = request.string('run_id') || undefined;
  const runId = aimdbId(runText);
  let trainingRunId: number | undefined;
  if (runId !== undefined) {
    try {
      trainingRunId = (await db.getTrainingRun(runId)).id;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  if (runText !== undefined && trainingRunId === undefined) extras.runId = runText;
  const runLink = request.string('run_link');
  if (runLink !== undefined && runLink !== '') extras.runLink = runLink;
  const version = await db.createModelVersion({
    modelId: model.id,
    tags: tagsOf(request),
    checkpointUri: source,
    description: request.string('description') ?? null,
    ...(trainingRunId === undefined ? {} : { trainingRunId }),
    ...(Object.keys(extras).length === 0 ? {} : { config: { mlflow: { ...extras } } }),
  });
  return { model_version: toMlflowVersion(await db.getModel(model.id), version) };
};

const getModelVersion: MlflowHandler = async ({ db, request }) => {
  const { model, version } = await requestedVersion(db, request);
  return { model_version: toMlflowVersion(model, version) };
};

const updateModelVersion: MlflowHandler = async ({ db, request }) => {
  const { model, version } = await requestedVersion(db, request);
  request.check({ description: { type: 'string' } });
  const description = request.string('description');
  if (description === undefined) throw invalidParameter('Attempting to update model version with no new field values.');
  return { model_version: toMlflowVersion(model, await db.updateModelVersion(version.id, { description })) };
};

const transitionStage: MlflowHandler = async ({ db, request, route }) => {
  const { model, version } = await requestedVersion(db, request);
  request.check({ stage: { type: 'string', required: true }, archive_existing_versions: { type: 'bool' } });
  const status = versionStatusOf(request.string('stage')!);
  // MLflow lets a stage have several holders unless asked to archive them: keepOthers says so.
  const archiveOthers = request.bool('archive_existing_versions') === true;
  const updated = await db.updateModelVersion(version.id, {
    status,
    archiveOthers,
    keepOthers: !archiveOthers,
    actor: actorOf(route.request, undefined),
  });
  return { model_version: toMlflowVersion(model, updated) };
};

const deleteModelVersion: MlflowHandler = async ({ db, request }) => {
  const { version } = await requestedVersion(db, request);
  await db.deleteModelVersion(version.id);
  return {};
};

const setVersionTag: MlflowHandler = async ({ db, request }) => {
  const { version } = await requestedVersion(db, request);
  request.check({ key: { type: 'string', required: true }, value: { type: 'string' } });
  await db.setModelVersionTag(version.id, request.string('key')!, request.string('value') ?? '');
  return {};
};

const deleteVersionTag: MlflowHandler = async ({ db, request }) => {
  const { version } = await requestedVersion(db, request);
  request.check({ key: { type: 'string', required: true } });
  await db.deleteModelVersionTag(version.id, request.string('key')!);
  return {};
};

const getDownloadUri: MlflowHandler = async ({ db, request }) => {
  const { version } = await requestedVersion(db, request);
  return { artifact_uri: versionExtras(version).storageLocation ?? version.checkpointUri ?? '' };
};

const searchModelVersions: MlflowHandler = async ({ db, request }) => {
  request.check({ filter: { type: 'string' }, max_results: { type: 'int' }, page_token: { type: 'string' }, order_by: { type: 'strings' } });
  const attributes = ['name', 'version_number', 'run_id', 'source_path', 'creation_timestamp', 'last_updated_timestamp', 'current_stage'];
  const matches = entityFilter(request.string('filter'), ['name', 'version_number', 'run_id', 'source_path']);
  const entries = (await registry(db)).flatMap(({ model, versions }) =>
    versions.map((version) => {
      const wire = toMlflowVersion(model, version);
      return {
        model,
        version,
        attributes: {
          name: model.name,
          version_number: version.version,
          run_id: wire.run_id,
          source_path: wire.source,
          creation_timestamp: version.createdAt.getTime(),
          last_updated_timestamp: version.updatedAt.getTime(),
          current_stage: wire.current_stage,
        },
        tags: version.tags,
      };
    }),
  );
  const keys = readOrderBy(request.strings('order_by'), attributes.filter((name) => name !== 'current_stage'));
  // MLflow's order: the keys asked for, else newest update first; then name, then newest version.
  const given = keys.length > 0 ? keys : [{ attribute: 'last_updated_timestamp', descending: true }];
  const tieBreakers = [
    { attribute: 'name', descending: false },
    { attribute: 'version_number', descending: true },
  ].filter((tie) => !given.some((key) => key.attribute === tie.attribute));
  const sorted = sortEntities(entries.filter(matches), [...given, ...tieBreakers]);
  const page = paged(sorted, request, SEARCH_VERSIONS_MAX, SEARCH_VERSIONS_MAX);
  const answer: Record<string, unknown> = { model_versions: page.items.map((entry) => toMlflowVersion(entry.model, entry.version)) };
  if (page.token !== undefined) answer.next_page_token = page.token;
  return answer;
};

export const REGISTRY_ENDPOINTS: ReadonlyArray<readonly [string, string, MlflowHandler, boolean?]> = [
  ['POST', 'registered-models/create', createRegisteredModel],
  ['GET', 'registered-models/get', getRegisteredModel],
  ['POST', 'registered-models/rename', renameRegisteredModel],
  ['PATCH', 'registered-models/update', updateRegisteredModel],
  ['DELETE', 'registered-models/delete', deleteRegisteredModel],
  ['GET', 'registered-models/search', searchRegisteredModels],
  ['GET', 'registered-models/get-latest-versions', getLatestVersions],
  ['POST', 'registered-models/get-latest-versions', getLatestVersions, true],
  ['POST', 'registered-models/set-tag', setRegisteredModelTag],
  ['DELETE', 'registered-models/delete-tag', deleteRegisteredModelTag],
  ['POST', 'registered-models/alias', setAlias],
  ['DELETE', 'registered-models/alias', deleteAlias],
  ['GET', 'registered-models/alias', getByAlias],
  ['POST', 'model-versions/create', createModelVersion],
  ['GET', 'model-versions/get', getModelVersion],
  ['PATCH', 'model-versions/update', updateModelVersion],
  ['POST', 'model-versions/transition-stage', transitionStage],
  ['DELETE', 'model-versions/delete', deleteModelVersion],
  ['GET', 'model-versions/search', searchModelVersions],
  ['GET', 'model-versions/get-download-uri', getDownloadUri],
  ['POST', 'model-versions/set-tag', setVersionTag],
  ['DELETE', 'model-versions/delete-tag', deleteVersionTag],
];
