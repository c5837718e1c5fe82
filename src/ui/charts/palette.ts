/** Run colours: distinct on white and for common colour-vision deficiencies (Tableau 10). */
export const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length]!;
}

/** `#rrggbb` with an alpha, for band fills. */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
