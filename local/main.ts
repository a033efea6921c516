import { buildWeb } from '../web/build.ts';
import { describeDirectory } from './directory-in-use.ts';
import { startRuntime } from './runtime.ts';

/** `npm start`: the whole product on this machine, no AWS account needed. */
const env = process.env;
const port = (name: string, fallback: number): number => {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d{1,5}$/.test(text) || value > 65535) {
    console.error(`${name} must be a port number from 0 to 65535 (0 = any free port), not '${env[name]}'`);
    process.exit(2);
  }
  return value;
};
// Every port the product opens: the two sites on HOST, the store and `@connections` on loopback.
const ports = {
  PORT: port('PORT', 8080),
  EXTERNAL_PORT: port('EXTERNAL_PORT', 8081),
  STORE_PORT: port('STORE_PORT', 0),
  CONNECTIONS_PORT: port('CONNECTIONS_PORT', 0),
};
const taken = new Map<number, string>();
for (const [name, value] of Object.entries(ports)) {
  const first = value === 0 ? undefined : taken.get(value);
  if (first) {
    console.error(`${first} and ${name} are both ${value}: each needs its own port`);
    process.exit(2);
  }
  taken.set(value, name);
}

const flags = process.argv.slice(2);
const unknownFlags = flags.filter((flag) => flag !== '--tls' && flag !== '--aws-emulation');
if (unknownFlags.length > 0) {
  console.error(
    `Unknown option ${unknownFlags.join(' ')}; the options are --tls (or set TLS=1) and --aws-emulation.`,
  );
  process.exit(2);
}
// The embedded mode by default; `--aws-emulation` runs what deploys (DynamoDB stores on dynalite,
// frames through an emulated `@connections` API) to prove the Lambda path on this machine.
const mode = flags.includes('--aws-emulation') ? 'aws-emulation' : 'embedded';
if (env.TLS !== undefined && !['', '0', '1'].includes(env.TLS)) {
  console.error('TLS must be 1 (serve HTTPS) or 0');
  process.exit(2);
}
const tls = flags.includes('--tls') || env.TLS === '1';

try {
  await buildWeb();
  const runtime = await startRuntime({
    port: ports.PORT,
    externalPort: ports.EXTERNAL_PORT,
    storePort: ports.STORE_PORT,
    connectionsPort: ports.CONNECTIONS_PORT,
    host: env.HOST || '127.0.0.1',
    dataDir: env.DATA_DIR || '.data',
    seedPath: env.DIRECTORY_SEED || undefined,
    trustedProxies: env.TRUSTED_PROXIES,
    publicOrigins: { internal: env.PUBLIC_ORIGIN_INTERNAL, external: env.PUBLIC_ORIGIN_EXTERNAL },
    tls,
    mode,
    // Handler settings (LEGACY_URL, TICKET_*, REGULATION_*) come from this environment, as on Lambda.
    handlerSettings: env,
  });
  const stores =
    runtime.mode === 'aws-emulation'
      ? `  mode:          AWS emulation (--aws-emulation)
  store:         ${runtime.storeUrl} (DynamoDB API, loopback only)
  connections:   ${runtime.connectionsUrl} (@connections API, loopback only)\n`
      : `  mode:          embedded (data in ${runtime.dataDir})\n`;
  const certificate = runtime.tls
    ? `  certificate:   ${runtime.tls.certificateFile} (self-signed; trust it to avoid browser warnings)\n`
    : '';
  console.log(`Web Communicator is running.
  internal site: ${runtime.internalUrl}/
  external site: ${runtime.externalUrl}/
${stores}${certificate}${describeDirectory(runtime.directory)}
Press Ctrl+C to stop.`);
  const stop = () => {
    runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
