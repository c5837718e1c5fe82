/** The route table's group: the database as a whole */
import { z } from 'zod';
import { gcOptionsSchema, textSearchQuerySchema } from '../../schemas.js';
import { gcReportResponse, healthResponse, statisticsResponse, textSearchHitResponse } from '../responses.js';
import { routeGroup } from './common.js';

export const systemRoutes = routeGroup({
  health: {
    method: 'GET',
    url: '/api/v1/health',
    summary: 'Backend, database server version and schema version',
    tag: 'system',
    status: 200,
    response: healthResponse,
  },
  getStatistics: {
    method: 'GET',
    url: '/api/v1/statistics',
    summary: 'Counts per entity, runs by status and the newest activity',
    tag: 'system',
    status: 200,
    response: statisticsResponse,
  },
  collectGarbage: {
    method: 'POST',
    url: '/api/v1/gc',
    summary:
      'Purge what was soft-deleted more than olderThanMs ago (default 30 days) with its metrics and predictions, and predictions ' +
      'older than predictionsOlderThanMs, in small committed batches; dryRun counts instead',
    tag: 'system',
    body: gcOptionsSchema,
    bodyName: 'options',
    // A purge run twice purges what the first left: the effect of running it once.
    retrySafe: true,
    status: 200,
    response: gcReportResponse,
  },
  searchText: {
    method: 'GET',
    url: '/api/v1/search',
    summary: 'Full-text search: runs, models, experiments and datasets whose text holds every word of q, best first (entities=run,model limits the kinds)',
    tag: 'system',
    query: textSearchQuerySchema,
    validateQuery: true,
    status: 200,
    response: z.array(textSearchHitResponse),
  },
});
