import type { Dimensions, MetricName, Metrics } from './metrics.ts';

/** One count as summed over an interval: the figure's name, its dimensions, and the total. */
export interface SummedCount {
  readonly name: MetricName;
  readonly dimensions: Dimensions;
  readonly value: number;
}

/**
 * Figures summed in memory and handed over once per interval (the embedded mode prints one line a
 * minute), instead of one log line per figure as CloudWatch's format needs on AWS: on one machine a
 * line per IM would cost more than the IM.
 */
export class SummedMetrics implements Metrics {
  private counts = new Map<string, SummedCount>();

  count(name: MetricName, dimensions: Dimensions = {}, value = 1): void {
    const entries = Object.entries(dimensions);
    const key = entries.length === 0 ? name : `${name}\n${JSON.stringify(entries)}`;
    const summed = this.counts.get(key);
    this.counts.set(key, { name, dimensions, value: (summed?.value ?? 0) + value });
  }

  /** The counts since the last call, and a fresh start. */
  take(): SummedCount[] {
    const taken = [...this.counts.values()];
    this.counts = new Map();
    return taken;
  }
}
