/** The median of a benchmark's rounds: the middle value, the upper one of an even count. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
