/**
 * MLflow's run inputs (`mlflow.log_input`, autologging's training and evaluation datasets) as aimdb
 * datasets and run inputs. An MLflow dataset is identified by (name, digest): it is the aimdb dataset
 * of that name whose version is the digest. What aimdb has no column for (source type, the source
 * and schema texts as sent, the profile) is kept under the dataset's `metadata.mlflow`, so an MLflow
 * client reads back exactly what it logged.
 */
import type { Dataset, JsonObject, RunInput } from '../../core/entities.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { AiDatabase } from '../../store/index.js';
import { experimentById } from './mapping.js';
import { MlflowError, invalidParameter, keyValues, type MlflowRequest } from './protocol.js';

/** The input tag MLflow puts a dataset's role in; aimdb keeps it as the input's context. */
const CONTEXT_TAG = 'mlflow.data.context';

/** MLflow's limits (mlflow/utils/validation.py). */
const LIMITS = { datasets: 1000, name: 500, digest: 36, source: 65535, schema: 65535, profile: 16777215, tagKey: 255, tagValue: 500 } as const;

interface MlflowDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

interface MlflowDatasetInput {
  dataset: MlflowDataset;
  tags: Array<{ key: string; value: string }>;
}

function text(value: unknown, what: string, limit: number, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`${what} cannot be None`);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidParameter(`${what} must be a string, got ${JSON.stringify(value)}`);
  if (value.length > limit) throw invalidParameter(`${what} exceeds the maximum length of ${limit}`);
  return value;
}

/** Reads and checks a log-inputs request's datasets as MLflow's server does. */
function readDatasetInputs(request: MlflowRequest): MlflowDatasetInput[] {
  if (!Array.isArray(request.fields.datasets)) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'datasets'.");
  const items = request.list('datasets');
  if (items.length > LIMITS.datasets) throw invalidParameter(`A request can log at most ${LIMITS.datasets} dataset inputs. Got ${items.length}.`);
  return items.map((item) => {
    const input = (item ?? {}) as { dataset?: Record<string, unknown>; tags?: unknown };
    if (input.dataset === undefined || input.dataset === null) throw invalidParameter('Dataset cannot be None');
    const dataset = input.dataset;
    const tags = (Array.isArray(input.tags) ? input.tags : []).map((tag: { key?: unknown; value?: unknown }) => ({
      key: text(tag?.key, 'InputTag key', LIMITS.tagKey, true)!,
      value: text(tag?.value, 'InputTag value', LIMITS.tagValue, true)!,
    }));
    const schema = text(dataset.schema, 'Dataset schema', LIMITS.schema, false);
    const profile = text(dataset.profile, 'Dataset profile', LIMITS.profile, false);
    return {
      dataset: {
        name: text(dataset.name, 'Dataset name', LIMITS.name, true)!,
        digest: text(dataset.digest, 'Dataset digest', LIMITS.digest, true)!,
        source_type: text(dataset.source_type, 'Dataset source_type', LIMITS.source, true)!,
        source: text(dataset.source, 'Dataset source', LIMITS.source, true)!,
        ...(schema === undefined ? {} : { schema }),
        ...(profile === undefined ? {} : { profile }),
      },
      tags,
    };
  });
}

