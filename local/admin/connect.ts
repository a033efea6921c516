import { resolve } from 'node:path';
import { readSettings, type Settings } from '../../functions/config.ts';
import { buildDeps } from '../../functions/deps.ts';
import { toEpochSeconds } from '../../functions/core/clock.ts';
import { DynamoConnectionStore } from '../../functions/core/realtime/connections.ts';
import { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { tables } from '../../functions/core/storage/tables.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { DynamoUserTicketIndex } from '../../functions/core/tickets/user-tickets.ts';
import { readRuntimeFile, runtimeFileOf } from '../runtime-file.ts';

/** The product cannot be reached from here; exit code 1. */
export class ProductUnreachable extends Error {
  override readonly name = 'ProductUnreachable';
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The settings to administer with. With the deployed settings in the environment (the tickets
 * table named), those, as a handler reads them on AWS. Otherwise the product running on this
 * machine, found through DATA_DIR/runtime.json.
 */
export async function settingsFrom(env: NodeJS.ProcessEnv): Promise<Settings> {
  if (env[tables.tickets.envVar]) return readSettings(env);
  const dataDir = resolve(env.DATA_DIR || '.data');
  const file = runtimeFileOf(dataDir);
  const running = await readRuntimeFile(dataDir);
  if (!running) {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir} (there is no ${file}). ` +
        'Start it with npm start (same DATA_DIR), or set the deployed settings (TICKETS_TABLE, …) to reach AWS.',
    );
  }
  if (!isRunning(running.pid)) {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir}: ${file} was left by process ${running.pid}, ` +
        'which has ended. Start the product again with npm start.',
    );
  }
  // The AWS SDK wants a region and credentials even for the local endpoints; these reach nothing real.
  env.AWS_REGION ||= 'local';
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
  return running.settings;
}

/** Session administration built around the given settings, from the same parts the handlers use. */
export async function sessionAdminFor(settings: Settings): Promise<SessionAdmin> {
  const deps = await buildDeps(settings);
  const db = createDocumentClient(settings.dynamoEndpoint);
  const { tableNames } = settings;
  return new SessionAdmin({
    ...deps,
    ticketRecords: new DynamoTicketStore(db, tableNames.tickets),
    userTickets: new DynamoUserTicketIndex(db, tableNames.tickets),
    connections: new DynamoConnectionStore(db, tableNames.connections, () =>
      toEpochSeconds(deps.clock.now()),
    ),
  });
}
