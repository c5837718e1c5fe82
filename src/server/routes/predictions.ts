/** Inference logs. */
import { z } from 'zod';
import { listPredictionsSchema, predictionBatchSchema, predictionInputSchema } from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';
import { unwrapBatchBody } from '../route-spec.js';
import { pageOf, predictionResponse, writeResultResponse } from '../response-schemas.js';
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
];
