/** Retention (decision 1201): purging what was deleted long enough ago. */
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

export const lifecycleRoutes = [serve(API.collectGarbage, ({ db, body }) => db.collectGarbage(body ?? {}))];
