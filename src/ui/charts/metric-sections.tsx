/**
 * Every metric of a run (or of compared runs) as charts, usable with thousands of names: collapsible
 * sections by name prefix, a filter box (substring or regular expression), pinned charts first, and
 * charts rendered page by page as the reader scrolls. Filter, pins and opened sections live in the
 * URL, so a view can be shared and survives a reload.
 */
import { useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';
import { navigate } from '../app/router.js';
import { useInView } from '../hooks/use-api.js';
import { compileFilter, GENERAL_SECTION, groupIntoSections, isSectionOpen } from '../lib/metric-sections.js';
import type { ChartSettings } from './chart-settings.js';
import { MetricChart, type ChartGroup, type ChartRun } from './metric-chart.js';

/** Charts added to a section each time its end scrolls into view. */
const CHARTS_PER_PAGE = 24;

export interface SectionMetric {
  name: string;
  runs: ChartRun[];
  /** Draw groups of the runs (mean and min–max band) instead of one line per run. */
  groups?: ChartGroup[];
  /** Changes when this metric's data changed (live refresh reloads only those charts). */
  refreshKey?: number | string;
  /** A line under the chart (last value, min, max …), rendered only for charts on the page. */
  facts?: () => ReactNode;
}

export interface MetricSectionsProps {
  metrics: SectionMetric[];
  settings: ChartSettings;
  /** The page's path and query: the sections' state is written into them. */
  path: string;
  query: URLSearchParams;
}

export function MetricSections({ metrics, settings, path, query }: MetricSectionsProps) {
  const filter = { text: query.get('metrics') ?? '', regex: query.get('regex') === '1' };
  const pinned = new Set(query.getAll('pin'));
  const opened = new Set(query.getAll('open'));
  const closed = new Set(query.getAll('closed'));
  const compiled = compileFilter(filter);
  const shown = metrics.filter((metric) => compiled.test(metric.name));
  const byName = new Map(metrics.map((metric) => [metric.name, metric]));
  const pinnedShown = shown.filter((metric) => pinned.has(metric.name));
  const sections = groupIntoSections(
    shown.map((metric) => metric.name),
    pinned,
  );
  const filtering = filter.text.trim() !== '' && compiled.error === null;

  const update = (change: (params: URLSearchParams) => void) => {
    const next = new URLSearchParams(query);
    change(next);
    const search = next.toString();
    navigate(search === '' ? path : `${path}?${search}`, { replace: true });
  };
  const setList = (params: URLSearchParams, key: string, values: Iterable<string>) => {
    params.delete(key);
    for (const value of values) params.append(key, value);
  };
  const togglePin = (name: string) =>
    update((params) => setList(params, 'pin', pinned.has(name) ? [...pinned].filter((other) => other !== name) : [...pinned, name]));
  const onToggleSection = (section: string, wasOpen: boolean) => (event: SyntheticEvent<HTMLDetailsElement>) => {
    const isOpen = event.currentTarget.open;
    if (isOpen === wasOpen) return;
    update((params) => {
      const nextOpened = new Set(opened);
      const nextClosed = new Set(closed);
      (isOpen ? nextOpened : nextClosed).add(section);
      (isOpen ? nextClosed : nextOpened).delete(section);
      setList(params, 'open', nextOpened);
      setList(params, 'closed', nextClosed);
    });
  };

  const chart = (name: string) => {
    const metric = byName.get(name)!;
    const isPinned = pinned.has(name);
    return (
      <div key={name}>
        <MetricChart
          metric={name}
          runs={metric.runs}
          {...(metric.groups === undefined ? {} : { groups: metric.groups })}
          settings={settings}
          {...(metric.refreshKey === undefined ? {} : { refreshKey: metric.refreshKey })}
          actions={
            <button
              type="button"
              className="link-button"
              aria-pressed={isPinned}
              aria-label={`${isPinned ? 'Unpin' : 'Pin'} ${name}`}
              onClick={() => togglePin(name)}
            >
              {isPinned ? 'unpin' : 'pin'}
            </button>
          }
        />
        {metric.facts?.()}
      </div>
    );
  };

  return (
    <div className="metric-sections">
      <div className="toolbar metric-filter">
        <label>
          Filter metrics{' '}
          <input
            type="search"
            value={filter.text}
            placeholder={filter.regex ? 'regular expression, e.g. ^layers\\.1[0-9]\\.' : 'part of a name'}
            onChange={(event) =>
              update((params) => {
                if (event.target.value === '') params.delete('metrics');
                else params.set('metrics', event.target.value);
              })
            }
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.regex}
            onChange={(event) =>
              update((params) => {
                if (event.target.checked) params.set('regex', '1');
                else params.delete('regex');
              })
            }
          />{' '}
          regular expression
        </label>
        <span className="muted" role="status">
          {shown.length === metrics.length
            ? `${metrics.length.toLocaleString('en-US')} metrics`
            : `${shown.length.toLocaleString('en-US')} of ${metrics.length.toLocaleString('en-US')} metrics`}
          {sections.length > 1 ? ` in ${sections.length} sections` : ''}
        </span>
        {compiled.error !== null && (
          <span className="error" role="alert">
            {compiled.error}
          </span>
        )}
      </div>
      {pinnedShown.length > 0 && (
        <section className="metric-section" aria-label="Pinned metrics">
          <h3>Pinned</h3>
          <PagedCharts names={pinnedShown.map((metric) => metric.name)} render={chart} />
        </section>
      )}
      {sections.map((section) => {
        const open = isSectionOpen(section.name, { opened, closed, filtering, total: metrics.length });
        const label = section.name === GENERAL_SECTION ? (sections.length === 1 && pinnedShown.length === 0 ? 'All metrics' : 'General') : `${section.name}.*`;
        return (
          <details key={section.name} className="metric-section" open={open} onToggle={onToggleSection(section.name, open)} data-section={section.name}>
            <summary>
              <strong>{label}</strong> <span className="muted">({section.metrics.length.toLocaleString('en-US')})</span>
            </summary>
            {open && <PagedCharts names={section.metrics} render={chart} />}
          </details>
        );
      })}
    </div>
  );
}

/** A grid that renders CHARTS_PER_PAGE more charts whenever its end comes near the viewport. */
function PagedCharts({ names, render }: { names: string[]; render: (name: string) => ReactNode }) {
  const [count, setCount] = useState(CHARTS_PER_PAGE);
  const [sentinelRef, sentinelInView] = useInView<HTMLDivElement>('400px');
  const more = count < names.length;
  // The sentinel is a new element per page (keyed by count), so the observer reports it afresh after
  // each page renders: pages load one observer callback at a time, never in one synchronous burst.
  useEffect(() => {
    if (sentinelInView && more) setCount((value) => value + CHARTS_PER_PAGE);
  }, [sentinelInView, more]);
  return (
    <>
      <div className="chart-grid">{names.slice(0, count).map(render)}</div>
      {more && (
        <div key={count} ref={sentinelRef} className="muted small chart-sentinel">
          {(names.length - count).toLocaleString('en-US')} more charts below…
        </div>
      )}
    </>
  );
}
