/** Every route served, in the order the OpenAPI document lists them. */
import type { RouteSpec } from '../route-spec.js';
import { MLFLOW_ROUTES } from '../mlflow/routes.js';
import { artifactRoutes } from './artifacts.js';
import { datasetRoutes } from './datasets.js';
import { experimentRoutes } from './experiments.js';
import { lifecycleRoutes } from './lifecycle.js';
import { modelRoutes } from './models.js';
import { predictionRoutes } from './predictions.js';
import { runRoutes } from './runs.js';
import { systemRoutes } from './system.js';
import { tagRoutes } from './tags.js';

export const API_ROUTES: readonly RouteSpec[] = [
  ...systemRoutes,
  ...modelRoutes,
  ...datasetRoutes,
  ...runRoutes,
  ...experimentRoutes,
  ...predictionRoutes,
  ...tagRoutes,
  ...artifactRoutes,
  ...lifecycleRoutes,
  // MLflow's tracking and registry API (src/server/mlflow), left out of the OpenAPI document.
  ...MLFLOW_ROUTES,
];
