/**
 * Per-key tag routes for runs, experiments, models and model versions: `PUT …/tags` with
 * `{ "key", "value" }` sets one tag, `DELETE …/tags?key=…` removes it. The key travels in the body or
 * the query string, never the path: URL parsers resolve a `..` or `%2E%2E` path segment.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { tagKeySchema, tagValueSchema } from '../../core/schemas.js';
import type { AiDatabase } from '../../store/ai-database.js';
import type { PathParamKind, RouteSpec } from '../route-spec.js';

const tagBodySchema = z.strictObject({ key: tagKeySchema, value: tagValueSchema });
const tagQuerySchema = z.strictObject({ key: tagKeySchema });

/** The body's key and value, each checked by the store (so errors name `key` and `value` as there). */
function tagBody(body: unknown): { key: string; value: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object { "key": "…", "value": "…" }', { field: 'body' });
  }
  const unknownKeys = Object.keys(body).filter((name) => name !== 'value' && name !== 'key');
  if (unknownKeys.length > 0) throw new ValidationError(`body: unknown field(s) ${unknownKeys.map((name) => `'${name}'`).join(', ')}`, { field: 'body' });
  const { key, value } = body as Record<string, unknown>;
  return { key: key as string, value: value as string };
}

interface TaggedResource {
  path: string;
  param: string;
  kind: PathParamKind;
  tag: string;
  noun: string;
  set(db: AiDatabase, id: number | string, key: string, value: string): Promise<void>;
  remove(db: AiDatabase, id: number | string, key: string): Promise<void>;
  operation: string;
}

const RESOURCES: TaggedResource[] = [
  {
    path: '/api/v1/runs/:id',
    param: 'id',
    kind: 'id',
    tag: 'runs',
    noun: 'training run',
    operation: 'TrainingRunTag',
    set: (db, id, key, value) => db.setTrainingRunTag(id as number, key, value),
    remove: (db, id, key) => db.deleteTrainingRunTag(id as number, key),
  },
  {
    path: '/api/v1/experiments/:idOrName',
    param: 'idOrName',
    kind: 'idOrName',
    tag: 'experiments',
    noun: 'experiment',
    operation: 'ExperimentTag',
    set: (db, id, key, value) => db.setExperimentTag(id, key, value),
    remove: (db, id, key) => db.deleteExperimentTag(id, key),
  },
  {
    path: '/api/v1/models/:idOrName',
    param: 'idOrName',
    kind: 'idOrName',
    tag: 'models',
    noun: 'model',
    operation: 'ModelTag',
    set: (db, id, key, value) => db.setModelTag(id, key, value),
    remove: (db, id, key) => db.deleteModelTag(id, key),
  },
  {
    path: '/api/v1/model-versions/:id',
    param: 'id',
    kind: 'id',
    tag: 'models',
    noun: 'model version',
    operation: 'ModelVersionTag',
    set: (db, id, key, value) => db.setModelVersionTag(id as number, key, value),
    remove: (db, id, key) => db.deleteModelVersionTag(id as number, key),
  },
];

export const tagRoutes: RouteSpec[] = RESOURCES.flatMap((resource): RouteSpec[] => {
  const params = {
    [resource.param]: { kind: resource.kind, description: `${resource.noun} ${resource.kind === 'id' ? 'id' : 'id or name'}` },
  };
  return [
    {
      method: 'PUT',
      url: `${resource.path}/tags`,
      operationId: `set${resource.operation}`,
      summary: `Set one tag of a ${resource.noun} ({ "key": "…", "value": "…" }); its other tags are untouched`,
      tag: resource.tag,
      params,
      body: tagBodySchema,
      bodyRequired: true,
      status: 204,
      handler: ({ db, params: values, body }) => {
        const { key, value } = tagBody(body);
        return resource.set(db, values[resource.param]!, key, value);
      },
    },
    {
      method: 'DELETE',
      url: `${resource.path}/tags`,
      operationId: `delete${resource.operation}`,
      summary: `Delete one tag of a ${resource.noun} (?key=…; 404 when it has no such tag)`,
      tag: resource.tag,
      params,
      query: tagQuerySchema,
      validateQuery: true,
      status: 204,
      handler: ({ db, params: values, query }) => resource.remove(db, values[resource.param]!, String(query.key)),
    },
  ];
});
