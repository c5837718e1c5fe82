/**
 * MLflow's REST API (2.10) as routes of aimdb's one route table, under `/api/2.0/mlflow/` and the
 * `/ajax-api/2.0/mlflow/` alias MLflow's web UI calls.
 */
import type { AiDatabase } from '../../store/index.js';
import type { RouteContext, RouteMethod, RouteProtocol, RouteSpec } from '../route-spec.js';
import { MlflowError, MlflowRequest, mlflowErrorAnswer, parseMlflowJson } from './protocol.js';
import { listRunArtifacts, mlflowArtifactRoutes } from './artifact-routes.js';
import { runById, toMlflowRuns } from './mapping.js';
import { REGISTRY_ENDPOINTS } from './registry-routes.js';
import { TRACKING_ENDPOINTS } from './tracking-routes.js';

/** What an MLflow handler gets: the store and the request's fields. */
export type MlflowHandler = (context: { db: AiDatabase; request: MlflowRequest; route: RouteContext }) => Promise<object>;

export const MLFLOW_PROTOCOL: RouteProtocol = { name: 'mlflow', errorAnswer: mlflowErrorAnswer, parseJson: parseMlflowJson };

export const MLFLOW_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'] as const;

/** `artifacts/list` (MLflow's UI lists a run's files with it): the run's artifacts from aimdb's store. */
const listArtifacts: MlflowHandler = async ({ db, request }) => {
  request.check({ run_id: { type: 'string' }, run_uuid: { type: 'string' }, path: { type: 'string' }, page_token: { type: 'string' } });
  const id = request.string('run_id') ?? request.string('run_uuid');
  if (id === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
  const [run] = await toMlflowRuns(db, [await runById(db, id)]);
  return listRunArtifacts(db, Number(run!.info.run_id), request.string('path') ?? '', String(run!.info.artifact_uri));
};

const ARTIFACT_ENDPOINTS: Array<[string, string, MlflowHandler]> = [['GET', 'artifacts/list', listArtifacts]];

function mlflowRoutes(): RouteSpec[] {
  const routes: RouteSpec[] = [...mlflowArtifactRoutes(MLFLOW_PROTOCOL)];
  for (const prefix of MLFLOW_PREFIXES) {
    for (const [method, endpoint, handler, readsOnly] of [...TRACKING_ENDPOINTS, ...REGISTRY_ENDPOINTS, ...ARTIFACT_ENDPOINTS]) {
      routes.push({
        method: method as RouteMethod,
        url: `${prefix}${endpoint}`,
        operationId: `mlflow ${method} ${endpoint}`,
        summary: `MLflow ${endpoint}`,
        tag: 'mlflow',
        status: 200,
        protocol: MLFLOW_PROTOCOL,
        ...(readsOnly === true ? { readsOnly: true } : {}),
        handler: (context) => handler({ db: context.db, request: MlflowRequest.of(context), route: context }),
      });
    }
  }
  return routes;
}

export const MLFLOW_ROUTES: readonly RouteSpec[] = mlflowRoutes();
