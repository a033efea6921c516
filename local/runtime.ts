import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../functions/config.ts';
import { buildDeps, type Deps } from '../functions/deps.ts';
import { embeddedStores } from '../functions/embedded/stores.ts';
import { openEmbeddedDatabase } from '../functions/embedded/database.ts';
import { EmbeddedSeedRecords } from '../functions/embedded/seed-records.ts';
import { SummedMetrics } from '../functions/core/metrics/summed-metrics.ts';
import { ApiGatewayNotifier } from '../functions/core/realtime/notifier.ts';
import { dynamoStores, type Adapters } from '../functions/stores.ts';
import { readDirectorySettings } from '../functions/directory-config.ts';
import { readCertificateSettings } from '../functions/certificate-config.ts';
import { checkSettings } from '../functions/settings-check.ts';
import { startWindows } from '../functions/windows-deps.ts';
import { systemClock } from '../functions/core/clock.ts';
import type { Site } from '../functions/core/model.ts';
import { createDocumentClient } from '../functions/core/storage/dynamo.ts';
import { tables, type TableKey } from '../functions/core/storage/tables.ts';
import { scheduledTasks, type HandlerModule } from '../functions/routes.ts';
import { scheduledEvent } from './gateway/event-formats.ts';
import { startLocalDynamo } from './dynamo.ts';
import { demoSeedPath, prepareDirectory, type DirectoryInUse } from './directory-in-use.ts';
import { createHttpApi } from './gateway/http-api.ts';
import { parseTrustedProxies } from './gateway/proxy-trust.ts';
import { createSiteServer, readRequestTimeouts } from './gateway/site-server.ts';
import { serveStatic } from './gateway/static-site.ts';
import { LocalFunctions } from './gateway/lambda.ts';
import { SocketNotifier } from './gateway/socket-notifier.ts';
import { WebSocketGateway } from './gateway/websocket-api.ts';
import { configuredPublicOrigins, publicOriginEnvironment } from './public-origins.ts';
import { startAdminEndpoint, type AdminEndpoint } from './admin/endpoint.ts';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { everyWithoutOverlap, localSchedule, startSchedule } from './schedule.ts';
import { detachLastRunTickets, forgetLastRunConnections } from './forget-connections.ts';
import { DynamoSeedRecords, type SeedRecords } from './seed.ts';
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
  /**
   * The handlers' settings (TICKET_*, LEGACY_URL, …; docs/settings.md), as a Lambda function's
   * environment holds them on AWS. Read, never written to; an empty value counts as unset.
   */
  readonly handlerSettings?: Readonly<Record<string, string | undefined>>;
  /**
   * `embedded` (the default): the stores in memory and in an LMDB database under DATA_DIR, frames
   * written straight to the sockets. `aws-emulation`: what deploys, run locally — the DynamoDB
   * stores against dynalite, frames through an emulated `@connections` API.
   */
  readonly mode?: RuntimeMode;
  readonly sweepIntervalMs?: number;
  /** Serve both sites over HTTPS with a self-signed certificate kept under DATA_DIR/tls. */
  readonly tls?: boolean;
  /** How often scheduled tasks (e.g. ending expired sessions) run; EventBridge runs them every minute on AWS. */
  readonly scheduleIntervalMs?: number;
}

export type RuntimeMode = 'embedded' | 'aws-emulation';

