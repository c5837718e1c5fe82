/** A compact table of runs (name, status, start, duration), as the overview and dataset pages show them. */
import type { TrainingRun } from '../../core/entities.js';
import { Link } from '../app/router.js';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format.js';
import { StatusBadge } from './status-badge.js';

export function RunSummaryTable({ runs, relativeStart = false }: { runs: TrainingRun[]; relativeStart?: boolean }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/runs/${run.id}`}>{run.name ?? `Run #${run.id}`}</Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              {relativeStart ? (
                <td title={formatDateTime(run.startedAt)}>{formatRelative(run.startedAt)}</td>
              ) : (
                <td>{formatDateTime(run.startedAt)}</td>
              )}
              <td>{formatDuration(run.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
