import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readSettings } from '../functions/config.ts';
import { readDirectorySettings } from '../functions/directory-config.ts';
import { readCertificateSettings } from '../functions/certificate-config.ts';
import { checkSettings } from '../functions/settings-check.ts';
import { startWindows } from '../functions/windows-deps.ts';
import { systemClock } from '../functions/core/clock.ts';
import { DynamoDirectoryStore } from '../functions/core/directory/store.ts';
import { DynamoWindowsIdentityStore } from '../functions/core/directory/windows-identities.ts';
import type { Site } from '../functions/core/model.ts';
import { DynamoContactStore } from '../functions/core/realtime/contacts-store.ts';
import { createDocumentClient } from '../functions/core/storage/dynamo.ts';
import { tables, type TableKey } from '../functions/core/storage/tables.ts';
import { scheduledTasks } from '../functions/routes.ts';
import { scheduledEvent } from './gateway/event-formats.ts';
import { invoke } from './gateway/lambda.ts';
import { startLocalDynamo } from './dynamo.ts';
import { demoSeedPath, prepareDirectory, type DirectoryInUse } from './directory-in-use.ts';
import { createHttpApi } from './gateway/http-api.ts';
import { parseTrustedProxies } from './gateway/proxy-trust.ts';
import { createSiteServer } from './gateway/site-server.ts';
import { serveStatic } from './gateway/static-site.ts';
import { WebSocketGateway } from './gateway/websocket-api.ts';
import { configuredPublicOrigins, publicOriginEnvironment } from './public-origins.ts';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { everyWithoutOverlap, localSchedule, startSchedule } from './schedule.ts';
import { forgetLastRunConnections } from './forget-connections.ts';
import { DynamoSeedRecords } from './seed.ts';
import { ensureSigningSecret } from './signing-key.ts';
import { ensureTlsCertificate } from './tls-certificate.ts';
import { sweepExpired } from './sweeper.ts';

export const defaultSeedPath = demoSeedPath;
export const defaultWebRoot = fileURLToPath(new URL('../web/dist/', import.meta.url));

export interface RuntimeOptions {
  /** Internal site port (0 = any free port). */
  readonly port: number;
  /** External site port (0 = any free port). */
  readonly externalPort: number;
  /** Loopback port of the store, dynalite's DynamoDB API (STORE_PORT). Default: 0, any free port. */
  readonly storePort?: number;
  /** Loopback port of the WebSocket gateway's `@connections` endpoint (CONNECTIONS_PORT). Default: 0. */
  readonly connectionsPort?: number;
  /** Loopback by default: the local runtime is not meant to face a network without a TLS proxy. */
  readonly host?: string;
  readonly dataDir: string;
  readonly seedPath?: string;
  readonly webRoot?: string;
  /** Comma-separated IPs/CIDRs whose X-Forwarded-* headers are believed. */
  readonly trustedProxies?: string;
  /**
   * Each site's public origins (`PUBLIC_ORIGIN_<SITE>`, docs/settings.md); unset: the addresses it
   * listens on, `localhost` first.
   */
  readonly publicOrigins?: Readonly<Partial<Record<Site, string>>>;
  /** Settings handed to the handlers as they are on AWS (TICKET_*, LEGACY_URL). */
  readonly handlerSettings?: Readonly<Record<string, string | undefined>>;
  readonly sweepIntervalMs?: number;
  /** Serve both sites over HTTPS with a self-signed certificate kept under DATA_DIR/tls. */
  readonly tls?: boolean;
  /** How often scheduled tasks (e.g. ending expired sessions) run; EventBridge runs them every minute on AWS. */
  readonly scheduleIntervalMs?: number;
}

export interface Runtime {
  readonly internalUrl: string;
  readonly externalUrl: string;
  /** The store's endpoint (dynalite, DynamoDB's API), always on loopback. */
  readonly storeUrl: string;
  /** The `@connections` management endpoint the handlers post frames to, always on loopback. */
  readonly connectionsUrl: string;
  /** Where its users come from: the demo directory, the administrator's seed, or LDAP. */
  readonly directory: DirectoryInUse;
  /** The certificate to trust, when serving over TLS. */
  readonly tls?: { readonly certificate: string; readonly certificateFile: string };
  close(): Promise<void>;
}

/** Listens on `port` (0 = any free port); a taken or forbidden port is refused naming its setting. */
async function listen(server: Server, port: number, host: string, setting: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening').catch(refusedPort(setting, port, host));
  return (server.address() as AddressInfo).port;
}

function refusedPort(setting: string, port: number, host: string) {
  return (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`${setting}=${port}: ${host}:${port} is already in use`);
    if (code === 'EACCES')
      throw new ConfigError(`${setting}=${port}: not allowed to listen on ${host}:${port}`);
    throw err;
  };
}

