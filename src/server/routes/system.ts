/** The database's health, the overall statistics and full-text search across entities. */
import { z } from 'zod';
import { textSearchQuerySchema } from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';
import { healthResponse, statisticsResponse } from '../response-schemas.js';

const textSearchHitResponse = z.object({
  entity: z.enum(['run', 'model', 'experiment', 'dataset']),
  id: z.number().int().positive(),
  name: z.string(),
  score: z.number(),
  snippet: z.string(),
});

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
  {
    method: 'GET',
    url: '/api/v1/search',
    operationId: 'searchText',
    summary: 'Full-text search: runs, models, experiments and datasets whose text holds every word of q, best first (entities=run,model limits the kinds)',
    tag: 'system',
    query: textSearchQuerySchema,
    validateQuery: true,
    status: 200,
    response: z.array(textSearchHitResponse),
    handler: ({ db, query }) => {
      const { q, ...options } = query as { q: string };
      return db.searchText(q, options);
    },
  },
];
