/** The database's health and the overall statistics. */
import type { RouteSpec } from '../route-spec.js';
import { healthResponse, statisticsResponse } from '../response-schemas.js';

export const systemRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/api/v1/health',
    operationId: 'health',
    summary: 'Backend, database server version and schema version',
    tag: 'system',
    status: 200,
    response: healthResponse,
    handler: ({ db }) => db.health(),
  },
  {
    method: 'GET',
    url: '/api/v1/statistics',
    operationId: 'getStatistics',
    summary: 'Counts per entity, runs by status and the newest activity',
    tag: 'system',
    status: 200,
    response: statisticsResponse,
    handler: ({ db }) => db.getStatistics(),
  },
];
