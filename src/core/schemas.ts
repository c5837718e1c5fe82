/**
 * Input schemas: every write is validated here before any SQL runs. The server derives its request
 * schemas and OpenAPI document from these, so each rule is written once.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';
import {
  EXPERIMENT_STATUSES,
  LIFECYCLE_VIEWS,
  MODEL_VERSION_STATUSES,
  RUN_STATUSES,
  type JsonObject,
  type JsonValue,
} from './entities.js';

/** Limits that input is checked against; errors name them. */
export const LIMITS = {
  nameLength: 250,
  shortTextLength: 250,
  uriLength: 2048,
  textLength: 65_535,
  tagKeyLength: 250,
  tagValueLength: 5_000,
  /** Serialised size of one JSON document (config, metadata, prediction input …). */
  jsonBytes: 4 * 1024 * 1024,
  batchSize: 100_000,
  listLimit: 10_000,
  defaultListLimit: 100,
  downsampleBuckets: 100_000,
  /** Most (run, metric) series one bulk downsampled read answers. */
  bulkSeries: 1_000,
  /** Largest epoch (a 32-bit integer column on every backend). */
  maxEpoch: 2_147_483_647,
  /**
   * Objects and arrays nested inside one another in one JSON document, at most (MariaDB's JSON check
   * refuses a 32nd level; a limit every backend honours keeps documents portable between them).
   */
  jsonDepth: 31,
  /** Latest time a JavaScript Date holds, in milliseconds since the epoch (±8.64e15). */
  maxTimeMs: 8_640_000_000_000_000,
} as const;

const name = z.string().trim().min(1).max(LIMITS.nameLength);
const shortText = z.string().max(LIMITS.shortTextLength);
const longText = z.string().max(LIMITS.textLength);
const uri = z.string().min(1).max(LIMITS.uriLength);
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const nonNegativeInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Columns such as a metric's epoch are 32-bit integers on every backend. */
const nonNegativeInt32 = z.number().int().min(0).max(LIMITS.maxEpoch);
/** A metric step: any safe integer, negative ones too (MLflow allows them; docs/decisions/0910). */
const metricStep = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/**
 * The path (below the document) of the first object or array nested deeper than LIMITS.jsonDepth,
 * or undefined. Recursion stops at the limit, so a document nested thousands deep cannot overflow
 * the stack here or in the schema that parses it afterwards.
 */
export function findTooDeepJson(value: unknown, depth = 0, path: string[] = []): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= LIMITS.jsonDepth) return path;
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  for (const [key, item] of entries) {
    const found = findTooDeepJson(item, depth + 1, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function jsonSized<T extends z.ZodType>(schema: T) {
  // The depth is checked first, on the raw input, so the recursive JSON schema never sees a deep one.
  return z
    .unknown()
    .check((context) => {
      const tooDeep = findTooDeepJson(context.value);
      if (tooDeep !== undefined) {
        context.issues.push({
          code: 'custom',
          input: context.value,
          path: tooDeep,
          message: `must nest objects and arrays at most ${LIMITS.jsonDepth} deep`,
        });
      }
    })
    .pipe(
      schema.refine((value) => value === undefined || Buffer.byteLength(JSON.stringify(value)) <= LIMITS.jsonBytes, {
        message: `must serialise to at most ${LIMITS.jsonBytes} bytes of JSON`,
      }),
    );
}

/** Any JSON value (finite numbers only), at most LIMITS.jsonBytes once serialised. */
export const jsonValueSchema = jsonSized(z.json()) as unknown as z.ZodType<JsonValue>;
/** A JSON object (not an array or scalar). */
export const jsonObjectSchema = jsonSized(z.record(z.string(), z.json())) as unknown as z.ZodType<JsonObject>;
export const tagsSchema = z.record(z.string().min(1).max(LIMITS.tagKeyLength), z.string().max(LIMITS.tagValueLength));
/** Epoch milliseconds, an ISO-8601 string, or a Date; within ±LIMITS.maxTimeMs (what a Date holds). */
export const timeSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.number().int().min(-LIMITS.maxTimeMs).max(LIMITS.maxTimeMs)])
  .transform((value) => (value instanceof Date ? value : new Date(value)));
const sha256 = z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hexadecimal characters');

