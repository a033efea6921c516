import { sweepGoneConnections, type GoneSweepPosition } from '../core/realtime/gone-connections.ts';
import { entry } from '../entry.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * Runs every minute (EventBridge on AWS, a timer locally): forgets connections whose `$disconnect`
 * never came, those `@connections` answers Gone, so their users stop showing online (see
 * `sweepGoneConnections`).
 */
export const handler = entry((runtime) => {
  /** Where this instance's walks stand; a new instance starts over. */
  const position: GoneSweepPosition = {};
  return async (): Promise<{ checked: number; removed: number }> => {
    const deps = await runtime.deps();
    const { connectionScan: connections, presenceScan: presence } = deps.stores;
    return sweepGoneConnections({ ...deps, connections, presence }, deps.notifier, position);
  };
});
