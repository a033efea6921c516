import { endExpiredSessions } from '../core/realtime/end-expired-sessions.ts';
import { entry } from '../entry.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** Runs every minute (EventBridge on AWS, a timer locally): closes the connections of expired tickets. */
export const handler = entry((runtime) => async (): Promise<{ ended: number }> => {
  const deps = await runtime.deps();
  return { ended: await endExpiredSessions(deps) };
});
