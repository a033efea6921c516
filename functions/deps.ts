import { readSettings, type Settings } from './config.ts';
import { buildDirectory } from './directory-deps.ts';
import type { AuditLog } from './core/audit/audit-log.ts';
import { LoggerAuditLog } from './core/audit/logger-audit-log.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { EmfMetrics } from './core/metrics/emf-metrics.ts';
import { MeteredAuditLog } from './core/metrics/metered-audit-log.ts';
import type { Metrics } from './core/metrics/metrics.ts';
import type { DirectoryStore } from './core/directory/store.ts';
import { DynamoConnectionStore } from './core/realtime/connections.ts';
import { DynamoContactStore } from './core/realtime/contacts-store.ts';
import { ApiGatewayNotifier } from './core/realtime/notifier.ts';
import { DynamoPresenceStore } from './core/realtime/presence-store.ts';
import { Realtime } from './core/realtime/realtime.ts';
import { DynamoFailureStore } from './core/regulation/failures-store.ts';
import { Regulator } from './core/regulation/regulator.ts';
import { createDocumentClient } from './core/storage/dynamo.ts';
import { DynamoTicketStore } from './core/tickets/store.ts';
import { Tickets } from './core/tickets/tickets.ts';
import { currentCorrelation } from './correlation.ts';
import { loadSigningKeys } from './signing-key-source.ts';

/** Everything a handler reaches the outside world through; built once per cold start. */
export interface Deps {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly regulator: Regulator;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}

export async function buildDeps(settings: Settings, clock: Clock = systemClock): Promise<Deps> {
  const db = createDocumentClient(settings.dynamoEndpoint);
  const { tableNames } = settings;
  const directory = await buildDirectory(db, tableNames, clock);
  const tickets = new Tickets(
    new DynamoTicketStore(db, tableNames.tickets),
    await loadSigningKeys(settings.signingKey, clock),
    clock,
    settings.tickets,
  );
  const metrics = new EmfMetrics(() => currentCorrelation()?.correlationId);
  const audit = new MeteredAuditLog(new LoggerAuditLog(currentCorrelation), metrics);
  const realtime = new Realtime({
    audit,
    clock,
    directory,
    tickets,
    connections: new DynamoConnectionStore(db, tableNames.connections, () => Math.floor(clock.now() / 1000)),
    presence: new DynamoPresenceStore(db, tableNames.presence, clock),
    contacts: new DynamoContactStore(db, tableNames.contacts),
    notifier: new ApiGatewayNotifier(settings.connectionsEndpoint),
    metrics,
  });
  const regulator = new Regulator(
    new DynamoFailureStore(db, tableNames.signInFailures),
    clock,
    settings.regulation,
  );
  return { settings, clock, directory, tickets, realtime, regulator, audit, metrics };
}

let cached: Promise<Deps> | undefined;

/** The dependencies of this process (one Lambda instance), from its environment. */
export function getDeps(): Promise<Deps> {
  cached ??= buildDeps(readSettings()).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
