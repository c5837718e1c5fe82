/**
 * Every contract, in one call: the SQL store (per backend) and the HTTP client (per server backend)
 * both run `defineAllContracts(target)`.
 */
import type { ContractTarget } from './suite.js';

/** Registers every contract's describe blocks for the target. */
export function defineAllContracts(target: ContractTarget): void {
  for (const define of CONTRACTS) define(target);
}

/** Each contract file's define function; add new contract files here. */
const CONTRACTS: Array<(target: ContractTarget) => void> = [];
