/** Experiments and their member runs. */
import { API } from '../../core/api/routes.js';
import { serve } from '../route-spec.js';

export const experimentRoutes = [
  serve(API.getExperimentMemberships, ({ db, query }) => db.getExperimentMemberships(query.runIds)),
  serve(API.createExperiment, ({ db, body }) => db.createExperiment(body)),
  serve(API.listExperiments, ({ db, query }) => db.listExperiments(query)),
  serve(API.getExperiment, ({ db, params }) => db.getExperiment(params.idOrName)),
  serve(API.updateExperiment, ({ db, params, body }) => db.updateExperiment(params.idOrName, body)),
  serve(API.deleteExperiment, ({ db, params }) => db.deleteExperiment(params.idOrName)),
  serve(API.getExperimentRuns, ({ db, params }) => db.getExperimentRuns(params.id)),
  serve(API.addExperimentRun, ({ db, params }) => db.addExperimentRun(params.id, params.runId)),
  serve(API.removeExperimentRun, ({ db, params }) => db.removeExperimentRun(params.id, params.runId)),
];
