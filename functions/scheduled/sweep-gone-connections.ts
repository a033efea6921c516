import { toEpochSeconds } from '../core/clock.ts';
import { DynamoConnectionScan } from '../core/realtime/connection-scan.ts';
import { sweepGoneConnections, type GoneSweepPosition } from '../core/realtime/gone-connections.ts';
import { ApiGatewayNotifier } from '../core/realtime/notifier.ts';
import { DynamoPresenceScan } from '../core/realtime/presence-scan.ts';
import { createDocumentClient } from '../core/storage/dynamo.ts';
import { getDeps } from '../deps.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** Where this instance's walks stand; a new instance starts over. */
const position: GoneSweepPosition = {};
let scans: { connections: DynamoConnectionScan; presence: DynamoPresenceScan } | undefined;
let probe: ApiGatewayNotifier | undefined;

/**
 * Runs every minute (EventBridge on AWS, a timer locally): forgets connections whose `$disconnect`
 * never came, those `@connections` answers Gone, so their users stop showing online (see
 * `sweepGoneConnections`).
 */
export async function handler(): Promise<{ checked: number; removed: number }> {
  const deps = await getDeps();
  const { settings, clock } = deps;
  if (!scans) {
    const db = createDocumentClient(settings.dynamoEndpoint);
    scans = {
      connections: new DynamoConnectionScan(db, settings.tableNames.connections, () =>
        toEpochSeconds(clock.now()),
      ),
      presence: new DynamoPresenceScan(db, settings.tableNames.presence),
    };
  }
  probe ??= new ApiGatewayNotifier(settings.connectionsEndpoint);
  return sweepGoneConnections({ ...deps, ...scans }, probe, position);
}
