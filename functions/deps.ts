import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readSettings, type Settings } from './config.ts';
import type { AuditLog } from './core/audit/audit-log.ts';
import { LoggerAuditLog } from './core/audit/logger-audit-log.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { DynamoDirectoryStore, type DirectoryStore } from './core/directory/store.ts';
import { DynamoConnectionStore } from './core/realtime/connections.ts';
import { DynamoContactStore } from './core/realtime/contacts-store.ts';
import { ApiGatewayNotifier } from './core/realtime/notifier.ts';
import { DynamoPresenceStore } from './core/realtime/presence-store.ts';
import { Realtime } from './core/realtime/realtime.ts';
import { DynamoFailureStore } from './core/regulation/failures-store.ts';
import { Regulator } from './core/regulation/regulator.ts';
import { createDocumentClient } from './core/storage/dynamo.ts';
import { signingKeysFromSecret, type SigningKeys } from './core/tickets/keys.ts';
import { DynamoTicketStore } from './core/tickets/store.ts';
import { Tickets } from './core/tickets/tickets.ts';

/** Everything a handler reaches the outside world through; built once per cold start. */
export interface Deps {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly regulator: Regulator;
  readonly audit: AuditLog;
}

async function loadSigningKeys(source: Settings['signingKey']): Promise<SigningKeys> {
  if ('file' in source) return signingKeysFromSecret(await readFile(source.file, 'utf8'));
  const secrets = new SecretsManagerClient({});
  const result = await secrets.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  if (!result.SecretString) throw new Error('the ticket signing secret is empty');
  return signingKeysFromSecret(result.SecretString);
}

export async function buildDeps(settings: Settings, clock: Clock = systemClock): Promise<Deps> {
  const db = createDocumentClient(settings.dynamoEndpoint);
  const { tableNames } = settings;
  const directory = new DynamoDirectoryStore(db, tableNames.users, tableNames.directorySearch);
  const tickets = new Tickets(
    new DynamoTicketStore(db, tableNames.tickets),
    await loadSigningKeys(settings.signingKey),
    clock,
    settings.tickets,
  );
  const audit = new LoggerAuditLog();
  const realtime = new Realtime({
    audit,
    clock,
    directory,
    tickets,
    connections: new DynamoConnectionStore(db, tableNames.connections, () => Math.floor(clock.now() / 1000)),
    presence: new DynamoPresenceStore(db, tableNames.presence),
    contacts: new DynamoContactStore(db, tableNames.contacts),
    notifier: new ApiGatewayNotifier(settings.connectionsEndpoint),
  });
  const regulator = new Regulator(
    new DynamoFailureStore(db, tableNames.signInFailures),
    clock,
    settings.regulation,
  );
  return { settings, clock, directory, tickets, realtime, regulator, audit };
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
