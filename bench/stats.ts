// Order statistics for the bench: nearest-rank percentiles and the median.

/** The nearest-rank `p`-th percentile (0 < p <= 100) of `values`; throws on an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!; // 1 ≤ rank ≤ sorted.length, which is not 0 (checked above)
}

/** The median (50th percentile, nearest rank) of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
