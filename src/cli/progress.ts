/** A progress bar on stderr for long operations, drawn only on a terminal (never into a pipe). */
import cliProgress from 'cli-progress';
import type { Output } from './output.js';

export interface Progress {
  tick(amount?: number): void;
  stop(): void;
}

const SILENT: Progress = { tick: () => undefined, stop: () => undefined };

/** A bar of `total` steps, or a no-op when the output is piped, --quiet or --json. */
export function startProgress(output: Output, label: string, total: number): Progress {
  if (!output.showProgress) return SILENT;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (amount = 1) => bar.increment(amount), stop: () => bar.stop() };
}