export const createModelSchema = z.strictObject({
  name,
  description: longText.nullish(),
  framework: shortText.nullish(),
  task: shortText.nullish(),
  architecture: shortText.nullish(),
  tags: tagsSchema.optional(),
  metadata: jsonObjectSchema.optional(),
});
export const updateModelSchema = createModelSchema.partial().extend({
  /** true soft-deletes the model (hidden from lists and search, restorable); false restores it. */
  deleted: z.boolean().optional(),
  /**
   * Optimistic concurrency: the `updatedAt` the caller read. When the entity changed since, the
   * update is refused with a ConflictError (409) instead of overwriting the other change.
   */
  expectedUpdatedAt: timeSchema.optional(),
});

export const modelVersionStatusSchema = z.enum(MODEL_VERSION_STATUSES);
export const createModelVersionSchema = z.strictObject({
  modelId: id,
  description: longText.nullish(),
  checkpointUri: uri.nullish(),
  sizeBytes: nonNegativeInt.nullish(),
  sha256: sha256.nullish(),
  config: jsonObjectSchema.optional(),
  tags: tagsSchema.optional(),
  status: modelVersionStatusSchema.optional(),
  trainingRunId: id.nullish(),
  datasetId: id.nullish(),
});
export const updateModelVersionSchema = createModelVersionSchema
  .omit({ modelId: true })
  .extend({
    /**
     * With `status` 'staging' or 'production': every other version of the model in that status
     * moves to 'archived' in the same transaction, so one version holds the stage.
     */
    archiveOthers: z.boolean().optional(),
    /** true soft-deletes the version (hidden from lists, restorable); false restores it. */
    deleted: z.boolean().optional(),
    /**
     * With `status` 'staging' or 'production' while another version holds it: keep both. Without this
     * or `archiveOthers`, that is a ConflictError, so a stage never gets a second holder by accident.
     */
    keepOthers: z.boolean().optional(),
    /** Who makes the change, for the registry's event log (a server puts its token's name here). */
    actor: z.string().max(LIMITS.nameLength).nullish(),
    /** Optimistic concurrency: the `updatedAt` the caller read (a ConflictError when it changed since). */
    expectedUpdatedAt: timeSchema,
  })
  .partial();
/** Options of an alias change. */
export const registryChangeOptionsSchema = z.strictObject({
  /** Who makes the change, for the registry's event log. */
  actor: z.string().max(LIMITS.nameLength).nullish(),
});
export type RegistryChangeOptions = z.input<typeof registryChangeOptionsSchema>;
/** An alias: a name for one version of a model (MLflow's rule: not `latest`, not `v<digits>`). */
export const aliasSchema = z
  .string()
  .min(1)
  .max(LIMITS.nameLength)
  .regex(/^[\w-]+$/, 'must contain only letters, digits, underscores and dashes')
  .refine((alias) => alias.toLowerCase() !== 'latest' && !/^v\d+$/i.test(alias), {
    message: "must not be 'latest' or look like a version ('v3')",
  });

export const createDatasetSchema = z.strictObject({
  name,
  version: z.string().trim().min(1).max(LIMITS.shortTextLength).optional(),
  description: longText.nullish(),
  sourceUri: uri.nullish(),
  format: shortText.nullish(),
  sampleCount: nonNegativeInt.nullish(),
  splits: jsonObjectSchema.optional(),
  schema: jsonObjectSchema.optional(),
  digest: shortText.nullish(),
  metadata: jsonObjectSchema.optional(),
});
export const updateDatasetSchema = createDatasetSchema
  .omit({ name: true, version: true })
  .partial()
  .extend({
    /**
     * Optimistic concurrency: the `updatedAt` the caller read. When the entity changed since, the
     * update is refused with a ConflictError (409) instead of overwriting the other change.
     */
    expectedUpdatedAt: timeSchema.optional(),
  });

