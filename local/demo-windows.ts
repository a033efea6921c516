import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { missingTools } from './daemon.ts';
import { kerberosTools, missingKerberosMessage, startKdc, type Kdc } from './mit-kdc.ts';
import { readSeedFile } from './seed.ts';

/**
 * `npm run demo:windows`: Windows sign-in (Kerberos) on this machine in one command. A throwaway MIT
 * KDC on a loopback port knows the directory's users (each with their directory password) and the
 * service principal `HTTP/localhost`, whose keytab goes where the product reads it
 * (`DATA_DIR/kerberos.keytab`); the product starts as `npm start` starts it, and the steps to sign
 * in with kinit, curl and Chromium are printed. Ctrl+C stops both and removes the KDC and keytab.
 * See docs/sign-in/windows.md ("Try it locally").
 */

const repository = fileURLToPath(new URL('../', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const demoSeed = fileURLToPath(new URL('./demo-directory.json', import.meta.url));
const env = process.env;

/**
 * Linux Chromium answers Negotiate only once its profile's Local State records one seen (it loads
 * GSSAPI at start only then): without this, the first challenge a profile sees fails until a restart.
 */
async function prepareChromiumProfile(profile: string): Promise<void> {
  await mkdir(profile, { recursive: true });
  const file = join(profile, 'Local State');
  let state: Record<string, unknown> = {};
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // A new profile (or one whose Local State Chromium will rewrite anyway).
  }
  const net = {
    ...(state.net as Record<string, unknown> | undefined),
    received_http_auth_negotiate_headers: true,
  };
  await writeFile(file, JSON.stringify({ ...state, net }));
}

const quote = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

function steps(options: {
  kdc: Kdc;
  site: string;
  keytab: string;
  users: readonly { name: string; password: string }[];
  ccache: string;
  profile: string;
}): string {
  const { kdc, site, users, ccache, profile } = options;
  const first = users[0];
  const clientEnv = `KRB5_CONFIG=${quote(kdc.krb5Config)} KRB5CCNAME=${quote(`FILE:${ccache}`)}`;
  return `
Windows sign-in (Kerberos) is ready to try.
  KDC:               realm ${kdc.realm} on 127.0.0.1:${kdc.port} (loopback only; its files in ${kdc.dir})
  service principal: HTTP/localhost@${kdc.realm} (the name browsers ask for at ${site}/)
  keytab:            ${options.keytab} (re-read when it changes)
  principals:        ${users.map((u) => `${u.name}@${kdc.realm}`).join(', ')}, each with the user's password above

In another terminal:
  1. Get a Kerberos ticket:
       export ${clientEnv}
       kinit ${first?.name ?? 'alice'}@${kdc.realm}
     (password: ${first?.password ?? "the user's"})
  2. Sign in with curl:
       curl --negotiate -u : ${site}/auth/windows
  3. Or with Chromium, started from that terminal (it needs KRB5_CONFIG and KRB5CCNAME):
       chromium --user-data-dir=${quote(profile)} --auth-server-allowlist=localhost ${site}/auth/windows/quick
     That profile's Local State already says {"net":{"received_http_auth_negotiate_headers":true}}:
     Linux Chromium declines the first Negotiate challenge a profile sees, until it is restarted,
     unless that setting is there. For your own profile, add it while Chromium is closed.

Stopping also stops the KDC and removes its files and the keytab.
Press Ctrl+C to stop.`;
}

async function run(): Promise<number> {
  const missing = missingTools(kerberosTools);
  if (missing.length > 0) {
    console.error(missingKerberosMessage(missing));
    return 1;
  }
  const dataDir = resolve(env.DATA_DIR || join(repository, '.data', 'windows-demo'));
  const keytab = join(dataDir, 'kerberos.keytab');
  const kdcDir = join(dataDir, 'kdc');
  // The demo replaces a keytab only if it wrote it (its KDC's directory is then there too).
  if (existsSync(keytab) && !existsSync(kdcDir)) {
    console.error(
      `${keytab} exists and was not written by this demo: it is not replaced. Give the demo another DATA_DIR.`,
    );
    return 1;
  }
  const seed = await readSeedFile(env.DIRECTORY_SEED || demoSeed);
  const realm = `${seed.domain.toUpperCase()}.TEST`;
  // Users whose password the seed holds (not only its hash), and that a shell line can carry.
  const users = seed.users.flatMap(({ username, password }) =>
    password !== undefined && /^[\w.-]+$/.test(username) && /^[^\s'"\\]+$/.test(password)
      ? [{ name: username, password }]
      : [],
  );
  // Ctrl+C (or SIGTERM) at any point stops what has been started so far, and only that.
  let stopping = false;
  const started: { product?: ChildProcess } = {};
  const stop = () => {
    stopping = true;
    const { product } = started;
    if (product && product.exitCode === null && product.signalCode === null) product.kill('SIGTERM');
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  process.once('exit', () => started.product?.kill('SIGKILL'));

  // What a demo stopped without its clean-up (kill -9) left behind.
  await rm(kdcDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const kdc = await startKdc({ realm, dir: kdcDir, users, services: ['HTTP/localhost'] });
  const cleanUp = async () => {
    await kdc.close();
    await rm(keytab, { force: true });
  };
  try {
    await copyFile(kdc.keytab, keytab);
    await chmod(keytab, 0o600);
  } catch (err) {
    await cleanUp();
    throw err;
  }
  if (stopping) {
    await cleanUp();
    return 0;
  }
  // The product in its own process group: Ctrl+C reaches it once, through this script.
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: repository,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
    env: {
      ...env,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      KERBEROS_KEYTAB_FILE: '', // DATA_DIR/kerberos.keytab
      KERBEROS_KEYTAB_SECRET_ARN: '',
      KERBEROS_SERVICE_PRINCIPAL: `HTTP/localhost@${realm}`,
      KERBEROS_REALM_DOMAINS: `${realm}=${seed.domain}`,
    },
  });
  started.product = child;

  let site = 'http://localhost:8080';
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const url = /internal site:\s*(\S+?)\/?$/.exec(line)?.[1];
    if (url) site = url;
    if (!/Press Ctrl\+C to stop/.test(line)) {
      console.log(line);
      return;
    }
    const profile = join(dataDir, 'chromium-profile');
    prepareChromiumProfile(profile).then(
      () =>
        console.log(
          steps({
            kdc,
            site,
            keytab,
            users,
            ccache: join(kdc.dir, 'user.ccache'),
            profile,
          }),
        ),
      (err: unknown) => console.error(`Could not prepare the Chromium profile ${profile}:`, err),
    );
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  await cleanUp();
  if (stopping) return 0;
  console.error(`The product stopped (exit ${code ?? 'by a signal'}); the KDC is stopped too.`);
  return code || 1;
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `Could not start the Windows sign-in demo: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  },
);
