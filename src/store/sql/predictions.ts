/** Inference logs: one at a time or in atomic batches. */
import type { JsonValue, Page, Prediction, WriteResult } from '../../core/entities.js';
import { NotFoundError } from '../../core/errors.js';
import {
  LIMITS,
  groundTruthBatchSchema,
  groundTruthInputSchema,
  type GroundTruthInput,
  listPredictionsSchema,
  parseInput,
  predictionInputSchema,
  type ListPredictionsQuery,
  type PredictionInput,
} from '../../core/schemas.js';
import type { z } from 'zod';
import {
  assertExists,
  chunksFor,
  decodeCursor,
  guarded,
  insertReturningId,
  toPage,
  withTransaction,
  type StoreContext,
  type WriteDescription,
} from './context.js';
import { insertRows, type ColumnOf } from './bulk-insert.js';
import type { BulkColumn } from '../backends/backend.js';
import { storedDouble, toJsonText, toPrediction } from './mappers.js';
import { encodePredictionBatch } from './prediction-batch-validation.js';
import { addToRollups, applyLabelChanges, storedIsCorrect, type LabelChange } from './prediction-rollups.js';

/**
 * The stored columns of a prediction, typed for the backend's bulk append (PostgreSQL sends one
 * array per column through UNNEST: one statement per batch instead of one per power-of-two chunk).
 */
const PREDICTION_COLUMNS: readonly (BulkColumn & { name: ColumnOf<'predictions'> })[] = [
  { name: 'model_version_id', kind: 'integer' },
  { name: 'input', kind: 'json' },
  { name: 'output', kind: 'json' },
  { name: 'ground_truth', kind: 'json' },
  { name: 'confidence', kind: 'double' },
  { name: 'latency_ms', kind: 'double' },
  { name: 'predicted_at', kind: 'integer' },
  { name: 'metadata', kind: 'json' },
  { name: 'prediction_key', kind: 'text' },
];

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
    prediction_key: input.key ?? null,
  };
}

export async function logPrediction(ctx: StoreContext, input: PredictionInput): Promise<Prediction> {
  const data = parseInput(predictionInputSchema, input, 'prediction');
  return guarded(
    ctx,
    () =>
      writeTransaction(ctx, async (tx) => {
        await assertExists(tx, 'model_versions', data.modelVersionId, 'model version', 'modelVersionId');
        const row = toRow(data, tx.now());
        const id = await insertReturningId(tx, 'predictions', row);
        await addToRollups(tx, [row]);
        return getPrediction(tx, id);
      }),
    predictionWrite(data.key ?? undefined),
  );
}

export async function getPrediction(ctx: StoreContext, id: number): Promise<Prediction> {
  return guarded(ctx, async () => {
    const row = await ctx.db.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('prediction', id);
    return toPrediction(row);
  });
}

/** Attempts of a prediction write whose transaction the database chose as a deadlock victim. */
const WRITE_ATTEMPTS = 3;

/**
 * A transaction retried when the database aborts it as a deadlock victim: batches into the same
 * minutes lock the same rollup rows, and MySQL's gap locks can make two such inserts deadlock. The
 * aborted attempt left nothing behind, so running it again is safe; inside a caller's transaction
 * the caller decides.
 */
async function writeTransaction<T>(ctx: StoreContext, fn: (tx: StoreContext) => Promise<T>): Promise<T> {
  if (ctx.inTransaction) return fn(ctx);
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(ctx, fn);
    } catch (error) {
      if (attempt >= WRITE_ATTEMPTS || ctx.backend.classifyError(error) !== 'retryable') throw error;
    }
  }
}

/** What a unique-key conflict of a prediction write says: a key used twice within a version. */
function predictionWrite(key: string | undefined): WriteDescription | undefined {
  return key === undefined ? undefined : { entity: 'prediction with key', key: `'${key}' (or another key of the batch) in its model version`, field: 'key' };
}

