/**
 * What several groups of the route table share: path parameters, per-key tag routes and the bodies and
 * queries the server validates because the store takes plain values.
 */
import { z } from 'zod';
import { hyperparametersBulkQuerySchema, idSchema, jsonValueSchema, latestMetricsQuerySchema, runInputsSchema, tagKeySchema, tagValueSchema } from '../../schemas.js';
import type { ApiRoute } from '../route.js';

export const runId = { kind: 'id', description: 'training run id' } as const;
export const modelIdOrName = { kind: 'idOrName', description: 'numeric id, or the model name' } as const;
export const versionId = { kind: 'id', description: 'model version id' } as const;
export const alias = { kind: 'text', description: 'alias name' } as const;
export const datasetId = { kind: 'id', description: 'dataset id' } as const;
export const experimentIdOrName = { kind: 'idOrName', description: 'numeric id, or the experiment name' } as const;
export const experimentId = { kind: 'id', description: 'experiment id' } as const;

/** The body of a ground-truth write: the label, or null to remove it. */
export const groundTruthBody = z.strictObject({ value: jsonValueSchema.nullable() });

/** The body of setModelAlias: the store takes a plain version number, so the server validates this. */
export const aliasBodySchema = z.strictObject({
  version: z.number().int().positive(),
  /** Who moves the alias (the token's name replaces it when the server has tokens). */
  actor: z.string().max(250).nullish(),
});

/** The runs of a bulk metric read: the store's own limit, which a URL cannot carry (decision 0215). */
export const runIdList = z.array(idSchema).max(10_000);
/** The query of getMetricSummaries (validated by the server: the store takes plain ids). */
export const metricSummariesQuery = z.strictObject({ runIds: runIdList });
/** Which runs' hyperparameters to read, optionally only some names. */
export const hyperparametersQuery = z.strictObject({ runIds: runIdList, names: hyperparametersBulkQuerySchema.shape.names });
/** Which runs' inputs to read (POST body). */
export const runInputsQuery = z.strictObject({ runIds: runIdList });
export const runInputsBody = z.strictObject({ inputs: runInputsSchema });
/** The query of getLatestMetrics (validated by the server: the store takes plain ids). */
export const latestMetricsQuery = z.strictObject({ runIds: runIdList, names: latestMetricsQuerySchema.shape.names });

export const tagBody = z.strictObject({ key: tagKeySchema, value: tagValueSchema });
export const tagQuery = z.strictObject({ key: tagKeySchema });

/**
 * Per-key tag routes: `PUT …/tags` with `{ "key", "value" }` sets one tag, `DELETE …/tags?key=…`
 * removes it. The key travels in the body or the query string, never the path: URL parsers resolve
 * a `..` or `%2E%2E` path segment.
 */
export const setTag = <const P extends ApiRoute['params']>(url: string, params: P, tag: string, noun: string) =>
  ({
    method: 'PUT',
    url: `${url}/tags`,
    summary: `Set one tag of a ${noun} ({ "key": "…", "value": "…" }); its other tags are untouched`,
    tag,
    params,
    body: tagBody,
    bodyRequired: true,
    bodyName: 'tag',
    status: 204,
  }) as const;
export const deleteTag = <const P extends ApiRoute['params']>(url: string, params: P, tag: string, noun: string) =>
  ({
    method: 'DELETE',
    url: `${url}/tags`,
    summary: `Delete one tag of a ${noun} (?key=…; 404 when it has no such tag)`,
    tag,
    params,
    query: tagQuery,
    validateQuery: true,
    // A re-sent delete answers 404 when the first one went through.
    retrySafe: false,
    status: 204,
  }) as const;
export const runTagParams = { id: { kind: 'id', description: 'training run id' } } as const;
export const experimentTagParams = { idOrName: { kind: 'idOrName', description: 'experiment id or name' } } as const;
export const modelTagParams = { idOrName: { kind: 'idOrName', description: 'model id or name' } } as const;
export const versionTagParams = { id: { kind: 'id', description: 'model version id' } } as const;

/** Declares one group of the table, keeping literal types for callers (the index names the operations). */
export function routeGroup<const T extends Record<string, Omit<ApiRoute, 'operationId'>>>(routes: T): T {
  return routes;
}
