/** Inference logs: one at a time or in atomic batches. */
import type { Page, Prediction, WriteResult } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  listPredictionsSchema,
  parseInput,
  predictionInputSchema,
  type ListPredictionsQuery,
  type PredictionInput,
} from '../../core/schemas.js';
import type { z } from 'zod';
import { assertExists, chunksFor, decodeCursor, guarded, insertReturningId, toPage, withTransaction, type StoreContext } from './context.js';
import { insertRows } from './bulk-insert.js';
import { storedDouble, toJsonText, toPrediction } from './mappers.js';
import { encodePredictionBatch } from './prediction-batch-validation.js';

const PREDICTION_COLUMNS = [
  'model_version_id',
  'input',
  'output',
  'ground_truth',
  'confidence',
  'latency_ms',
  'predicted_at',
  'metadata',
] as const;

function toRow(input: z.output<typeof predictionInputSchema>, now: number) {
  return {
    model_version_id: input.modelVersionId,
    input: toJsonText(input.input),
    output: toJsonText(input.output),
    ground_truth: input.groundTruth == null ? null : toJsonText(input.groundTruth),
    confidence: storedDouble(input.confidence ?? null),
    latency_ms: storedDouble(input.latencyMs ?? null),
    predicted_at: input.timestamp?.getTime() ?? now,
    metadata: toJsonText(input.metadata ?? {}),
  };
}

export async function logPrediction(ctx: StoreContext, input: PredictionInput): Promise<Prediction> {
  const data = parseInput(predictionInputSchema, input, 'prediction');
  return guarded(ctx, async () => {
    await assertExists(ctx, 'model_versions', data.modelVersionId, 'model version', 'modelVersionId');
    const id = await insertReturningId(ctx, 'predictions', toRow(data, ctx.now()));
    return getPrediction(ctx, id);
  });
}

export async function getPrediction(ctx: StoreContext, id: number): Promise<Prediction> {
  return guarded(ctx, async () => {
    const row = await ctx.db.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('prediction', id);
    return toPrediction(row);
  });
}

export async function logPredictions(ctx: StoreContext, inputs: PredictionInput[]): Promise<WriteResult> {
  const now = ctx.now();
  const batch = encodePredictionBatch(inputs, 'predictions', now);
  if (batch.length === 0) return { written: 0 };
  return guarded(ctx, () =>
    withTransaction(ctx, async (tx) => {
      const versionIds = [...new Set(batch.map((item) => item.model_version_id))];
      for (const chunk of chunksFor(tx, versionIds, 1)) {
        const found = await tx.db.selectFrom('model_versions').select('id').where('id', 'in', chunk).execute();
        const present = new Set(found.map((row) => Number(row.id)));
        const missing = chunk.find((id) => !present.has(id));
        if (missing !== undefined) {
          const index = batch.findIndex((item) => item.model_version_id === missing);
          throw new NotFoundError('model version', missing, { field: `predictions.${index}.modelVersionId` });
        }
      }
      await insertRows(
        tx,
        'predictions',
        PREDICTION_COLUMNS,
        batch.map((row) => PREDICTION_COLUMNS.map((column) => row[column])),
      );
      return { written: batch.length };
    }),
  );
}

export async function getPredictions(ctx: StoreContext, query: ListPredictionsQuery = {}): Promise<Page<Prediction>> {
  const filter = parseInput(listPredictionsSchema, query, 'query');
  const limit = filter.limit ?? LIMITS.defaultListLimit;
  const after = decodeCursor(filter.cursor);
  return guarded(ctx, async () => {
    let select = ctx.db.selectFrom('predictions').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after !== undefined) select = select.where('id', '<', after);
    if (filter.modelVersionId !== undefined) select = select.where('model_version_id', '=', filter.modelVersionId);
    if (filter.since !== undefined) select = select.where('predicted_at', '>=', filter.since.getTime());
    if (filter.until !== undefined) select = select.where('predicted_at', '<', filter.until.getTime());
    return toPage(await select.execute(), limit, toPrediction);
  });
}
