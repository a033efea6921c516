import { missingTools } from '../../local/daemon.ts';

/** What the test fixtures that run a real system daemon (MIT KDC, slapd) share. */

/**
 * Whether the daemon's tools are installed. In CI a missing tool fails the suite loudly (`.ci/run`
 * installs them); on a developer's machine the suite is skipped with the reason printed.
 */
export function toolsAvailable(tools: Readonly<Record<string, string>>, install: string): true | string {
  const missing = missingTools(tools);
  if (missing.length === 0) return true;
  const reason = `${missing.join(', ')} missing: ${install}`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

export { freePort, runTool, waitForPort } from '../../local/daemon.ts';
