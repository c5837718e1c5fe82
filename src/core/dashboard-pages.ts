/**
 * The dashboard's pages: the one list that the dashboard routes by and that the server answers with
 * the dashboard's index.html. Any other path that matches no API route is a JSON 404, so a probe of
 * `/health` or a mistyped `/api/...` path is never a 200 with HTML.
 */

/** Page path patterns; `:id` is one path segment (an id, or a model's name). */
export const DASHBOARD_PAGES = {
  overview: '/',
  experiments: '/experiments',
  runs: '/runs',
  compare: '/compare',
  models: '/models',
  datasets: '/datasets',
  predictions: '/predictions',
  predictionsCompare: '/predictions/compare',
  run: '/runs/:id',
  model: '/models/:id',
  dataset: '/datasets/:id',
} as const;

const PATTERNS = Object.values(DASHBOARD_PAGES).map((pattern) => pattern.split('/').filter(Boolean));

/** Whether a URL path (no query string; trailing slashes ignored, as the dashboard does) is a dashboard page. */
export function isDashboardPath(pathname: string): boolean {
  const parts = pathname.split('/').filter(Boolean);
  return PATTERNS.some(
    (pattern) =>
      pattern.length === parts.length &&
      pattern.every((expected, index) => (expected.startsWith(':') ? parts[index] !== '' : expected === parts[index])),
  );
}
