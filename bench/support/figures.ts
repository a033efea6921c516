/** One printed result: a JSON line with the figure's name, unit, median and p99 over its runs. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly p99: number;
  /** How many runs (or samples, where a figure says so) the median and p99 are over. */
  readonly runs: number;
  /** The settings the figure was measured with (counts, concurrency, windows). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Anything else worth reading next to it (max, lost messages, a breakdown). */
  readonly [extra: string]: unknown;
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5);

/** Rounds for printing: three significant decimals are plenty for noisy timings. */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/**
 * A latency figure over several runs: the median of the runs' medians, and the median of the runs'
 * p99s (so one unlucky run does not make the p99).
 */
export function latencyFigure(
  name: string,
  runs: readonly (readonly number[])[],
  settings: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Figure {
  const medians = runs.map((samples) => median(samples));
  const p99s = runs.map((samples) => percentile(samples, 0.99));
  return {
    name,
    unit: 'ms',
    median: round(median(medians)),
    p99: round(median(p99s)),
    runs: runs.length,
    samplesPerRun: runs.map((samples) => samples.length),
    settings,
    ...extra,
  };
}

/**
 * A rate (or size, or count) measured once per run: the median run, and as p99 the value 99% of
 * runs reached (the low end for a rate).
 */
export function perRunFigure(
  name: string,
  unit: string,
  values: readonly number[],
  settings: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  higherIsBetter = true,
): Figure {
  return {
    name,
    unit,
    median: round(median(values)),
    p99: round(percentile(values, higherIsBetter ? 0.01 : 0.99)),
    runs: values.length,
    settings,
    ...extra,
  };
}
