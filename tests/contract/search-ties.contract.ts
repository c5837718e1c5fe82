/**
 * searchRuns' tie order: runs equal on every sort key come newest first, or with `ties: 'idText'`
 * by their ids compared as text (MLflow's order, its run ids being strings), on every page.
 */
import { describe, expect, it } from 'vitest';
import { useDatabase } from '../support/fixtures.js';
import type { ContractTarget } from './suite.js';

export function defineSearchTiesContract(target: ContractTarget): void {
  describe(`${target.label}: search ties`, () => {
    const db = useDatabase(target);

    it('orders tied runs newest first by default, and by id as text with ties: idText, across pages', async () => {
      const experiment = await db().createExperiment({ name: `ties-${Date.now()}-${Math.random()}` });
      const ids: number[] = [];
      for (let index = 0; index < 12; index++) ids.push((await db().createTrainingRun({ experimentId: experiment.id, startedAt: 1000 })).id);
      const query = `experiment.id = ${experiment.id}`;
      const pages = async (options: { ties?: 'newest' | 'idText' }) => {
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const page = await db().searchRuns(query, { orderBy: 'attributes.start_time DESC', limit: 5, cursor, ...options });
          seen.push(...page.items.map((run) => run.id));
          cursor = page.nextCursor;
        } while (cursor !== null);
        return seen;
      };
      expect(await pages({})).toEqual([...ids].sort((a, b) => b - a));
      expect(await pages({ ties: 'newest' })).toEqual([...ids].sort((a, b) => b - a));
      expect(await pages({ ties: 'idText' })).toEqual(ids.map(String).sort().map(Number));
    });
  });
}
