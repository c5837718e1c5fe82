/** Per-key tags of runs, experiments, models and model versions (see the table in src/core/api/routes.ts). */
import { ValidationError } from '../../core/errors.js';
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

/** Sets the body's key and value, each checked by the store (so errors name `key` and `value` as there). */
function withTagBody(body: unknown, set: (key: string, value: string) => Promise<void>): Promise<void> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object { "key": "…", "value": "…" }', { field: 'body' });
  }
  const unknownKeys = Object.keys(body).filter((name) => name !== 'value' && name !== 'key');
  if (unknownKeys.length > 0) throw new ValidationError(`body: unknown field(s) ${unknownKeys.map((name) => `'${name}'`).join(', ')}`, { field: 'body' });
  const { key, value } = body as Record<string, unknown>;
  return set(key as string, value as string);
}

export const tagRoutes = [
  serve(API.setTrainingRunTag, ({ db, params, body }) => withTagBody(body, (key, value) => db.setTrainingRunTag(params.id, key, value))),
  serve(API.deleteTrainingRunTag, ({ db, params, query }) => db.deleteTrainingRunTag(params.id, query.key)),
  serve(API.setExperimentTag, ({ db, params, body }) => withTagBody(body, (key, value) => db.setExperimentTag(params.idOrName, key, value))),
  serve(API.deleteExperimentTag, ({ db, params, query }) => db.deleteExperimentTag(params.idOrName, query.key)),
  serve(API.setModelTag, ({ db, params, body }) => withTagBody(body, (key, value) => db.setModelTag(params.idOrName, key, value))),
  serve(API.deleteModelTag, ({ db, params, query }) => db.deleteModelTag(params.idOrName, query.key)),
  serve(API.setModelVersionTag, ({ db, params, body }) => withTagBody(body, (key, value) => db.setModelVersionTag(params.id, key, value))),
  serve(API.deleteModelVersionTag, ({ db, params, query }) => db.deleteModelVersionTag(params.id, query.key)),
];
