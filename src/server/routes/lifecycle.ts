/** Retention (decision 1201) and the registry's event log (decision 1202). */
import { z } from 'zod';
import { gcOptionsSchema } from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';

const time = z.iso.datetime().describe('ISO-8601 time');
const count = z.number().int().min(0);

export const gcReportResponse = z.object({
  dryRun: z.boolean(),
  deletedBefore: time,
  predictionsBefore: time.nullable(),
  runs: count,
  experiments: count,
  models: count,
  modelVersions: count,
  metricPoints: count,
  predictions: count,
  batches: count,
  complete: z.boolean(),
});

export const lifecycleRoutes: RouteSpec[] = [
  {
    method: 'POST',
    url: '/api/v1/gc',
    operationId: 'collectGarbage',
    summary:
      'Purge what was soft-deleted more than olderThanMs ago (default 30 days) with its metrics and predictions, and predictions ' +
      'older than predictionsOlderThanMs, in small committed batches; dryRun counts instead',
    tag: 'system',
    body: gcOptionsSchema,
    status: 200,
    response: gcReportResponse,
    handler: ({ db, body }) => db.collectGarbage((body ?? {}) as never),
  },
];
