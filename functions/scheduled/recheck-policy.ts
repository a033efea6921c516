import { toEpochSeconds } from '../core/clock.ts';
import { isAppError } from '../core/errors.ts';
import { DynamoConnectionScan } from '../core/realtime/connection-scan.ts';
import { recheckConnectedPolicy, type RecheckPosition } from '../core/sessions/recheck-policy.ts';
import { createDocumentClient } from '../core/storage/dynamo.ts';
import { getDeps } from '../deps.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** Where this instance's walk through the live connections stands; a new instance starts over. */
const position: RecheckPosition = {};
let scan: DynamoConnectionScan | undefined;

/**
 * Runs every minute on AWS (EventBridge), every `POLICY_RECHECK_SECONDS` locally: ends the sessions
 * of connected users the directory now refuses and closes their connections (see
 * `recheckConnectedPolicy`).
 */
export async function handler(): Promise<{ checked: number; ended: number }> {
  const deps = await getDeps();
  const { settings, clock } = deps;
  scan ??= new DynamoConnectionScan(
    createDocumentClient(settings.dynamoEndpoint),
    settings.tableNames.connections,
    () => toEpochSeconds(clock.now()),
  );
  try {
    return await recheckConnectedPolicy({ ...deps, connections: scan }, position);
  } catch (err) {
    // The directory did not answer (logged where it failed): nothing ended; the next run retries.
    if (isAppError(err)) return { checked: 0, ended: 0 };
    throw err;
  }
}
