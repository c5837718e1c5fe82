/** What a new user sees instead of an empty table: what the page would show and how to fill it. */
import type { ReactNode } from 'react';

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <p className="empty-title">{title}</p>
      {children ?? (
        <p>
          Fill the database with example models, runs, metrics and predictions by running <code>aimdb demo</code>, then reload
          this page. Your own code logs with the <code>AiDatabase</code> API or the REST API.
        </p>
      )}
    </div>
  );
}