export const runStatusSchema = z.enum(RUN_STATUSES);
export const createTrainingRunSchema = z.strictObject({
  name: name.nullish(),
  modelId: id.nullish(),
  modelVersionId: id.nullish(),
  datasetId: id.nullish(),
  /** Runs start `running` (as in MLflow) unless created `queued`. */
  status: z.enum(['queued', 'running']).optional(),
  config: jsonObjectSchema.optional(),
  tags: tagsSchema.optional(),
  notes: longText.nullish(),
  /** The experiment the run belongs to from the start (added in the same transaction). */
  experimentId: id.optional(),
  /** When the run started (default: now, for a run created 'running'). */
  startedAt: timeSchema.optional(),
  /**
   * How long the run may stay silent (no heartbeat, metric or parameter) before it counts as lost
   * and ends `failed`; default the store's `heartbeatTimeoutMs`. null: never judged (imports).
   */
  heartbeatTimeoutMs: z.number().int().min(1).max(30 * 24 * 3_600_000).nullish(),
});
export const updateTrainingRunSchema = z.strictObject({
  name: name.nullish(),
  modelId: id.nullish(),
  modelVersionId: id.nullish(),
  datasetId: id.nullish(),
  status: runStatusSchema.optional(),
  config: jsonObjectSchema.optional(),
  tags: tagsSchema.optional(),
  notes: longText.nullish(),
  error: longText.nullish(),
  startedAt: timeSchema.optional(),
  /** When the run ended; kept only with a final status (default: the moment it reached one). */
  endedAt: timeSchema.optional(),
  /** true soft-deletes the run (hidden from lists, restorable); false restores it. */
  deleted: z.boolean().optional(),
  /**
   * Optimistic concurrency: the `updatedAt` the caller read. When the entity changed since, the
   * update is refused with a ConflictError (409) instead of overwriting the other change.
   */
  expectedUpdatedAt: timeSchema.optional(),
});

/** One dataset a run used, in a role such as `train` or `eval` (MLflow's `mlflow.data.context`). */
export const runInputSchema = z.strictObject({
  datasetId: id,
  context: shortText.nullish(),
  tags: tagsSchema.optional(),
});
/** Most inputs one call logs (MLflow's own limit on a log-inputs request is 1,000). */
export const RUN_INPUTS_PER_CALL = 1_000;
export const runInputsSchema = z.array(runInputSchema).max(RUN_INPUTS_PER_CALL);

export const hyperparametersSchema = z
  .record(name, jsonValueSchema)
  .refine((record) => Object.keys(record).length <= LIMITS.batchSize, {
    message: `at most ${LIMITS.batchSize} hyperparameters per call`,
  });

/**
 * A metric value: any double, including NaN and ±Infinity. JSON cannot carry those three, so over
 * HTTP they travel as the strings 'NaN', 'Infinity' and '-Infinity'.
 */
export const metricValueSchema = z.union([
  z.custom<number>((value) => typeof value === 'number', { message: 'must be a number' }),
  // z.literal, not z.enum: an enum's declaration emits `[-Infinity]` as a key, which users' tsc rejects.
  z.literal(['NaN', 'Infinity', '-Infinity']).transform(Number),
]);
const metricValue = metricValueSchema;
export const metricPointInputSchema = z.strictObject({
  name,
  value: metricValue,
  /** Omitted: one past the series' highest step, never below 0 (0 for a new series). */
  step: metricStep.optional(),
  epoch: nonNegativeInt32.nullish(),
  timestamp: timeSchema.optional(),
});
export const metricBatchSchema = z.array(metricPointInputSchema).max(LIMITS.batchSize);
export const metricOptionsSchema = metricPointInputSchema.omit({ name: true, value: true });
/** A metric point's fields, in order, as its schema lists them: the one list the fast validation and the columnar codec use. */
export const METRIC_POINT_FIELDS = Object.keys(metricPointInputSchema.shape) as readonly (keyof z.input<typeof metricPointInputSchema>)[];
/** The fields `logMetric(name, value, options)` takes in `options`. */
export const METRIC_OPTION_FIELDS = Object.keys(metricOptionsSchema.shape) as readonly (keyof z.input<typeof metricOptionsSchema>)[];
/**
 * A client-chosen id of one `logMetrics` batch (a UUID, say). A batch re-sent with the same id is
 * answered from the database's receipt instead of being stored again (docs/decisions/0520).
 */
export const metricBatchIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -');
/**
 * Options of one `logMetrics` batch:
 * - `batchId`: see metricBatchIdSchema;
 * - `sameStep`: what a batch does with a point at a step the series already holds: 'replace' it (the
 *   default, so retried batches are safe), or 'keep' every distinct (value, timestamp) logged at the
 *   step. With 'keep', the step's value (what summaries, charts and `getMetrics` show) is the one with
 *   the latest timestamp (then the larger value); the others stay readable with
 *   `getMetrics({ allValues: true })`.
 * - `activeRunOnly`: true refuses the batch (ConflictError, nothing stored) when the run is deleted,
 *   checked under the same lock as the write (MLflow refuses writes to a deleted run; by default a
 *   deleted run still takes metrics, as it may be restored).
 */
