/** A coloured status label for runs, model versions and experiments; the text carries the meaning. */
import type { ExperimentStatus, ModelVersionStatus, RunStatus } from '../../core/entities.js';

export function StatusBadge({ status }: { status: RunStatus | ModelVersionStatus | ExperimentStatus }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}
