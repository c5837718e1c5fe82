/** The route table's group: tags, one key at a time */
import { deleteTag, experimentTagParams, modelTagParams, routeGroup, runTagParams, setTag, versionTagParams } from './common.js';

export const tagRoutes = routeGroup({
  setTrainingRunTag: setTag('/api/v1/runs/:id', runTagParams, 'runs', 'training run'),
  deleteTrainingRunTag: deleteTag('/api/v1/runs/:id', runTagParams, 'runs', 'training run'),
  setExperimentTag: setTag('/api/v1/experiments/:idOrName', experimentTagParams, 'experiments', 'experiment'),
  deleteExperimentTag: deleteTag('/api/v1/experiments/:idOrName', experimentTagParams, 'experiments', 'experiment'),
  setModelTag: setTag('/api/v1/models/:idOrName', modelTagParams, 'models', 'model'),
  deleteModelTag: deleteTag('/api/v1/models/:idOrName', modelTagParams, 'models', 'model'),
  setModelVersionTag: setTag('/api/v1/model-versions/:id', versionTagParams, 'models', 'model version'),
  deleteModelVersionTag: deleteTag('/api/v1/model-versions/:id', versionTagParams, 'models', 'model version'),
});
