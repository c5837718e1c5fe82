/**
 * The runs table itself: one page of rows with fixed column widths (declared up front, so nothing
 * shifts when values arrive), names that ellipsise instead of wrapping, numbers to 4 significant
 * digits with the full value on hover.
 */
import type { JsonValue, TrainingRun } from '../../../core/entities.js';
import { Link } from '../../app/router.js';
import { StatusBadge } from '../../components/status-badge.js';
import { formatDateTime, formatDuration, formatJsonValue, formatMetric, formatParamCell, formatRelative, fullNumber } from '../../lib/format.js';
import type { LatestByRun, SortDirection, SortKey } from '../../lib/runs-table.js';

export interface RunsGridProps {
  rows: TrainingRun[];
  paramColumns: string[];
  metricColumns: string[];
  sort: { key: SortKey; direction: SortDirection };
  onSort: (key: SortKey) => void;
  selected: readonly number[];
  onToggleSelected: (runId: number) => void;
  hyperparameters: ReadonlyMap<number, ReadonlyMap<string, JsonValue>>;
  latest: LatestByRun;
}

export function RunsGrid({ rows, paramColumns, metricColumns, sort, onSort, selected, onToggleSelected, hyperparameters, latest }: RunsGridProps) {
  const header = (key: SortKey, label: string, className?: string) => {
    const active = sort.key === key;
    return (
      <th key={key} scope="col" className={className} title={label} aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button className="sort-button" onClick={() => onSort(key)} aria-label={`Sort by ${label}`}>
          <span className="header-label">{label}</span>
          <span aria-hidden="true">{active ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };
  const selectedSet = new Set(selected);
  return (
    <div className="table-wrap">
      {/* Fixed widths (rem) so nothing shifts as values arrive; the name column takes what is left, at least 12rem. */}
      <table className="runs-table fixed-table" style={{ minWidth: `${39.4 + 7.2 * (paramColumns.length + metricColumns.length)}rem` }}>
        <colgroup>
          <col className="col-select" />
          <col className="col-id" />
          <col className="col-name" />
          <col className="col-status" />
          <col className="col-started" />
          <col className="col-duration" />
          {paramColumns.map((name) => (
            <col key={`p-${name}`} className="col-value" />
          ))}
          {metricColumns.map((name) => (
            <col key={`m-${name}`} className="col-value" />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Select</span>
            </th>
            {header('id', 'ID', 'num')}
            {header('name', 'Name')}
            {header('status', 'Status')}
            {header('startedAt', 'Started')}
            {header('durationMs', 'Duration', 'num')}
            {paramColumns.map((name) => header(`param:${name}`, name, 'num param-col'))}
            {metricColumns.map((name) => header(`metric:${name}`, name, 'num metric-col'))}
          </tr>
        </thead>
        <tbody>
          {rows.map((run) => {
            const runLabel = run.name ?? `Run #${run.id}`;
            const params = hyperparameters.get(run.id);
            const isSelected = selectedSet.has(run.id);
            return (
              <tr key={run.id} className={isSelected ? 'selected' : undefined}>
                <td>
                  <input type="checkbox" checked={isSelected} onChange={() => onToggleSelected(run.id)} aria-label={`Select ${runLabel} to compare`} />
                </td>
                <td className="num">{run.id}</td>
                <td className="name-cell" title={runLabel}>
                  <Link to={`/runs/${run.id}`}>{runLabel}</Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td title={formatDateTime(run.startedAt)}>{formatRelative(run.startedAt)}</td>
                <td className="num">{formatDuration(run.durationMs)}</td>
                {paramColumns.map((name) => {
                  const value = params?.get(name);
                  return (
                    <td key={`p-${name}`} className="num param-col mono" title={value === undefined ? undefined : formatJsonValue(value)}>
                      {formatParamCell(value)}
                    </td>
                  );
                })}
                {metricColumns.map((name) => {
                  const value = latest.get(run.id)?.get(name);
                  return (
                    <td key={`m-${name}`} className="num mono" title={fullNumber(value)}>
                      {formatMetric(value)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
