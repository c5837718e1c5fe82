/**
 * Every contract, in one call: the SQL store (per backend) and the HTTP client (per server backend)
 * both run `defineAllContracts(target)`.
 */
import type { ContractTarget } from './suite.js';
import { defineArtifactsContract } from './artifacts.contract.js';
import { defineDemoScenarioContract } from './demo-scenario.contract.js';
import { defineDatasetsContract } from './datasets.contract.js';
import { defineExperimentsContract } from './experiments.contract.js';
import { defineExactNumbersContract } from './exact-numbers.contract.js';
import { defineMetricsContract } from './metrics.contract.js';
import { defineNegativeStepsContract } from './negative-steps.contract.js';
import { defineLatestMetricsContract } from './latest-metrics.contract.js';
import { defineHyperparametersBulkContract } from './hyperparameters-bulk.contract.js';
import { defineLifecycleAndRegistryContract } from './lifecycle-and-registry.contract.js';
import { defineLookupsContract } from './lookups.contract.js';
import { defineHealthContract } from './health.contract.js';
import { defineHeartbeatsContract } from './heartbeats.contract.js';
import { defineRetentionContract } from './retention.contract.js';
import { defineInputLimitsContract } from './input-limits.contract.js';
import { defineModelsContract } from './models.contract.js';
import { definePredictionsContract } from './predictions.contract.js';
import { definePredictionStatsContract } from './prediction-stats.contract.js';
import { defineTrainingRunsContract } from './training-runs.contract.js';
import { defineSameMillisecondContract } from './same-millisecond.contract.js';
import { defineTransactionsContract } from './transactions.contract.js';
import { defineRunSearchContract } from './run-search.contract.js';
import { defineSearchTiesContract } from './search-ties.contract.js';
import { defineTagsContract } from './tags.contract.js';
import { defineRunInputsContract } from './run-inputs.contract.js';

/** Registers every contract's describe blocks for the target. */
export function defineAllContracts(target: ContractTarget): void {
  for (const define of CONTRACTS) define(target);
}

/** Each contract file's define function; add new contract files here. */
const CONTRACTS: Array<(target: ContractTarget) => void> = [
  defineDemoScenarioContract,
  defineModelsContract,
  defineDatasetsContract,
  defineTrainingRunsContract,
  defineMetricsContract,
  defineNegativeStepsContract,
  defineLatestMetricsContract,
  defineHyperparametersBulkContract,
  defineExperimentsContract,
  defineLifecycleAndRegistryContract,
  defineHeartbeatsContract,
  defineRetentionContract,
  definePredictionsContract,
  defineLookupsContract,
  definePredictionStatsContract,
  defineTransactionsContract,
  defineInputLimitsContract,
  defineExactNumbersContract,
  defineSameMillisecondContract,
  defineHealthContract,
  defineRunSearchContract,
  defineSearchTiesContract,
  defineTagsContract,
  defineRunInputsContract,
  defineArtifactsContract,
];