export const metricWriteOptionsSchema = z.strictObject({
  batchId: metricBatchIdSchema.optional(),
  sameStep: z.enum(['replace', 'keep']).optional(),
  activeRunOnly: z.boolean().optional(),
});

export const createExperimentSchema = z.strictObject({
  name,
  description: longText.nullish(),
  hypothesis: longText.nullish(),
  status: z.enum(EXPERIMENT_STATUSES).optional(),
  tags: tagsSchema.optional(),
  artifactLocation: uri.nullish(),
});
export const updateExperimentSchema = createExperimentSchema
  .extend({
    /** true soft-deletes the experiment (hidden from lists, restorable); false restores it. */
    deleted: z.boolean(),
    /** Optimistic concurrency: the `updatedAt` the caller read (a ConflictError when it changed since). */
    expectedUpdatedAt: timeSchema,
  })
  .partial();

/** A client-chosen prediction key: 1–200 characters. */
export const predictionKeySchema = z.string().min(1).max(200);
const predictionKey = predictionKeySchema;
export const predictionInputSchema = z.strictObject({
  modelVersionId: id,
  input: jsonValueSchema,
  output: jsonValueSchema,
  groundTruth: jsonValueSchema.nullish(),
  confidence: z.number().min(0).max(1).nullish(),
  latencyMs: z.number().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  timestamp: timeSchema.optional(),
  metadata: jsonObjectSchema.optional(),
  /**
   * The caller's own name for the prediction (a request id), unique within its model version, so
   * ground truth that arrives later can find it (`recordGroundTruth` by key).
   */
  key: predictionKey.nullish(),
});
export const predictionBatchSchema = z.array(predictionInputSchema).max(LIMITS.batchSize);

const listLimit = z.number().int().min(1).max(LIMITS.listLimit);
const cursor = z.string().max(200);
const pageSchema = { limit: listLimit.optional(), cursor: cursor.nullish() };
const lifecycleView = z.enum(LIFECYCLE_VIEWS);

export const listModelsSchema = z.strictObject({
  ...pageSchema,
  framework: shortText.optional(),
  task: shortText.optional(),
  /** Case-insensitive substring of the name. */
  nameContains: shortText.optional(),
  /** Soft-deleted models are left out unless asked for. */
  view: lifecycleView.optional(),
});
export const listModelVersionsSchema = z.strictObject({
  ...pageSchema,
  status: modelVersionStatusSchema.optional(),
  /** Soft-deleted versions are left out unless asked for. */
  view: lifecycleView.optional(),
});
/** Versions across models: a page, newest first, filtered by model, status, producing run or dataset. */
export const listAllModelVersionsSchema = z.strictObject({
  ...pageSchema,
  modelId: id.optional(),
  status: z.union([modelVersionStatusSchema, z.array(modelVersionStatusSchema).min(1)]).optional(),
  trainingRunId: id.optional(),
  datasetId: id.optional(),
  /** Soft-deleted versions are left out unless asked for. */
  view: lifecycleView.optional(),
});
export const listRegistryEventsSchema = z.strictObject({ ...pageSchema });
export type ListRegistryEventsQuery = z.input<typeof listRegistryEventsSchema>;
export const listDatasetsSchema = z.strictObject({ ...pageSchema, name: name.optional(), nameContains: shortText.optional() });
export const listTrainingRunsSchema = z.strictObject({
  ...pageSchema,
  modelId: id.optional(),
  modelVersionId: id.optional(),
  datasetId: id.optional(),
  experimentId: id.optional(),
  status: z.union([runStatusSchema, z.array(runStatusSchema).min(1)]).optional(),
  nameContains: shortText.optional(),
  /** Soft-deleted runs are left out unless asked for. */
  view: lifecycleView.optional(),
});
/** Most runs one search page returns. */
export const MAX_SEARCH_LIMIT = 50_000;
/** Options of `searchRuns` (the query itself is parsed by src/core/query/parser.ts). */
export const searchRunsOptionsSchema = z.strictObject({
  /** Sort keys such as `metrics.acc DESC, params.lr`, as one string or a list. */
  orderBy: z.union([z.string().max(20_000), z.array(z.string().max(20_000)).max(10)]).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  /** The `nextCursor` of the previous page of the same query and order. */
  cursor: z.string().max(400_000).nullish(),
  /** Soft-deleted runs are left out unless asked for. */
  view: lifecycleView.optional(),
  /**
   * How runs equal on every sort key are ordered: 'newest' (the default: highest id first) or
   * 'idText' (ids compared as text, ascending: MLflow's order, whose run ids are strings).
   */
  ties: z.enum(['newest', 'idText']).optional(),
});
/** The body of a search over HTTP (POST, for queries too long for a URL). */
export const searchRunsBodySchema = searchRunsOptionsSchema.extend({ query: z.string().max(20_000).optional() });
export const textSearchOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1_000).optional(),
  /** Only these kinds of entity (default: runs, models, experiments and datasets). */
  entities: z.array(z.enum(['run', 'model', 'experiment', 'dataset'])).min(1).optional(),
});
export const textSearchQuerySchema = textSearchOptionsSchema.extend({ q: z.string().min(1).max(1_000) });
export type TextSearchOptions = z.input<typeof textSearchOptionsSchema>;
export const tagKeySchema = z.string().min(1).max(LIMITS.tagKeyLength);
export const tagValueSchema = z.string().max(LIMITS.tagValueLength);

