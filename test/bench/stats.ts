/** The median of a benchmark's rounds: the middle value, the upper one of an even count. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The value at quantile q (0–1) of values sorted ascending (0 when there are none). */
export const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