export async function logPredictions(ctx: StoreContext, inputs: PredictionInput[]): Promise<WriteResult> {
  const now = ctx.now();
  const batch = encodePredictionBatch(inputs, 'predictions', now);
  if (batch.length === 0) return { written: 0 };
  return guarded(ctx, () =>
    writeTransaction(ctx, async (tx) => {
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
        batch.map((row) => PREDICTION_COLUMNS.map((column) => row[column.name as keyof typeof row])),
      );
      await addToRollups(tx, batch);
      return { written: batch.length };
    }),
    predictionWrite(batch.find((row) => row.prediction_key !== null)?.prediction_key ?? undefined),
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

interface Located {
  id: number;
  model_version_id: number;
  predicted_at: number;
  output: unknown;
  ground_truth: unknown;
}

/**
 * Records ground truth that arrived after the predictions, by prediction id or by (model version,
 * key), atomically for the whole list; the rollups' labelled and correct counts change in the same
 * transaction. A null value removes a recorded label. Items naming the same prediction apply in order.
 */
export async function recordGroundTruths(ctx: StoreContext, items: GroundTruthInput[]): Promise<WriteResult> {
  const parsed = parseInput(groundTruthBatchSchema, items, 'groundTruth');
  if (parsed.length === 0) return { written: 0 };
  return guarded(ctx, () =>
    writeTransaction(ctx, async (tx) => {
      const byId = new Map<number, Located>();
      const byKey = new Map<string, Located>();
      const select = () => {
        let query = tx.db.selectFrom('predictions').select(['id', 'model_version_id', 'predicted_at', 'output', 'ground_truth', 'prediction_key']);
        if (tx.backend.capabilities.lockingReads) query = query.forUpdate();
        return query;
      };
      const located = (row: Record<string, unknown>): Located => ({
        id: Number(row.id),
        model_version_id: Number(row.model_version_id),
        predicted_at: Number(row.predicted_at),
        output: row.output,
        ground_truth: row.ground_truth,
      });
      const ids = [...new Set(parsed.flatMap((item) => (item.predictionId === undefined ? [] : [item.predictionId])))];
      for (const chunk of chunksFor(tx, ids, 1)) {
        for (const row of await select().where('id', 'in', chunk).execute()) byId.set(Number(row.id), located(row));
      }
      const keysByVersion = new Map<number, Set<string>>();
      for (const item of parsed) {
        if (item.key === undefined) continue;
        const keys = keysByVersion.get(item.modelVersionId!) ?? new Set<string>();
        keys.add(item.key);
        keysByVersion.set(item.modelVersionId!, keys);
      }
      for (const [version, keys] of keysByVersion) {
        for (const chunk of chunksFor(tx, [...keys], 1)) {
          const rows = await select().where('model_version_id', '=', version).where('prediction_key', 'in', chunk).execute();
          for (const row of rows) {
            const found = byId.get(Number(row.id)) ?? located(row);
            byId.set(found.id, found);
            byKey.set(`${version}\u0000${String(row.prediction_key)}`, found);
          }
        }
      }
      const changes: LabelChange[] = [];
      for (const [index, item] of parsed.entries()) {
        const row = item.predictionId !== undefined ? byId.get(item.predictionId) : byKey.get(`${item.modelVersionId}\u0000${item.key}`);
        if (row === undefined) {
          if (item.predictionId !== undefined) throw new NotFoundError('prediction', item.predictionId, { field: `groundTruth.${index}.predictionId` });
          throw new NotFoundError(`prediction of model version #${item.modelVersionId} with key`, item.key!, { field: `groundTruth.${index}.key` });
        }
        const text = item.value === null ? null : toJsonText(item.value);
        const wasLabelled = row.ground_truth !== null && row.ground_truth !== undefined;
        const wasCorrect = wasLabelled && storedIsCorrect(row.output, row.ground_truth);
        const isCorrectNow = text !== null && storedIsCorrect(row.output, text);
        await tx.db.updateTable('predictions').set({ ground_truth: text }).where('id', '=', row.id).execute();
        changes.push({
          modelVersionId: row.model_version_id,
          predictedAt: row.predicted_at,
          labelled: (text !== null ? 1 : 0) - (wasLabelled ? 1 : 0),
          correct: (isCorrectNow ? 1 : 0) - (wasCorrect ? 1 : 0),
        });
        row.ground_truth = text;
      }
      await applyLabelChanges(tx, changes);
      return { written: parsed.length };
    }),
  );
}

/** Records (or, with null, removes) the ground truth of one prediction and returns the prediction. */
export async function recordGroundTruth(ctx: StoreContext, predictionId: number, value: JsonValue | null): Promise<Prediction> {
  const item = parseInput(groundTruthInputSchema, { predictionId, value }, 'groundTruth');
  return withTransaction(ctx, async (tx) => {
    await recordGroundTruths(tx, [item]);
    return guarded(tx, () => getPrediction(tx, predictionId));
  });
}

/** Records the ground truth of the prediction the caller logged with `key` in a model version. */
export async function recordGroundTruthByKey(ctx: StoreContext, modelVersionId: number, key: string, value: JsonValue | null): Promise<Prediction> {
  const item = parseInput(groundTruthInputSchema, { modelVersionId, key, value }, 'groundTruth');
  return withTransaction(ctx, async (tx) => {
    await recordGroundTruths(tx, [item]);
    const row = await guarded(tx, () =>
      tx.db.selectFrom('predictions').selectAll().where('model_version_id', '=', modelVersionId).where('prediction_key', '=', key).executeTakeFirst(),
    );
    if (row === undefined) throw new NotFoundError('prediction with key', key);
    return toPrediction(row);
  });
}
