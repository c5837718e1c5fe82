/** Models and their versions. */
import { API, aliasBodySchema } from '../../core/api/routes.js';
import { parseInput } from '../../core/schemas.js';
import { actorOf } from '../auth.js';
import { serve } from '../route-spec.js';

export const modelRoutes = [
  // The body is read here (the store takes a plain version number), so it is validated here: `null` was a 500.
  serve(API.setModelAlias, ({ db, params, body, request }) => {
    const { version, actor } = parseInput(aliasBodySchema, body, 'body');
    return db.setModelAlias(params.idOrName, params.alias, version, { actor: actorOf(request, actor) });
  }),
  serve(API.deleteModelAlias, ({ db, params, request }) => db.deleteModelAlias(params.idOrName, params.alias, { actor: actorOf(request, undefined) })),
  serve(API.getModelVersionByAlias, ({ db, params }) => db.getModelVersionByAlias(params.idOrName, params.alias)),
  serve(API.getRegistryEvents, ({ db, params, query }) => db.getRegistryEvents(params.idOrName, query)),
  serve(API.createModel, ({ db, body }) => db.createModel(body)),
  serve(API.listModels, ({ db, query }) => db.listModels(query)),
  serve(API.getModel, ({ db, params }) => db.getModel(params.idOrName)),
  serve(API.updateModel, ({ db, params, body }) => db.updateModel(params.idOrName, body)),
  serve(API.deleteModel, ({ db, params }) => db.deleteModel(params.idOrName)),
  serve(API.getModelVersions, ({ db, params, query }) => db.getModelVersions(params.idOrName, query)),
  serve(API.getModelVersionByNumber, ({ db, params }) => db.getModelVersionByNumber(params.idOrName, params.version)),
  serve(API.createModelVersion, ({ db, body }) => db.createModelVersion(body)),
  serve(API.listModelVersions, ({ db, query }) => db.listModelVersions(query)),
  serve(API.getModelVersion, ({ db, params }) => db.getModelVersion(params.id)),
  // The actor is the caller's token name when the server has tokens, else what the body says.
  serve(API.updateModelVersion, ({ db, params, body, request }) =>
    db.updateModelVersion(params.id, { ...body, actor: actorOf(request, (body as { actor?: unknown } | null)?.actor) }),
  ),
  serve(API.deleteModelVersion, ({ db, params }) => db.deleteModelVersion(params.id)),
];