export const listExperimentsSchema = z.strictObject({
  ...pageSchema,
  status: z.enum(EXPERIMENT_STATUSES).optional(),
  nameContains: shortText.optional(),
  /** Soft-deleted experiments are left out unless asked for. */
  view: lifecycleView.optional(),
});
export const listPredictionsSchema = z.strictObject({
  ...pageSchema,
  modelVersionId: id.optional(),
  since: timeSchema.optional(),
  until: timeSchema.optional(),
});
/** A streamed export of predictions: one version, several (one after the other), or all; a window; CSV or NDJSON. */
export const predictionExportQuerySchema = z.strictObject({
  format: z.enum(['csv', 'ndjson']).optional(),
  modelVersionIds: z.array(id).min(1).max(1000).optional(),
  since: timeSchema.optional(),
  until: timeSchema.optional(),
});
/** Bucket widths by name; `buckets` instead picks a width from the window (see PREDICTION_BUCKET_WIDTHS). */
export const PREDICTION_BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** Most buckets one statistics call returns. */
export const MAX_PREDICTION_STAT_BUCKETS = 10_000;
/** A dotted JSON field path such as `label` or `top.class`. */
const fieldPath = z.string().min(1).max(200).regex(/^[^.]+(\.[^.]+)*$/, 'must be field names joined by dots');
/** Prediction statistics: which predictions (one version, several to compare, a model, or all), the window and the bucket. */
export const predictionStatsQuerySchema = z
  .strictObject({
    modelVersionId: id.optional(),
    /** Two or more versions side by side: one series each, over the same window and buckets. */
    modelVersionIds: z.array(id).min(1).max(100).optional(),
    /** Every version of the model, merged into one series. */
    modelId: id.optional(),
    since: timeSchema.optional(),
    until: timeSchema.optional(),
    bucket: z.enum(['minute', 'hour', 'day']).optional(),
    /** Target number of buckets over the window; the width is the smallest round width that gives at most this many. */
    buckets: z.number().int().min(1).max(MAX_PREDICTION_STAT_BUCKETS).optional(),
    /** Accuracy compares this field of output and ground truth instead of the whole documents. */
    accuracyField: fieldPath.optional(),
  })
  .refine((query) => [query.modelVersionId, query.modelVersionIds, query.modelId].filter((value) => value !== undefined).length <= 1, {
    message: 'give at most one of modelVersionId, modelVersionIds and modelId',
    path: ['modelVersionId'],
  })
  .refine((query) => query.bucket === undefined || query.buckets === undefined, {
    message: 'give bucket or buckets, not both',
    path: ['bucket'],
  });
/** Ground truth for one prediction, by aimdb's id or by the client's key within a model version. */
export const groundTruthInputSchema = z
  .strictObject({
    predictionId: id.optional(),
    modelVersionId: id.optional(),
    key: predictionKeySchema.optional(),
    /** The true answer; null removes a recorded one. */
    value: jsonValueSchema.nullable(),
  })
  .refine((item) => (item.predictionId !== undefined) !== (item.key !== undefined && item.modelVersionId !== undefined), {
    message: 'give predictionId, or modelVersionId and key',
    path: ['predictionId'],
  });