function parsedObject(textValue: string | undefined): JsonObject | undefined {
  if (textValue === undefined || textValue === '') return undefined;
  try {
    const value = JSON.parse(textValue) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/** The aimdb dataset for an MLflow dataset: found by (name, digest), created on first use. */
async function datasetFor(db: AiDatabase, dataset: MlflowDataset): Promise<Dataset> {
  try {
    return await db.getDataset(dataset.name, dataset.digest);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const uri = (parsedObject(dataset.source) as { uri?: unknown } | undefined)?.uri;
  try {
    return await db.createDataset({
      name: dataset.name,
      version: dataset.digest,
      digest: dataset.digest,
      ...(typeof uri === 'string' && uri.length <= 2048 ? { sourceUri: uri } : {}),
      schema: parsedObject(dataset.schema) ?? {},
      metadata: {
        mlflow: {
          sourceType: dataset.source_type,
          source: dataset.source,
          ...(dataset.schema === undefined ? {} : { schema: dataset.schema }),
          ...(dataset.profile === undefined ? {} : { profile: dataset.profile }),
        },
      },
    });
  } catch (error) {
    // Another request created it first: that one is ours too.
    if (error instanceof ConflictError) return db.getDataset(dataset.name, dataset.digest);
    throw error;
  }
}

/** `runs/log-inputs`: the datasets (first of each name and digest, as MLflow keeps) become run inputs. */
export async function logDatasetInputs(db: AiDatabase, runId: number, request: MlflowRequest): Promise<void> {
  const inputs = readDatasetInputs(request);
  const firstOfEach = new Map<string, MlflowDatasetInput>();
  for (const input of inputs) {
    const key = JSON.stringify([input.dataset.name, input.dataset.digest]);
    if (!firstOfEach.has(key)) firstOfEach.set(key, input);
  }
  const specs = [];
  for (const input of firstOfEach.values()) {
    const dataset = await datasetFor(db, input.dataset);
    const tags = Object.fromEntries(input.tags.filter((tag) => tag.key !== CONTEXT_TAG).map((tag) => [tag.key, tag.value]));
    const context = input.tags.find((tag) => tag.key === CONTEXT_TAG)?.value;
    specs.push({ datasetId: dataset.id, tags, ...(context === undefined ? {} : { context }) });
  }
  await db.logRunInputs(runId, specs);
}

/** MLflow's `dataset_inputs` of each run, read in two calls for any number of runs. */
export async function datasetInputsOf(db: AiDatabase, runIds: number[]): Promise<Map<number, unknown[]>> {
  const inputs: RunInput[] = await db.getRunInputs(runIds);
  const datasets = new Map<number, Dataset>();
  for (const datasetId of new Set(inputs.map((input) => input.datasetId))) datasets.set(datasetId, await db.getDataset(datasetId));
  const byRun = new Map<number, unknown[]>();
  for (const input of inputs) {
    const dataset = datasets.get(input.datasetId)!;
    const mlflow = (dataset.metadata.mlflow ?? {}) as Record<string, string | undefined>;
    const tags = { ...input.tags, ...(input.context === null ? {} : { [CONTEXT_TAG]: input.context }) };
    const answer = {
      tags: keyValues(tags),
      dataset: {
        name: dataset.name,
        digest: dataset.digest ?? dataset.version,
        source_type: mlflow.sourceType ?? 'aimdb',
        source: mlflow.source ?? JSON.stringify({ uri: dataset.sourceUri ?? '' }),
        ...(mlflow.schema === undefined ? (Object.keys(dataset.schema).length === 0 ? {} : { schema: JSON.stringify(dataset.schema) }) : { schema: mlflow.schema }),
        ...(mlflow.profile === undefined ? {} : { profile: mlflow.profile }),
      },
    };
    const list = byRun.get(input.runId);
    if (list === undefined) byRun.set(input.runId, [answer]);
    else list.push(answer);
  }
  return byRun;
}

/** MLflow's limits of `experiments/search-datasets` (mlflow/server/handlers.py). */
const SEARCH_DATASETS = { experimentIds: 20, results: 1000 } as const;

/**
 * `experiments/search-datasets` (MLflow's web UI): each distinct (experiment, dataset, role) the
 * runs of these experiments used, at most 1,000.
 */
export async function searchDatasetSummaries(db: AiDatabase, request: MlflowRequest): Promise<object> {
  const experimentIds = request.strings('experiment_ids');
  if (experimentIds.length === 0) throw invalidParameter('SearchDatasets request must specify at least one experiment_id.');
  if (experimentIds.length > SEARCH_DATASETS.experimentIds) {
    throw invalidParameter(
      `SearchDatasets request cannot specify more than ${SEARCH_DATASETS.experimentIds} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
    );
  }
  const summaries = new Map<string, { experiment_id: string; name: string; digest: string; context?: string }>();
  const datasets = new Map<number, Dataset>();
  for (const experimentId of experimentIds) {
    const experiment = await experimentById(db, experimentId);
    const runIds = (await db.getExperimentRuns(experiment.id)).map((run) => run.id);
    for (const input of await db.getRunInputs(runIds)) {
      if (!datasets.has(input.datasetId)) datasets.set(input.datasetId, await db.getDataset(input.datasetId));
      const dataset = datasets.get(input.datasetId)!;
      const summary = { experiment_id: experimentId, name: dataset.name, digest: dataset.digest ?? dataset.version, ...(input.context === null ? {} : { context: input.context }) };
      summaries.set(JSON.stringify(summary), summary);
      if (summaries.size === SEARCH_DATASETS.results) return { dataset_summaries: [...summaries.values()] };
    }
  }
  return { dataset_summaries: [...summaries.values()] };
}
