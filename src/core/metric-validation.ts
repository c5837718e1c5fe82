/**
 * Validation of metric batches without zod's per-point cost (about 5 µs a point, as much as storing
 * it). Points that plainly satisfy `metricPointInputSchema` are accepted here; anything else (a
 * wrong type, an unknown field, a 'NaN' string, an ISO timestamp) goes through the schema, so the
 * accepted values and every error message stay exactly the schema's.
 */
import {
  LIMITS,
  METRIC_OPTION_FIELDS,
  METRIC_POINT_FIELDS,
  isStorableText,
  metricBatchSchema,
  metricPointInputSchema,
  parseInput,
  type MetricOptions,
  type MetricPointInput,
} from './schemas.js';

/** A point after validation: name trimmed, value a number, time in epoch milliseconds. */
export interface ValidMetricPoint {
  name: string;
  value: number;
  step?: number | undefined;
  epoch?: number | null | undefined;
  /** The point's `timestamp`, when given. */
  loggedAt?: number | undefined;
}

/**
 * Names already found valid, raw → trimmed. A training loop logs the same few names again and
 * again; checking a name is most of a point's validation. Bounded: cleared when full.
 */
const validNames = new Map<string, string>();
const VALID_NAMES_KEPT = 4096;

function validName(name: string): string | undefined {
  const known = validNames.get(name);
  if (known !== undefined) return known;
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > LIMITS.nameLength || !isStorableText(trimmed)) return undefined;
  if (validNames.size >= VALID_NAMES_KEPT) validNames.clear();
  validNames.set(name, trimmed);
  return trimmed;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(METRIC_POINT_FIELDS);

const isNonNegativeInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** True when every own key of `input` is one of `allowed` (a for-in loop: no array of keys per point). */
function onlyKnownKeys(input: object, allowed: ReadonlySet<string>): boolean {
  for (const key in input) if (Object.hasOwn(input, key) && !allowed.has(key)) return false;
  return true;
}

function fastPoint(input: unknown): ValidMetricPoint | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !onlyKnownKeys(input, KNOWN_FIELDS)) return undefined;
  const { name, value, step, epoch, timestamp } = input as Record<string, unknown>;
  return fastFields(name, value, step, epoch, timestamp);
}

function fastFields(name: unknown, value: unknown, step: unknown, epoch: unknown, timestamp: unknown): ValidMetricPoint | undefined {
  if (typeof name !== 'string' || typeof value !== 'number') return undefined;
  const trimmed = validName(name);
  if (trimmed === undefined) return undefined;
  if (step !== undefined && !Number.isSafeInteger(step)) return undefined;
  if (epoch !== undefined && epoch !== null && !(isNonNegativeInteger(epoch) && epoch <= LIMITS.maxEpoch)) return undefined;
  let loggedAt: number | undefined;
  if (timestamp instanceof Date) {
    loggedAt = timestamp.getTime();
    if (Number.isNaN(loggedAt)) return undefined;
  } else if (Number.isSafeInteger(timestamp) && Math.abs(timestamp as number) <= LIMITS.maxTimeMs) {
    loggedAt = timestamp as number;
  } else if (timestamp !== undefined) {
    return undefined;
  }
  return { name: trimmed, value, step: step as number | undefined, epoch: epoch as number | null | undefined, loggedAt };
}

/** Validates a batch as `metricBatchSchema` would, naming the field of the first problem. */
export function validateMetricBatch(points: MetricPointInput[], what: string): ValidMetricPoint[] {
  if (Array.isArray(points) && points.length <= LIMITS.batchSize) {
    const valid: ValidMetricPoint[] = new Array(points.length);
    let index = 0;
    for (; index < points.length; index++) {
      const point = fastPoint(points[index]);
      if (point === undefined) break;
      valid[index] = point;
    }
    if (index === points.length) return valid;
  }
  return parseInput(metricBatchSchema, points, what).map(fromSchema);
}

/** The schema's output (a Date for the time) as a validated point. */
function fromSchema(point: { name: string; value: number; step?: number | undefined; epoch?: number | null | undefined; timestamp?: Date | undefined }): ValidMetricPoint {
  return { name: point.name, value: point.value, step: point.step, epoch: point.epoch, loggedAt: point.timestamp?.getTime() };
}

/** Validates one point as `metricPointInputSchema` would. */
export function validateMetricPoint(point: MetricPointInput, what: string): ValidMetricPoint {
  return fastPoint(point) ?? fromSchema(parseInput(metricPointInputSchema, point, what));
}

const OPTION_FIELDS: ReadonlySet<string> = new Set(METRIC_OPTION_FIELDS);

/**
 * Validates `logMetric(name, value, options)`-style arguments as `validateMetricPoint` would, without
 * first building the point object (a training loop calls this once per point).
 */
export function validateMetricArguments(name: string, value: number, options: MetricOptions | undefined, what: string): ValidMetricPoint {
  if (options === undefined) return fastFields(name, value, undefined, undefined, undefined) ?? validateMetricPoint({ name, value }, what);
  const valid =
    options !== null && typeof options === 'object' && onlyKnownKeys(options, OPTION_FIELDS)
      ? fastFields(name, value, options.step, options.epoch, options.timestamp)
      : undefined;
  return valid ?? validateMetricPoint({ ...options, name, value }, what);
}