export const groundTruthBatchSchema = z.array(groundTruthInputSchema).max(LIMITS.batchSize);
/** Export of predictions as a stream of lines. */
export const exportPredictionsSchema = z.strictObject({
  modelVersionId: id.optional(),
  modelId: id.optional(),
  since: timeSchema.optional(),
  until: timeSchema.optional(),
  format: z.enum(['csv', 'ndjson']).optional(),
});
export const metricQuerySchema = z.strictObject({
  name: name.optional(),
  names: z.array(name).max(1000).optional(),
  minStep: metricStep.optional(),
  maxStep: metricStep.optional(),
  limit: z.number().int().min(1).max(10_000_000).optional(),
  /**
   * Also the other values logged at a step (see `logMetrics`' `sameStep: 'keep'`), each step's
   * values by timestamp then value.
   */
  allValues: z.boolean().optional(),
});
export const latestMetricsQuerySchema = z.strictObject({
  /** Only these metrics (all of each run's when omitted). */
  names: z.array(name).max(1000).optional(),
});
/** Options of `getHyperparametersBulk`. */
export const hyperparametersBulkQuerySchema = z.strictObject({
  /** Only these hyperparameters (all of each run's when omitted). */
  names: z.array(name).max(1000).optional(),
});
export const metricBucketQuerySchema = z.strictObject({
  buckets: z.number().int().min(1).max(LIMITS.downsampleBuckets),
  minStep: metricStep.optional(),
  maxStep: metricStep.optional(),
});
/**
 * Buckets for many series in one read: every (run, name) pair of `runIds` × `names`, or the metrics
 * of those runs whose names start with `namePrefix` (a section such as `layers.`).
 */
export const metricBucketsBulkQuerySchema = z
  .strictObject({
    runIds: z.array(id).min(1).max(LIMITS.bulkSeries),
    names: z.array(name).min(1).max(LIMITS.bulkSeries).optional(),
    namePrefix: z.string().min(1).max(LIMITS.nameLength).optional(),
    buckets: metricBucketQuerySchema.shape.buckets,
    minStep: metricStep.optional(),
    maxStep: metricStep.optional(),
  })
  .refine((query) => (query.names === undefined) !== (query.namePrefix === undefined), {
    message: 'give either names or namePrefix, not both and not neither',
    path: ['names'],
  })
  .refine((query) => query.names === undefined || query.runIds.length * query.names.length <= LIMITS.bulkSeries, {
    message: `runIds × names must be at most ${LIMITS.bulkSeries} series`,
    path: ['names'],
  });
export const idSchema = id;
export const nameSchema = name;

/**
 * Validates input against a schema, turning the first problem into a ValidationError that names
 * the field (`what.path`) and the rule or limit it broke.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const prototypeKeyAt = findPrototypeKey(input);
  if (prototypeKeyAt !== undefined) {
    const field = [what, ...prototypeKeyAt].join('.');
    throw new ValidationError(`${field}: a key named '__proto__' is not allowed`, { field });
  }
  const result = schema.safeParse(input);
  if (result.success) {
    const unstorableAt = findUnstorableText(result.data, []);
    if (unstorableAt !== undefined) {
      const field = unstorableAt === '' ? what : `${what}.${unstorableAt}`;
      throw new ValidationError(`${field}: must not contain the NUL character (U+0000) or an unpaired surrogate`, { field });
    }
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const field = path === '' ? what : `${what}.${path}`;
  throw new ValidationError(`${field}: ${describeIssue(issue)}`, { field });
}

/**
 * The path of the first own key `__proto__` in the input (JSON.parse makes one from `{"__proto__": …}`).
 * Such a key cannot be stored faithfully: copying it into an object sets the object's prototype
 * instead, so it would silently vanish. It is refused on every path, library and HTTP alike. The walk
 * stops below LIMITS.jsonDepth plus a few levels of envelope (deeper input is refused by the JSON
 * depth rule anyway), so it cannot overflow the stack.
 */
