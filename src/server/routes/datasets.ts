/** Datasets, unique by name and version. */
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

export const datasetRoutes = [
  serve(API.createDataset, ({ db, body }) => db.createDataset(body)),
  serve(API.listDatasets, ({ db, query }) => db.listDatasets(query)),
  serve(API.getDataset, ({ db, params, query }) => db.getDataset(params.idOrName, query.version)),
  serve(API.updateDataset, ({ db, params, body }) => db.updateDataset(params.id, body)),
  serve(API.deleteDataset, ({ db, params }) => db.deleteDataset(params.id)),
];
