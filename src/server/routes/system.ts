/** The database's health, the overall statistics and full-text search across entities. */
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

export const systemRoutes = [
  serve(API.health, ({ db }) => db.health()),
  serve(API.getStatistics, ({ db }) => db.getStatistics()),
  serve(API.searchText, ({ db, query: { q, ...options } }) => db.searchText(q, options)),
];
