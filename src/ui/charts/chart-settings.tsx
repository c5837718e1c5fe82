/** The controls every metrics view shares: x axis, log scale and smoothing. */
import { useId } from 'react';

export type XAxis = 'step' | 'epoch' | 'time';

export interface ChartSettings {
  xAxis: XAxis;
  logScale: boolean;
  /** EMA weight, 0 (off) to 0.99. */
  smoothing: number;
}

export const DEFAULT_CHART_SETTINGS: ChartSettings = { xAxis: 'step', logScale: false, smoothing: 0 };

export function ChartSettingsBar({ value, onChange }: { value: ChartSettings; onChange: (next: ChartSettings) => void }) {
  const id = useId();
  return (
    <div className="toolbar" role="group" aria-label="Chart settings">
      <label htmlFor={`${id}-x`}>
        X axis{' '}
        <select id={`${id}-x`} value={value.xAxis} onChange={(event) => onChange({ ...value, xAxis: event.target.value as XAxis })}>
          <option value="step">Step</option>
          <option value="epoch">Epoch</option>
          <option value="time">Time</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={value.logScale} onChange={(event) => onChange({ ...value, logScale: event.target.checked })} /> Log scale
      </label>
      <label htmlFor={`${id}-smooth`}>
        Smoothing{' '}
        <input
          id={`${id}-smooth`}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={value.smoothing}
          onChange={(event) => onChange({ ...value, smoothing: Number(event.target.value) })}
        />{' '}
        <output htmlFor={`${id}-smooth`}>{value.smoothing.toFixed(2)}</output>
      </label>
    </div>
  );
}
