/** The paging options every `list` command shares, and printing a page. */
import type { Command } from 'commander';
import type { Page } from '../core/entities.js';
import { parsePositiveInt } from './database-options.js';
import type { Output } from './output.js';

export interface PageOptions {
  limit?: number;
  cursor?: string;
}

export function addPageOptions(command: Command, defaultLimit = 50): Command {
  return command
    .option('-n, --limit <count>', `rows per page (default ${defaultLimit}, at most 10000)`, parsePositiveInt, defaultLimit)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor');
}

/** The paging part of a list query. */
export function pageQuery(options: PageOptions): { limit?: number; cursor?: string } {
  return { ...(options.limit === undefined ? {} : { limit: options.limit }), ...(options.cursor === undefined ? {} : { cursor: options.cursor }) };
}

/**
 * Prints a page: `{ items, nextCursor }` as JSON, or the table `render` draws plus, on stderr, how to
 * get the next page.
 */
export function printPage<T>(output: Output, page: Page<T>, render: (items: T[]) => void, emptyText: string): void {
  if (output.json) {
    output.printJson(page);
    return;
  }
  if (page.items.length === 0) output.note(emptyText);
  else render(page.items);
  if (page.nextCursor !== null) output.note(output.dim(`more: add --cursor ${page.nextCursor}`));
}
