/** A uPlot hook shared by the time charts of predictions. */
import type uPlot from 'uplot';

/**
 * Writes the drawn x and y ranges onto the chart's box (`data-x-min` …, seconds for x), so what the
 * axes span can be read, by a test or a curious reader.
 */
export function recordScales(self: uPlot): void {
  const box = self.root.closest<HTMLElement>('[data-chart]');
  if (box === null) return;
  for (const key of ['x', 'y'] as const) {
    const scale = self.scales[key];
    if (scale === undefined) continue;
    box.dataset[`${key}Min`] = String(scale.min);
    box.dataset[`${key}Max`] = String(scale.max);
  }
}
