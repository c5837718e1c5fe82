/** The route table's group: inference logs */
import { z } from 'zod';
import { groundTruthBatchSchema, listPredictionsSchema, predictionBatchSchema, predictionInputSchema, predictionExportQuerySchema, predictionStatsQuerySchema } from '../../schemas.js';
import { pageOf, predictionResponse, predictionStatsResponse, writeResultResponse } from '../responses.js';
import { groundTruthBody, routeGroup } from './common.js';

export const predictionRoutes = routeGroup({
  logPrediction: {
    method: 'POST',
    url: '/api/v1/predictions',
    summary: 'Log one prediction',
    tag: 'predictions',
    body: predictionInputSchema,
    bodyRequired: true,
    bodyName: 'prediction',
    status: 201,
    response: predictionResponse,
  },
  logPredictions: {
    method: 'POST',
    url: '/api/v1/predictions/batch',
    summary: 'Log a batch of predictions atomically',
    tag: 'predictions',
    body: z.strictObject({ predictions: predictionBatchSchema }),
    bodyRequired: true,
    status: 200,
    response: writeResultResponse,
  },
  getPredictions: {
    method: 'GET',
    url: '/api/v1/predictions',
    summary: 'List predictions, newest first (since/until take ISO-8601 times or epoch milliseconds)',
    tag: 'predictions',
    query: listPredictionsSchema,
    status: 200,
    response: pageOf(predictionResponse),
  },
  exportPredictions: {
    method: 'GET',
    url: '/api/v1/predictions/export',
    summary:
      'Stream predictions as CSV (a header, then one line each) or NDJSON (the default): newest first within each of modelVersionIds ' +
      'in turn, or of everything; since/until take ISO-8601 times or epoch milliseconds',
    tag: 'predictions',
    query: predictionExportQuerySchema,
    validateQuery: true,
    status: 200,
    rawResponse: { description: 'text/csv or application/x-ndjson, streamed as the predictions are read' },
  },
  getPrediction: {
    method: 'GET',
    url: '/api/v1/predictions/:id',
    summary: 'Get one prediction with its full input, output and ground truth',
    tag: 'predictions',
    params: { id: { kind: 'id', description: 'prediction id' } },
    status: 200,
    response: predictionResponse,
  },
  getPredictionStats: {
    method: 'GET',
    url: '/api/v1/prediction-stats',
    summary:
      'Prediction statistics per time bucket from write-time rollups: count, errors, latency p50/p95/p99 (1 % relative error) and max, ' +
      'confidence mean and histogram, accuracy; for modelVersionId, each of modelVersionIds side by side, modelId, or everything',
    tag: 'predictions',
    query: predictionStatsQuerySchema,
    status: 200,
    response: predictionStatsResponse,
  },
  recordGroundTruth: {
    method: 'PUT',
    url: '/api/v1/predictions/:id/ground-truth',
    summary: 'Record the ground truth of a prediction (value null removes it)',
    tag: 'predictions',
    params: { id: { kind: 'id', description: 'prediction id' } },
    body: groundTruthBody,
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
  },
  recordGroundTruthByKey: {
    method: 'PUT',
    url: '/api/v1/model-versions/:id/predictions/by-key/:key/ground-truth',
    summary: 'Record the ground truth of the prediction logged with this key (a request id) in a model version',
    tag: 'predictions',
    params: {
      id: { kind: 'id', description: 'model version id' },
      key: { kind: 'text', description: 'the key the prediction was logged with' },
    },
    body: groundTruthBody,
    bodyRequired: true,
    status: 200,
    response: predictionResponse,
  },
  recordGroundTruths: {
    method: 'POST',
    url: '/api/v1/predictions/ground-truth',
    summary: 'Record ground truth for many predictions atomically, each by predictionId or by modelVersionId and key',
    tag: 'predictions',
    body: z.strictObject({ groundTruth: groundTruthBatchSchema }),
    bodyRequired: true,
    // Recording the same labels again changes nothing.
    retrySafe: true,
    status: 200,
    response: writeResultResponse,
  },
});
