/** Experiments and their member runs. */
import { z } from 'zod';
import { createExperimentSchema, listExperimentsSchema, updateExperimentSchema } from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';
import { experimentResponse, experimentRunResponse, pageOf } from '../response-schemas.js';

const idOrName = { kind: 'idOrName', description: 'numeric id, or the experiment name' } as const;
const experimentId = { kind: 'id', description: 'experiment id' } as const;
const runId = { kind: 'id', description: 'training run id' } as const;

export const experimentRoutes: RouteSpec[] = [
  {
    method: 'POST',
    url: '/api/v1/experiments',
    operationId: 'createExperiment',
    summary: 'Create an experiment',
    tag: 'experiments',
    body: createExperimentSchema,
    bodyRequired: true,
    status: 201,
    response: experimentResponse,
    handler: ({ db, body }) => db.createExperiment(body as never),
  },
  {
    method: 'GET',
    url: '/api/v1/experiments',
    operationId: 'listExperiments',
    summary: 'List experiments, newest first',
    tag: 'experiments',
    query: listExperimentsSchema,
    status: 200,
    response: pageOf(experimentResponse),
    handler: ({ db, query }) => db.listExperiments(query),
  },
  {
    method: 'GET',
    url: '/api/v1/experiments/:idOrName',
    operationId: 'getExperiment',
    summary: 'Get an experiment by id or name',
    tag: 'experiments',
    params: { idOrName },
    status: 200,
    response: experimentResponse,
    handler: ({ db, params }) => db.getExperiment(params.idOrName!),
  },
  {
    method: 'PATCH',
    url: '/api/v1/experiments/:idOrName',
    operationId: 'updateExperiment',
    summary: 'Update an experiment',
    tag: 'experiments',
    params: { idOrName },
    body: updateExperimentSchema,
    bodyRequired: true,
    status: 200,
    response: experimentResponse,
    handler: ({ db, params, body }) => db.updateExperiment(params.idOrName!, body as never),
  },
  {
    method: 'DELETE',
    url: '/api/v1/experiments/:idOrName',
    operationId: 'deleteExperiment',
    summary: 'Delete an experiment (its runs stay)',
    tag: 'experiments',
    params: { idOrName },
    status: 204,
    handler: ({ db, params }) => db.deleteExperiment(params.idOrName!),
  },
  {
    method: 'GET',
    url: '/api/v1/experiments/:id/runs',
    operationId: 'getExperimentRuns',
    summary: "An experiment's runs, in the order they were added",
    tag: 'experiments',
    params: { id: experimentId },
    status: 200,
    response: z.array(experimentRunResponse),
    handler: ({ db, params }) => db.getExperimentRuns(params.id as number),
  },
  {
    method: 'PUT',
    url: '/api/v1/experiments/:id/runs/:runId',
    operationId: 'addExperimentRun',
    summary: 'Add a run to an experiment (idempotent)',
    tag: 'experiments',
    params: { id: experimentId, runId },
    status: 204,
    handler: ({ db, params }) => db.addExperimentRun(params.id as number, params.runId as number),
  },
  {
    method: 'DELETE',
    url: '/api/v1/experiments/:id/runs/:runId',
    operationId: 'removeExperimentRun',
    summary: 'Remove a run from an experiment',
    tag: 'experiments',
    params: { id: experimentId, runId },
    status: 204,
    handler: ({ db, params }) => db.removeExperimentRun(params.id as number, params.runId as number),
  },
];
