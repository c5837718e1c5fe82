/**
 * aimdb's REST API, one declaration per route, keyed by operation id (the AiDatabase method each
 * calls), in the order the OpenAPI document lists them. The server attaches a handler to each
 * (src/server/routes), the HTTP client (src/client) and the dashboard (src/ui/api) build their
 * requests from them. Each group lives in its own file under routes/; adding a route: one entry in its group, one handler
 * in src/server/routes (decision 0130).
 */
import { type ApiRoute } from './route.js';
import { systemRoutes } from './routes/system.js';
import { modelRoutes } from './routes/models.js';
import { datasetRoutes } from './routes/datasets.js';
import { runRoutes } from './routes/runs.js';
import { experimentRoutes } from './routes/experiments.js';
import { predictionRoutes } from './routes/predictions.js';
import { tagRoutes } from './routes/tags.js';
import { ARTIFACT_ROUTES } from './routes/artifacts.js';

export { aliasBodySchema, groundTruthBody, hyperparametersQuery, latestMetricsQuery, metricSummariesQuery, runInputsQuery } from './routes/common.js';
export { HISTORY_FORMATS } from './routes/runs.js';

/** Declares the table: each key becomes its route's operationId, and literal types are kept for callers. */
function api<const T extends Record<string, Omit<ApiRoute, 'operationId'>>>(routes: T): { [K in keyof T]: T[K] & { operationId: K } } {
  return Object.fromEntries(Object.entries(routes).map(([operationId, declared]) => [operationId, { ...declared, operationId }])) as never;
}

export const API = api({
  ...systemRoutes,
  ...modelRoutes,
  ...datasetRoutes,
  ...runRoutes,
  ...experimentRoutes,
  ...predictionRoutes,
  ...tagRoutes,
  ...ARTIFACT_ROUTES,
});

/** Every route of the table, in its order. */
export const API_ROUTE_LIST: readonly ApiRoute[] = Object.values(API);