function findPrototypeKey(value: unknown, depth = 0): string[] | undefined {
  if (value === null || typeof value !== 'object' || depth > LIMITS.jsonDepth + 4) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findPrototypeKey(value[index], depth + 1);
      if (found !== undefined) return [String(index), ...found];
    }
    return undefined;
  }
  if (Object.hasOwn(value, '__proto__')) return ['__proto__'];
  for (const key of Object.keys(value)) {
    const found = findPrototypeKey((value as Record<string, unknown>)[key], depth + 1);
    if (found !== undefined) return [key, ...found];
  }
  return undefined;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text every backend stores and returns unchanged: no U+0000 (PostgreSQL refuses it in TEXT and
 * JSONB) and no unpaired UTF-16 surrogate (not encodable as UTF-8: PostgreSQL refuses it in JSONB,
 * the other drivers silently store U+FFFD instead).
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** The path of the first string (or object key) that is not storable text. */
function findUnstorableText(value: unknown, path: string[]): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path.join('.');
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], [...path, String(index)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key].join('.');
      const found = findUnstorableText(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big': {
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return `must be at most ${String(issue.maximum)}${unit}`;
    }
    case 'too_small':
      if (issue.minimum === 1 && (issue.origin === 'string' || issue.origin === 'array')) return 'must not be empty';
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_key': {
      // A record key (a hyperparameter or tag name) broke its own rule; say which rule and limit.
      const inner = issue.issues[0];
      return inner === undefined ? 'invalid name' : `name ${describeIssue(inner as z.core.$ZodIssue)}`;
    }
    default:
      return issue.message;
  }
}

export type CreateModelInput = z.input<typeof createModelSchema>;
export type UpdateModelInput = z.input<typeof updateModelSchema>;
export type CreateModelVersionInput = z.input<typeof createModelVersionSchema>;
export type UpdateModelVersionInput = z.input<typeof updateModelVersionSchema>;
export type CreateDatasetInput = z.input<typeof createDatasetSchema>;
export type UpdateDatasetInput = z.input<typeof updateDatasetSchema>;
const retentionMs = z.number().int().min(0).max(100 * 365 * 24 * 3_600_000);
/** Options of `collectGarbage` (`aimdb gc`). */
export const gcOptionsSchema = z.strictObject({
  /** Purge what was soft-deleted at least this long ago (default 30 days). */
  olderThanMs: retentionMs.optional(),
  /** Also purge predictions at least this old (default: keep them). */
  predictionsOlderThanMs: retentionMs.nullish(),
  /** Count only; change nothing. */
  dryRun: z.boolean().optional(),
  /** Rows one committed batch deletes at most (default 5,000). */
  batchRows: z.number().int().min(1).max(100_000).optional(),
  /** Stop after this many batches (the next call goes on where this one stopped). */
  maxBatches: z.number().int().min(1).optional(),
});
export type GcOptions = z.input<typeof gcOptionsSchema>;

export type CreateTrainingRunInput = z.input<typeof createTrainingRunSchema>;
export type UpdateTrainingRunInput = z.input<typeof updateTrainingRunSchema>;
export type RunInputSpec = z.input<typeof runInputSchema>;
export type MetricPointInput = z.input<typeof metricPointInputSchema>;
export type MetricOptions = z.input<typeof metricOptionsSchema>;
export type MetricWriteOptions = z.input<typeof metricWriteOptionsSchema>;
export type CreateExperimentInput = z.input<typeof createExperimentSchema>;
export type UpdateExperimentInput = z.input<typeof updateExperimentSchema>;
export type PredictionInput = z.input<typeof predictionInputSchema>;
export type ListModelsQuery = z.input<typeof listModelsSchema>;
export type ListModelVersionsQuery = z.input<typeof listModelVersionsSchema>;
export type ListAllModelVersionsQuery = z.input<typeof listAllModelVersionsSchema>;
export type ListDatasetsQuery = z.input<typeof listDatasetsSchema>;
export type ListTrainingRunsQuery = z.input<typeof listTrainingRunsSchema>;
export type SearchRunsOptions = z.input<typeof searchRunsOptionsSchema>;
export type ListExperimentsQuery = z.input<typeof listExperimentsSchema>;
export type ListPredictionsQuery = z.input<typeof listPredictionsSchema>;
export type PredictionStatsQuery = z.input<typeof predictionStatsQuerySchema>;
export type PredictionExportQuery = z.input<typeof predictionExportQuerySchema>;
export type GroundTruthInput = z.input<typeof groundTruthInputSchema>;
export type MetricQuery = z.input<typeof metricQuerySchema>;
export type MetricBucketQuery = z.input<typeof metricBucketQuerySchema>;
export type MetricBucketsBulkQuery = z.input<typeof metricBucketsBulkQuerySchema>;
export type LatestMetricsQuery = z.input<typeof latestMetricsQuerySchema>;
export type HyperparametersBulkQuery = z.input<typeof hyperparametersBulkQuerySchema>;
