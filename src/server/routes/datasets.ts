/** Datasets, unique by name and version. */
import { z } from 'zod';
import { LIMITS, createDatasetSchema, listDatasetsSchema, updateDatasetSchema } from '../../core/schemas.js';
import type { RouteSpec } from '../route-spec.js';
import { datasetResponse, pageOf } from '../response-schemas.js';

const datasetId = { kind: 'id', description: 'dataset id' } as const;

export const datasetRoutes: RouteSpec[] = [
  {
    method: 'POST',
    url: '/api/v1/datasets',
    operationId: 'createDataset',
    summary: 'Register a dataset version',
    tag: 'datasets',
    body: createDatasetSchema,
    bodyRequired: true,
    status: 201,
    response: datasetResponse,
    handler: ({ db, body }) => db.createDataset(body as never),
  },
  {
    method: 'GET',
    url: '/api/v1/datasets',
    operationId: 'listDatasets',
    summary: 'List datasets, newest first',
    tag: 'datasets',
    query: listDatasetsSchema,
    status: 200,
    response: pageOf(datasetResponse),
    handler: ({ db, query }) => db.listDatasets(query),
  },
  {
    method: 'GET',
    url: '/api/v1/datasets/:idOrName',
    operationId: 'getDataset',
    summary: 'Get a dataset by id, or by name (newest version unless `version` is given)',
    tag: 'datasets',
    params: { idOrName: { kind: 'idOrName', description: 'numeric id, or the dataset name' } },
    query: z.strictObject({ version: z.string().min(1).max(LIMITS.shortTextLength).optional() }),
    validateQuery: true,
    status: 200,
    response: datasetResponse,
    handler: ({ db, params, query }) => db.getDataset(params.idOrName!, query.version as string | undefined),
  },
  {
    method: 'PATCH',
    url: '/api/v1/datasets/:id',
    operationId: 'updateDataset',
    summary: 'Update a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    body: updateDatasetSchema,
    bodyRequired: true,
    status: 200,
    response: datasetResponse,
    handler: ({ db, params, body }) => db.updateDataset(params.id as number, body as never),
  },
  {
    method: 'DELETE',
    url: '/api/v1/datasets/:id',
    operationId: 'deleteDataset',
    summary: 'Delete a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    status: 204,
    handler: ({ db, params }) => db.deleteDataset(params.id as number),
  },
];
