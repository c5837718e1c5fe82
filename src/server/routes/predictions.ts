/** Inference logs. */
import { z } from 'zod';
import type { JsonValue } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import {
  groundTruthBatchSchema,
  jsonValueSchema,
  listPredictionsSchema,
  predictionBatchSchema,
  predictionInputSchema,
  predictionKeySchema,
  predictionStatsQuerySchema,
} from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';
import { unwrapBatchBody } from '../route-spec.js';
import { pageOf, predictionResponse, predictionStatsResponse, writeResultResponse } from '../response-schemas.js';
import { checkBatchSize } from '../batch-limit.js';

export const predictionRoutes: RouteSpec[] = [
  {
    method: 'POST',
    url: '/api/v1/predictions',
    operationId: 'logPrediction',
    summary: 'Log one prediction',
    tag: 'predictions',
    body: predictionInputSchema,
    bodyRequired: true,
    status: 201,
    response: predictionResponse,
    handler: ({ db, body }) => db.logPrediction(body as never),
  },
  {
    method: 'POST',
    url: '/api/v1/predictions/batch',
    operationId: 'logPredictions',
    summary: 'Log a batch of predictions atomically',
    tag: 'predictions',
    body: z.strictObject({ predictions: predictionBatchSchema }),
    bodyRequired: true,
    status: 200,
    response: writeResultResponse,
    handler: ({ db, body, config }) => {
      const predictions = unwrapBatchBody(body, 'predictions');
      checkBatchSize(predictions, 'predictions', config.maxBatchSize);
      return db.logPredictions(predictions as never);
    },
  },
  {
    method: 'GET',
    url: '/api/v1/predictions',
    operationId: 'getPredictions',
    summary: 'List predictions, newest first (since/until take ISO-8601 times or epoch milliseconds)',
    tag: 'predictions',
    query: listPredictionsSchema,
    status: 200,
    response: pageOf(predictionResponse),
    handler: ({ db, query }) => db.getPredictions(query),
  },
  {
    method: 'GET',
    url: '/api/v1/prediction-stats',
    operationId: 'getPredictionStats',
    summary:
      'Prediction statistics per time bucket from write-time rollups: count, errors, latency p50/p95/p99 (1 % relative error) and max, ' +
      'confidence mean and histogram, accuracy; for modelVersionId, each of modelVersionIds side by side, modelId, or everything',
    tag: 'predictions',
    query: predictionStatsQuerySchema,
    status: 200,
    response: predictionStatsResponse,
    handler: ({ db, query }) => db.getPredictionStats(query),
  },
  {
    method: 'PUT',
    url: '/api/v1/predictions/:id/ground-truth',
    operationId: 'recordGroundTruth',
    summary: 'Record the ground truth of a prediction (value null removes it)',
    tag: 'predictions',
    params: { id: { kind: 'id', description: 'prediction id' } },
    body: z.strictObject({ value: jsonValueSchema.nullable() }),
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
    handler: ({ db, params, body }) => db.recordGroundTruth(params.id as number, groundTruthValue(body)),
  },
  {
    method: 'PUT',
    url: '/api/v1/model-versions/:id/predictions/by-key/:key/ground-truth',
    operationId: 'recordGroundTruthByKey',
    summary: 'Record the ground truth of the prediction logged with this key (a request id) in a model version',
    tag: 'predictions',
    params: {
      id: { kind: 'id', description: 'model version id' },
      key: { kind: 'text', description: 'the key the prediction was logged with' },
    },
    body: z.strictObject({ value: jsonValueSchema.nullable() }),
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
    handler: ({ db, params, body }) => {
      const key = predictionKeySchema.safeParse(params.key);
      if (!key.success) throw new ValidationError('key: must be 1 to 200 characters', { field: 'key' });
      return db.recordGroundTruthByKey(params.id as number, key.data, groundTruthValue(body));
    },
  },
  {
    method: 'POST',
    url: '/api/v1/predictions/ground-truth',
    operationId: 'recordGroundTruths',
    summary: 'Record ground truth for many predictions atomically, each by predictionId or by modelVersionId and key',
    tag: 'predictions',
    body: z.strictObject({ groundTruth: groundTruthBatchSchema }),
    bodyRequired: true,
    status: 200,
    response: writeResultResponse,
    handler: ({ db, body, config }) => {
      const items = unwrapBatchBody(body, 'groundTruth');
      checkBatchSize(items, 'groundTruth', config.maxBatchSize);
      return db.recordGroundTruths(items as never);
    },
  },
];

/** The `value` of a ground-truth body, which must be present (null removes the label). */
function groundTruthValue(body: unknown): JsonValue | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'value')) {
    throw new ValidationError('body: must be a JSON object { "value": … }', { field: 'value' });
  }
  const unknownKeys = Object.keys(body).filter((name) => name !== 'value');
  if (unknownKeys.length > 0) throw new ValidationError(`body: unknown field(s) ${unknownKeys.map((name) => `'${name}'`).join(', ')}`, { field: 'body' });
  return (body as { value: JsonValue | null }).value;
}
