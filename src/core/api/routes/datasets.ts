/** The route table's group: datasets, unique by name and version */
import { z } from 'zod';
import { LIMITS, createDatasetSchema, listDatasetsSchema, updateDatasetSchema } from '../../schemas.js';
import { datasetResponse, pageOf } from '../responses.js';
import { datasetId, routeGroup } from './common.js';

export const datasetRoutes = routeGroup({
  createDataset: {
    method: 'POST',
    url: '/api/v1/datasets',
    summary: 'Register a dataset version',
    tag: 'datasets',
    body: createDatasetSchema,
    bodyRequired: true,
    bodyName: 'dataset',
    status: 201,
    response: datasetResponse,
  },
  listDatasets: {
    method: 'GET',
    url: '/api/v1/datasets',
    summary: 'List datasets, newest first',
    tag: 'datasets',
    query: listDatasetsSchema,
    status: 200,
    response: pageOf(datasetResponse),
  },
  getDataset: {
    method: 'GET',
    url: '/api/v1/datasets/:idOrName',
    summary: 'Get a dataset by id, or by name (newest version unless `version` is given)',
    tag: 'datasets',
    params: { idOrName: { kind: 'idOrName', description: 'numeric id, or the dataset name' } },
    query: z.strictObject({ version: z.string().min(1).max(LIMITS.shortTextLength).optional() }),
    validateQuery: true,
    status: 200,
    response: datasetResponse,
  },
  updateDataset: {
    method: 'PATCH',
    url: '/api/v1/datasets/:id',
    summary: 'Update a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    body: updateDatasetSchema,
    bodyRequired: true,
    bodyName: 'dataset',
    status: 200,
    response: datasetResponse,
  },
  deleteDataset: {
    method: 'DELETE',
    url: '/api/v1/datasets/:id',
    summary: 'Delete a dataset',
    tag: 'datasets',
    params: { id: datasetId },
    status: 204,
  },
});
