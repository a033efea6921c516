import { endExpiredSessions } from '../core/realtime/end-expired-sessions.ts';
import { getDeps } from '../deps.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** Runs every minute (EventBridge on AWS, a timer locally): closes the connections of expired tickets. */
export async function handler(): Promise<{ ended: number }> {
  const deps = await getDeps();
  return { ended: await endExpiredSessions(deps) };
}
