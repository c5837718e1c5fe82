/** Inference logs. */
import { checkBatchSize, unwrapBatchBody } from '../../core/api/batch-body.js';
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

export const predictionRoutes = [
  serve(API.logPrediction, ({ db, body }) => db.logPrediction(body)),
  serve(API.logPredictions, ({ db, body, config }) => {
    const predictions = unwrapBatchBody(body, 'predictions');
    checkBatchSize(predictions, 'predictions', config.maxBatchSize);
    // The store validates the items, naming them `predictions.i` as the embedded store does.
    return db.logPredictions(predictions as typeof body.predictions);
  }),
  serve(API.getPredictions, ({ db, query }) => db.getPredictions(query)),
  serve(API.getPrediction, ({ db, params }) => db.getPrediction(params.id)),
];
