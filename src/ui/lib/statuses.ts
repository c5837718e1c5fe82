/**
 * Run statuses as values. The UI imports only types from core (it talks HTTP at run time), so the
 * list is spelled here and checked against core's `RunStatus` at compile time: a status added to
 * core without being added here fails the UI typecheck.
 */
import type { RunStatus } from '../../core/entities.js';

export const RUN_STATUS_LIST = ['queued', 'running', 'completed', 'failed', 'killed'] as const satisfies readonly RunStatus[];

/** Statuses a run never leaves; a queued or running run is live. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'killed'];

type Unlisted = Exclude<RunStatus, (typeof RUN_STATUS_LIST)[number]>;
// Compile-time exhaustiveness check (see above).
export const EVERY_RUN_STATUS_LISTED: [Unlisted] extends [never] ? true : never = true;

/** How often a live run's page is refreshed. */
export const LIVE_REFRESH_MS = 5000;