export interface Runtime {
  readonly mode: RuntimeMode;
  /** Where the runtime keeps its data (DATA_DIR, resolved). */
  readonly dataDir: string;
  readonly internalUrl: string;
  readonly externalUrl: string;
  /** AWS emulation: the store's endpoint (dynalite, DynamoDB's API), always on loopback. */
  readonly storeUrl?: string;
  /** AWS emulation: the `@connections` endpoint the handlers post frames to, always on loopback. */
  readonly connectionsUrl?: string;
  /** The handlers' dependencies, as this runtime built them (tests and the bench mint tickets with them). */
  readonly deps: Deps;
  /** Invokes one of this runtime's handler modules with an event, as its gateway does. */
  invoke(module: HandlerModule, event: unknown): Promise<unknown>;
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

/** What holds a mode's state: its adapters, what the handlers must be told of it, and how it stops. */
interface Backend {
  readonly adapters: Adapters;
  /** Settings only the runtime knows (endpoints, table names), added to the handlers' settings. */
  readonly settings: Readonly<Record<string, string>>;
  readonly seedRecords: SeedRecords;
  readonly storeUrl?: string;
  readonly connectionsUrl?: string;
  /** Stands in for DynamoDB TTL: deletes expired records. */
  sweepExpired(nowSeconds: number): Promise<unknown>;
  close(): Promise<void>;
}

/** The AWS emulation: dynalite in-process with the tables, and the gateway's `@connections` API. */
async function awsEmulation(
  dataDir: string,
  options: RuntimeOptions,
  webSockets: WebSocketGateway,
): Promise<Backend> {
  // The store and the `@connections` endpoint serve only this process's handlers (and the admin
  // command): loopback, whatever HOST says.
  const storePort = options.storePort ?? 0;
  const dynamo = await startLocalDynamo(join(dataDir, 'dynamodb'), storePort).catch(
    refusedPort('STORE_PORT', storePort, '127.0.0.1'),
  );
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
  const settings: Record<string, string> = {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    CONNECTIONS_ENDPOINT: connectionsUrl,
    ...Object.fromEntries(
      (Object.entries(tables) as [TableKey, (typeof tables)[TableKey]][]).map(([key, def]) => [
        def.envVar,
        dynamo.tableNames[key],
      ]),
    ),
  };
  const db = createDocumentClient(dynamo.endpoint);
  return {
    adapters: {
      stores: dynamoStores(db, dynamo.tableNames, systemClock),
      notifier: new ApiGatewayNotifier(connectionsUrl),
      clock: systemClock,
    },
    settings,
    seedRecords: new DynamoSeedRecords(db, dynamo.localTableNames.seedRecords),
    storeUrl: dynamo.endpoint,
    connectionsUrl,
    sweepExpired: (nowSeconds) => sweepExpired(db, dynamo.tableNames, nowSeconds),
    async close() {
      db.destroy();
      await dynamo.close();
    },
  };
}

/** The embedded mode: the stores in memory and in LMDB under DATA_DIR, frames straight to sockets. */
function embedded(dataDir: string, webSockets: WebSocketGateway): Backend {
  const db = openEmbeddedDatabase(join(dataDir, 'embedded'));
  const stores = embeddedStores(db, systemClock);
  // Figures summed in memory and printed once a minute: a CloudWatch log line per IM would cost
  // more than the IM on one machine.
  const metrics = new SummedMetrics();
  const printFigures = setInterval(() => {
    const counts = metrics.take();
    if (counts.length > 0) console.log(JSON.stringify({ level: 'info', message: 'figures', counts }));
  }, 60_000).unref();
  return {
    adapters: { stores, notifier: new SocketNotifier(webSockets), clock: systemClock, metrics },
    // Table names mean nothing here, but the settings name them all (docs/settings.md).
    settings: Object.fromEntries(Object.values(tables).map((def) => [def.envVar, 'embedded'])),
    seedRecords: new EmbeddedSeedRecords(db, 'seedRecords'),
    sweepExpired: (nowSeconds) => stores.sweepExpired(nowSeconds),
    close: () => {
      clearInterval(printFigures);
      return db.close();
    },
  };
}

/**
 * The whole product on one machine: the handler modules the CDK stack deploys, behind a local API
 * Gateway (HTTP and WebSocket APIs) per site, over the mode's adapters (see `RuntimeOptions.mode`).
 * One process may run several runtimes: each has its own settings, stores and handlers.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const mode = options.mode ?? 'embedded';
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const proxyTrust = parseTrustedProxies(options.trustedProxies);
  const signingKeyFile = join(dataDir, 'ticket-signing-key');
  await ensureSigningSecret(signingKeyFile);
  const tls = options.tls ? await ensureTlsCertificate(join(dataDir, 'tls')) : undefined;

  // The handlers' settings: the caller's, then what only the runtime knows. This map is the
  // runtime's own; the process environment is never written to.
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(options.handlerSettings ?? {})) {
    if (value !== undefined && value !== '') env[name] = value;
  }
  let deps: Promise<Deps> | undefined;
  const functions = new LocalFunctions({
    env,
    deps: () => deps ?? Promise.reject(new Error('the runtime has not started')),
  });
  const webSockets = new WebSocketGateway(proxyTrust, functions);
  const backend =
    mode === 'embedded' ? embedded(dataDir, webSockets) : await awsEmulation(dataDir, options, webSockets);
  const closeBackend = async () => {
    await webSockets.close();
    await backend.close();
  };
  try {
    Object.assign(env, backend.settings, {
      SIGNING_KEY_FILE: signingKeyFile,
      // Windows sign-in's Kerberos service keytab, when the administrator put one in DATA_DIR.
      ...(existsSync(join(dataDir, 'kerberos.keytab')) && !env.KERBEROS_KEYTAB_FILE
        ? { KERBEROS_KEYTAB_FILE: join(dataDir, 'kerberos.keytab') }
        : {}),
    });
    return await started(
      options,
      { mode, host, dataDir, env, tls, proxyTrust, functions, webSockets, backend },
      (built) => {
        deps = built;
      },
      closeBackend,
    );
  } catch (err) {
    await closeBackend();
    throw err;
  }
}

interface Starting {
  readonly mode: RuntimeMode;
  readonly host: string;
  readonly dataDir: string;
  readonly env: Record<string, string | undefined>;
  readonly tls: Awaited<ReturnType<typeof ensureTlsCertificate>> | undefined;
  readonly proxyTrust: ReturnType<typeof parseTrustedProxies>;
  readonly functions: LocalFunctions;
  readonly webSockets: WebSocketGateway;
  readonly backend: Backend;
}

async function started(
  options: RuntimeOptions,
  { mode, host, dataDir, env, tls, proxyTrust, functions, webSockets, backend }: Starting,
  useDeps: (deps: Promise<Deps>) => void,
  closeBackend: () => Promise<void>,
): Promise<Runtime> {
  // Every handler setting, checked as each function checks it as it loads: refused here, not per request.
  await checkSettings(env);
  const directorySettings = readDirectorySettings(env);
  const schedule = localSchedule(scheduledTasks, options.scheduleIntervalMs ?? 15_000, env);
  const publicOrigins = configuredPublicOrigins(options.publicOrigins ?? {});
  await startWindows(env); // Kerberos settings, and the keytab: readable, parseable, with the principal's key
  // Smart card sign-in: the TLS listener asks for client certificates and checks them against these CAs.
  const certificateSettings = readCertificateSettings(env);
  const clientCa = certificateSettings?.caPem;
  if (certificateSettings && (!tls || !clientCa)) {
    throw new ConfigError(
      'certificate sign-in (CLIENT_CERT_SITES) needs TLS (--tls) and CLIENT_CERT_CA_FILE',
    );
  }

  const deps = await buildDeps(env, backend.adapters);
  useDeps(Promise.resolve(deps));
  const { stores } = deps;
  const directory = await prepareDirectory(
    directorySettings,
    options.seedPath,
    {
      directory: stores.directory,
      contacts: stores.contacts,
      windowsIdentities: stores.windowsIdentities,
      seedRecords: backend.seedRecords,
    },
    systemClock.now(),
  );
  // The last run's gateway held its connections in memory: none outlived it (a kill -9 sent no
  // `$disconnect`). Forgotten before the sites listen, so their users are not shown online. The
  // embedded stores keep none across a restart, only the tickets those connections held.
  if (mode === 'aws-emulation') await forgetLastRunConnections(deps);
  else await detachLastRunTickets(deps);

  const webRoot = resolve(options.webRoot ?? defaultWebRoot);
  const servers: Server[] = [];
  const siteServer = (site: Site): Server => {
    const api = createHttpApi({ site, proxyTrust, functions });
    const server = createSiteServer(
      tls && { ...tls, clientCa },
      (req, res) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        serveStatic(webRoot, path, res)
          .then((served) => (served ? undefined : api(req, res)))
          .catch((err: unknown) => {
            console.error('[gateway] request failed:', err);
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{"message":"Internal Server Error"}');
          });
      },
      readRequestTimeouts(env),
    );
    server.on('upgrade', (req, socket, head) => void webSockets.upgrade(site, req, socket, head));
    servers.push(server);
    return server;
  };
  const closeServers = () => {
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
  };
  let adminEndpoint: AdminEndpoint | undefined;
  try {
    const internalPort = await listen(siteServer('internal'), options.port, host, 'PORT');
    const externalPort = await listen(siteServer('external'), options.externalPort, host, 'EXTERNAL_PORT');
    const ports = { internal: internalPort, external: externalPort };
    const scheme = tls ? 'https' : 'http';
    // Known once the sites listen (a port may be 0, any free one); read by the handlers per request.
    Object.assign(env, publicOriginEnvironment({ configured: publicOrigins, host, scheme, ports }));

    const stopSweep = everyWithoutOverlap(
      () =>
        backend
          .sweepExpired(Math.floor(Date.now() / 1000))
          .catch((err: unknown) => console.error('[sweeper] failed:', err)),
      options.sweepIntervalMs ?? 60_000,
    );
    const stopSchedule = startSchedule(schedule, (task) =>
      functions
        .invoke(task.handler, scheduledEvent(task.handler, new Date()))
        .catch((err: unknown) => console.error(`[scheduler] ${task.handler} failed:`, err)),
    );

    // The embedded mode's state is this process's own: the admin command's requests run here.
    if (mode === 'embedded') {
      adminEndpoint = await startAdminEndpoint({ deps, directoryProvider: directorySettings.provider });
    }
    // The admin command reaches the running product through this file (see local/admin/).
    await writeRuntimeFile(dataDir, {
      pid: process.pid,
      mode,
      settings: deps.settings,
      directoryProvider: directorySettings.provider,
      ...(adminEndpoint ? { admin: adminEndpoint.address } : {}),
    });

    const displayHost = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) ? 'localhost' : host;
    return {
      mode,
      dataDir,
      internalUrl: `${scheme}://${displayHost}:${internalPort}`,
      externalUrl: `${scheme}://${displayHost}:${externalPort}`,
      ...(backend.storeUrl ? { storeUrl: backend.storeUrl } : {}),
      ...(backend.connectionsUrl ? { connectionsUrl: backend.connectionsUrl } : {}),
      deps,
      invoke: (module, event) => functions.invoke(module, event),
      directory,
      ...(tls ? { tls: { certificate: tls.cert, certificateFile: tls.certFile } } : {}),
      async close() {
        await removeRuntimeFile(dataDir);
        await adminEndpoint?.close();
        stopSweep();
        stopSchedule();
        closeServers();
        await closeBackend();
      },
    };
  } catch (err) {
    closeServers();
    await adminEndpoint?.close();
    throw err;
  }
}
