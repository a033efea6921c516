import { toEpochSeconds } from '../functions/core/clock.ts';
import { DynamoConnectionScan } from '../functions/core/realtime/connection-scan.ts';
import { forgetAllConnections } from '../functions/core/realtime/gone-connections.ts';
import { DynamoPresenceScan } from '../functions/core/realtime/presence-scan.ts';
import { createDocumentClient } from '../functions/core/storage/dynamo.ts';
import { getDeps } from '../functions/deps.ts';

/**
 * Forgets the connections recorded by the runtime's last run, stopped or killed: its gateway kept
 * them in memory, so none survived it. Each goes as a `$disconnect` would take it (watchers see its
 * user go offline; the ticket's leave grace period starts, so a client that reconnects keeps its
 * session). Run at start, before the sites accept a connection; with the handlers' own
 * dependencies, as they are in this process. Answers how many it forgot.
 */
export async function forgetLastRunConnections(): Promise<number> {
  const deps = await getDeps();
  const { settings, clock } = deps;
  const db = createDocumentClient(settings.dynamoEndpoint);
  try {
    return await forgetAllConnections({
      ...deps,
      connections: new DynamoConnectionScan(db, settings.tableNames.connections, () =>
        toEpochSeconds(clock.now()),
      ),
      presence: new DynamoPresenceScan(db, settings.tableNames.presence),
    });
  } finally {
    db.destroy();
  }
}