/**
 * The embedded default: dynalite in-process, the tables, the directory seed, and a local API
 * Gateway (HTTP and WebSocket APIs, `@connections`) per site, running the same handler modules the
 * CDK stack deploys. Handlers read their settings from the environment, as on Lambda.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const proxyTrust = parseTrustedProxies(options.trustedProxies);
  const signingKeyFile = join(dataDir, 'ticket-signing-key');
  await ensureSigningSecret(signingKeyFile);
  const tls = options.tls ? await ensureTlsCertificate(join(dataDir, 'tls')) : undefined;
  // The AWS SDK wants a region and credentials even for local endpoints; these reach nothing real.
  // Its Node 20 notice is about SDK releases after January 2027; the lock file pins this one.
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  // The store and the `@connections` endpoint serve only this process's handlers (and the admin
  // command): loopback, whatever HOST says.
  const storePort = options.storePort ?? 0;
  const dynamo = await startLocalDynamo(join(dataDir, 'dynamodb'), storePort).catch(
    refusedPort('STORE_PORT', storePort, '127.0.0.1'),
  );

  const webSockets = new WebSocketGateway(proxyTrust);
  const managementPort = await listen(
    webSockets.management,
    options.connectionsPort ?? 0,
    '127.0.0.1',
    'CONNECTIONS_PORT',
  ).catch(async (err: unknown) => {
    await dynamo.close();
    throw err;
  });
  const connectionsUrl = `http://127.0.0.1:${managementPort}`;

  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SIGNING_KEY_FILE: signingKeyFile,
    CONNECTIONS_ENDPOINT: connectionsUrl,
    // Windows sign-in's Kerberos service keytab, when the administrator put one in DATA_DIR.
    ...(existsSync(join(dataDir, 'kerberos.keytab'))
      ? { KERBEROS_KEYTAB_FILE: join(dataDir, 'kerberos.keytab') }
      : {}),
    ...Object.fromEntries(
      (Object.entries(tables) as [TableKey, (typeof tables)[TableKey]][]).map(([key, def]) => [
        def.envVar,
        dynamo.tableNames[key],
      ]),
    ),
  });
  for (const [name, value] of Object.entries(options.handlerSettings ?? {})) {
    if (value === undefined || value === '') delete process.env[name];
    else process.env[name] = value;
  }
  // Every handler setting, checked as each function checks it as it loads: refused here, not per request.
  await checkSettings();
  const directorySettings = readDirectorySettings();
  const schedule = localSchedule(scheduledTasks, options.scheduleIntervalMs ?? 15_000);
  const publicOrigins = configuredPublicOrigins(options.publicOrigins ?? {});
  await startWindows(); // Kerberos settings, and the keytab: readable, parseable, with the principal's key
  // Smart card sign-in: the TLS listener asks for client certificates and checks them against these CAs.
  const clientCa = readCertificateSettings()?.caPem;
  if (readCertificateSettings() && (!tls || !clientCa)) {
    throw new ConfigError(
      'certificate sign-in (CLIENT_CERT_SITES) needs TLS (--tls) and CLIENT_CERT_CA_FILE',
    );
  }

  const db = createDocumentClient(dynamo.endpoint);
  const directory = await prepareDirectory(
    directorySettings,
    options.seedPath,
    {
      directory: new DynamoDirectoryStore(db, dynamo.tableNames.users, dynamo.tableNames.directorySearch),
      contacts: new DynamoContactStore(db, dynamo.tableNames.contacts),
      windowsIdentities: new DynamoWindowsIdentityStore(db, dynamo.tableNames.windowsIdentities),
      seedRecords: new DynamoSeedRecords(db, dynamo.localTableNames.seedRecords),
    },
    systemClock.now(),
  );
  // The last run's gateway held its connections in memory: none outlived it (a kill -9 sent no
  // `$disconnect`). Forgotten before the sites listen, so their users are not shown online.
  await forgetLastRunConnections();

  const webRoot = resolve(options.webRoot ?? defaultWebRoot);
  const servers: Server[] = [];
  const siteServer = (site: Site): Server => {
    const api = createHttpApi({ site, proxyTrust });
    const server = createSiteServer(tls && { ...tls, clientCa }, (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      serveStatic(webRoot, path, res)
        .then((served) => (served ? undefined : api(req, res)))
        .catch((err: unknown) => {
          console.error('[gateway] request failed:', err);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"message":"Internal Server Error"}');
        });
    });
    server.on('upgrade', (req, socket, head) => void webSockets.upgrade(site, req, socket, head));
    servers.push(server);
    return server;
  };
  const internalPort = await listen(siteServer('internal'), options.port, host, 'PORT');
  const externalPort = await listen(siteServer('external'), options.externalPort, host, 'EXTERNAL_PORT');
  const ports = { internal: internalPort, external: externalPort };
  const scheme = tls ? 'https' : 'http';
  Object.assign(process.env, publicOriginEnvironment({ configured: publicOrigins, host, scheme, ports }));

  const stopSweep = everyWithoutOverlap(
    () =>
      sweepExpired(db, dynamo.tableNames, Math.floor(Date.now() / 1000)).catch((err: unknown) =>
        console.error('[sweeper] failed:', err),
      ),
    options.sweepIntervalMs ?? 60_000,
  );

  const stopSchedule = startSchedule(schedule, (task) =>
    invoke(task.handler, scheduledEvent(task.handler, new Date())).catch((err: unknown) =>
      console.error(`[scheduler] ${task.handler} failed:`, err),
    ),
  );

  // The admin command reaches the running product through this file (see local/admin/).
  await writeRuntimeFile(dataDir, {
    pid: process.pid,
    settings: readSettings(),
    directoryProvider: directorySettings.provider,
  });

  const displayHost = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) ? 'localhost' : host;
  return {
    internalUrl: `${scheme}://${displayHost}:${internalPort}`,
    externalUrl: `${scheme}://${displayHost}:${externalPort}`,
    storeUrl: dynamo.endpoint,
    connectionsUrl,
    directory,
    ...(tls ? { tls: { certificate: tls.cert, certificateFile: tls.certFile } } : {}),
    async close() {
      await removeRuntimeFile(dataDir);
      stopSweep();
      stopSchedule();
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      await webSockets.close();
      db.destroy();
      await dynamo.close();
    },
  };
}
