/** Previous/next page controls for client-side pagination. */
export function Pager({
  page,
  pageCount,
  onPage,
  label,
}: {
  page: number;
  pageCount: number;
  onPage: (page: number) => void;
  label: string;
}) {
  if (pageCount <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button onClick={() => onPage(0)} disabled={page === 0} aria-label="First page">
        «
      </button>
      <button onClick={() => onPage(page - 1)} disabled={page === 0} aria-label="Previous page">
        ‹
      </button>
      <span aria-live="polite">
        Page {page + 1} of {pageCount}
      </span>
      <button onClick={() => onPage(page + 1)} disabled={page >= pageCount - 1} aria-label="Next page">
        ›
      </button>
      <button onClick={() => onPage(pageCount - 1)} disabled={page >= pageCount - 1} aria-label="Last page">
        »
      </button>
    </nav>
  );
}
