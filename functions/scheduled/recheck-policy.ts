import { isAppError } from '../core/errors.ts';
import { recheckConnectedPolicy, type RecheckPosition } from '../core/sessions/recheck-policy.ts';
import { entry } from '../entry.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * Runs every minute on AWS (EventBridge), every `POLICY_RECHECK_SECONDS` locally: ends the sessions
 * of connected users the directory now refuses and closes their connections (see
 * `recheckConnectedPolicy`).
 */
export const handler = entry((runtime) => {
  /** Where this instance's walk through the live connections stands; a new instance starts over. */
  const position: RecheckPosition = {};
  return async (): Promise<{ checked: number; ended: number }> => {
    const deps = await runtime.deps();
    try {
      return await recheckConnectedPolicy({ ...deps, connections: deps.stores.connectionScan }, position);
    } catch (err) {
      // The directory did not answer (logged where it failed): nothing ended; the next run retries.
      if (isAppError(err)) return { checked: 0, ended: 0 };
      throw err;
    }
  };
});
