/**
 * A uPlot canvas inside React. The plot is rebuilt when options, data or size change: cheap at the
 * few thousand points a chart draws, and far simpler than patching a live plot.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  width: number;
  height: number;
  /** What the chart shows, for screen readers. */
  label: string;
  /** Index into the data under the cursor, or null when the cursor leaves. */
  onCursor?: (index: number | null) => void;
}

export function UPlotChart({ options, data, width, height, label, onCursor }: UPlotChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const cursorRef = useRef(onCursor);
  cursorRef.current = onCursor;

  useEffect(() => {
    if (holder.current === null || width <= 0) return undefined;
    const hooks: uPlot.Hooks.Arrays = {
      ...options.hooks,
      setCursor: [...(options.hooks?.setCursor ?? []), (self) => cursorRef.current?.(self.cursor.idx ?? null)],
    };
    plot.current = new uPlot({ ...options, hooks, width, height }, data, holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [options, data, width, height]);

  return <div ref={holder} role="img" aria-label={label} className="uplot-holder" />;
}
