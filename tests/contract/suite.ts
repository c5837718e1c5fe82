/**
 * The contract suite: behaviour every AiDatabase must have, whatever is behind it. Each file under
 * tests/contract exports a `define…Contract(open)` function; the SQL store runs them over every
 * backend (tests/store/contract.test.ts) and the HTTP client runs them through a real server.
 */
import type { AiDatabase } from '../../src/index.js';

/** What a contract may ask of the database it opens. */
export interface OpenOptions {
  /** The store's clock (epoch milliseconds), e.g. a fixed one so rows share one millisecond. */
  now?: () => number;
}

/** Opens a fresh, empty AiDatabase for one describe block and tears it down afterwards. */
export interface ContractTarget {
  /** Shown in test names, e.g. `postgresql` or `http→sqlite`. */
  label: string;
  open(options?: OpenOptions): Promise<{ db: AiDatabase; close(): Promise<void> }>;
  /** What this target cannot do by design (the HTTP client has no interactive transactions). */
  capabilities: { transactions: boolean };
}
