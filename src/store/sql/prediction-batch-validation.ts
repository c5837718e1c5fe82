/**
 * Validation and encoding of prediction batches without zod's per-item cost. zod walks every JSON
 * document (`z.json()`) and then serialises it once more to check its size, before the store
 * serialises it a third time; here a plain document is walked once and serialised once, and that
 * text is what gets stored. Anything not plainly valid goes through `predictionBatchSchema`, so
 * the accepted values and every error message stay exactly the schema's.
 */
import { LIMITS, isStorableText, parseInput, predictionBatchSchema, type PredictionInput } from '../../core/schemas.js';
import { storedDouble, toJsonText } from './mappers.js';

/** A prediction as stored: JSON documents already serialised. */
export interface EncodedPrediction {
  model_version_id: number;
  input: string;
  output: string;
  ground_truth: string | null;
  confidence: number | null;
  latency_ms: number | null;
  predicted_at: number;
  metadata: string;
  prediction_key: string | null;
}

const KNOWN_FIELDS = new Set(['modelVersionId', 'input', 'output', 'groundTruth', 'confidence', 'latencyMs', 'timestamp', 'metadata', 'key']);

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** JSON the schema certainly accepts: finite numbers, storable strings, arrays and plain objects. */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return isStorableText(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJson(item)) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key of Object.keys(value)) {
        if (!isStorableText(key) || !isPlainJson((value as Record<string, unknown>)[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The document's JSON text when it is plainly valid and within the size limit. */
function documentText(value: unknown): string | undefined {
  if (!isPlainJson(value)) return undefined;
  const text = JSON.stringify(value);
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so only long texts need counting.
  if (text.length * 3 > LIMITS.jsonBytes && Buffer.byteLength(text) > LIMITS.jsonBytes) return undefined;
  return text;
}

const optionalNumberIn = (value: unknown, min: number, max: number) =>
  value === undefined || value === null || (typeof value === 'number' && value >= min && value <= max);

function fastPrediction(item: unknown, now: number): EncodedPrediction | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  for (const key of Object.keys(item)) if (!KNOWN_FIELDS.has(key)) return undefined;
  const { modelVersionId, input, output, groundTruth, confidence, latencyMs, timestamp, metadata, key } = item as Record<string, unknown>;
  if (key !== undefined && key !== null && (typeof key !== 'string' || key.length === 0 || key.length > 200 || !isStorableText(key))) return undefined;
  if (!Number.isSafeInteger(modelVersionId) || (modelVersionId as number) <= 0) return undefined;
  if (!optionalNumberIn(confidence, 0, 1) || !optionalNumberIn(latencyMs, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  let predictedAt = now;
  if (timestamp instanceof Date) {
    predictedAt = timestamp.getTime();
    if (Number.isNaN(predictedAt)) return undefined;
  } else if (Number.isSafeInteger(timestamp) && (timestamp as number) >= 0) {
    predictedAt = timestamp as number;
  } else if (timestamp !== undefined) {
    return undefined;
  }
  if (input === undefined || output === undefined) return undefined;
  const inputText = documentText(input);
  const outputText = documentText(output);
  const groundTruthText = groundTruth === undefined || groundTruth === null ? null : documentText(groundTruth);
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) return undefined;
  const metadataText = metadata === undefined ? '{}' : documentText(metadata);
  if (inputText === undefined || outputText === undefined || groundTruthText === undefined || metadataText === undefined) return undefined;
  return {
    model_version_id: modelVersionId as number,
    input: inputText,
    output: outputText,
    ground_truth: groundTruthText,
    confidence: storedDouble((confidence as number | null | undefined) ?? null),
    latency_ms: storedDouble((latencyMs as number | null | undefined) ?? null),
    predicted_at: predictedAt,
    metadata: metadataText,
    prediction_key: (key as string | null | undefined) ?? null,
  };
}

/** Validates and encodes a batch as `predictionBatchSchema` plus the store's encoding would. */
export function encodePredictionBatch(inputs: PredictionInput[], what: string, now: number): EncodedPrediction[] {
  if (Array.isArray(inputs) && inputs.length <= LIMITS.batchSize) {
    const encoded: EncodedPrediction[] = new Array(inputs.length);
    let index = 0;
    for (; index < inputs.length; index++) {
      const row = fastPrediction(inputs[index], now);
      if (row === undefined) break;
      encoded[index] = row;
    }
    if (index === inputs.length) return encoded;
  }
  return parseInput(predictionBatchSchema, inputs, what).map((item) => ({
    model_version_id: item.modelVersionId,
    input: toJsonText(item.input),
    output: toJsonText(item.output),
    ground_truth: item.groundTruth == null ? null : toJsonText(item.groundTruth),
    confidence: storedDouble(item.confidence ?? null),
    latency_ms: storedDouble(item.latencyMs ?? null),
    predicted_at: item.timestamp?.getTime() ?? now,
    metadata: toJsonText(item.metadata ?? {}),
    prediction_key: item.key ?? null,
  }));
}
