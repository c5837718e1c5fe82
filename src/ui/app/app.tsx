/** The shell: navigation, the token control, and the page for the current path. */
import { useState, useSyncExternalStore, type ReactNode } from 'react';
import { DASHBOARD_PAGES } from '../../core/dashboard-pages.js';
import { getToken, subscribeToken } from '../api/token-store.js';
import { TokenForm } from '../components/token-form.js';
import { ComparePage } from '../pages/compare-page.js';
import { DatasetDetailPage } from '../pages/dataset-detail-page.js';
import { DatasetsPage } from '../pages/datasets-page.js';
import { ExperimentsPage } from '../pages/experiments-page.js';
import { ModelDetailPage } from '../pages/model-detail-page.js';
import { ModelsPage } from '../pages/models-page.js';
import { OverviewPage } from '../pages/overview-page.js';
import { PredictionComparePage } from '../pages/prediction-compare-page.js';
import { PredictionsPage } from '../pages/predictions-page.js';
import { RunDetailPage } from '../pages/run-detail-page.js';
import { RunsPage } from '../pages/runs-page.js';
import { Link, matchPath, useLocation, type Location } from './router.js';

const NAV_ITEMS = [
  { to: '/', label: 'Overview', section: '' },
  { to: '/experiments', label: 'Experiments', section: 'experiments' },
  { to: '/runs', label: 'Runs', section: 'runs' },
  { to: '/models', label: 'Models', section: 'models' },
  { to: '/datasets', label: 'Datasets', section: 'datasets' },
  { to: '/predictions', label: 'Predictions', section: 'predictions' },
] as const;

function route(location: Location): ReactNode {
  const { path, query } = location;
  const id = (pattern: string) => {
    const params = matchPath(pattern, path);
    return params === null ? null : params.id!;
  };
  if (path === DASHBOARD_PAGES.overview) return <OverviewPage />;
  if (path === DASHBOARD_PAGES.experiments) return <ExperimentsPage />;
  if (path === DASHBOARD_PAGES.runs) return <RunsPage query={query} />;
  if (path === DASHBOARD_PAGES.compare) return <ComparePage query={query} />;
  if (path === DASHBOARD_PAGES.models) return <ModelsPage />;
  if (path === DASHBOARD_PAGES.datasets) return <DatasetsPage />;
  if (path === DASHBOARD_PAGES.predictions) return <PredictionsPage query={query} />;
  if (path === DASHBOARD_PAGES.predictionsCompare) return <PredictionComparePage query={query} />;
  const runId = id(DASHBOARD_PAGES.run);
  if (runId !== null) return <RunDetailPage key={runId} runId={Number(runId)} query={query} />;
  const model = id(DASHBOARD_PAGES.model);
  if (model !== null) return <ModelDetailPage key={model} idOrName={model} />;
  const datasetId = id(DASHBOARD_PAGES.dataset);
  if (datasetId !== null) return <DatasetDetailPage key={datasetId} datasetId={Number(datasetId)} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

export function App() {
  const location = useLocation();
  const hasToken = useSyncExternalStore(subscribeToken, () => getToken() !== null);
  const [showToken, setShowToken] = useState(false);
  const section = location.path.split('/')[1] ?? '';
  const activeSection = section === 'compare' ? 'runs' : section;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="aimdb overview">
          aimdb
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV_ITEMS.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={activeSection === item.section ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button className="token-toggle" aria-expanded={showToken} onClick={() => setShowToken((value) => !value)}>
          {hasToken ? 'Token ✓' : 'Token'}
        </button>
      </header>
      {showToken && (
        <div className="token-panel">
          <TokenForm onDone={() => setShowToken(false)} />
        </div>
      )}
      <main id="main">{route(location)}</main>
    </div>
  );
}
