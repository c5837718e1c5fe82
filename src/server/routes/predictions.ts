/** Inference logs. */
import { checkBatchSize, unwrapBatchBody } from '../../core/api/batch-body.js';
import { API } from '../../core/api/routes.js';
import type { JsonValue } from '../../core/entities.js';
import { ValidationError } from '../../core/errors.js';
import { Readable } from 'node:stream';
import { exportContentType } from '../../core/prediction-export.js';
import { predictionKeySchema } from '../../core/schemas.js';
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
  serve(API.exportPredictions, async ({ db, query, reply }) => {
    const chunks = db.exportPredictions(query)[Symbol.asyncIterator]();
    // The first page is read before the answer starts, so a failing read is still an error answer;
    // a failure after that can only cut the stream, which the client reports as an error.
    const first = await chunks.next();
    reply.header('content-type', exportContentType(query.format ?? 'ndjson'));
    return Readable.from(
      (async function* () {
        if (first.done === true) return;
        yield first.value;
        for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) yield next.value;
      })(),
    );
  }),
  serve(API.getPrediction, ({ db, params }) => db.getPrediction(params.id)),
  serve(API.getPredictionStats, ({ db, query }) => db.getPredictionStats(query)),
  serve(API.recordGroundTruth, ({ db, params, body }) => db.recordGroundTruth(params.id, groundTruthValue(body))),
  serve(API.recordGroundTruthByKey, ({ db, params, body }) => {
    const key = predictionKeySchema.safeParse(params.key);
    if (!key.success) throw new ValidationError('key: must be 1 to 200 characters', { field: 'key' });
    return db.recordGroundTruthByKey(params.id, key.data, groundTruthValue(body));
  }),
  serve(API.recordGroundTruths, ({ db, body, config }) => {
    const items = unwrapBatchBody(body, 'groundTruth');
    checkBatchSize(items, 'groundTruth', config.maxBatchSize);
    // The store validates the items, naming them `groundTruth.i`.
    return db.recordGroundTruths(items as typeof body.groundTruth);
  }),
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
