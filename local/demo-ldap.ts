import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { missingTools } from './daemon.ts';
import { readSeedFile } from './seed.ts';
import {
  communicatorSchemaFile,
  installSlapdTools,
  slapdTools,
  startSlapd,
  type Slapd,
  type SlapdPerson,
} from './slapd.ts';

/**
 * `npm run demo:ldap`: the product reading its users from an LDAP directory, on this machine in one
 * command. A throwaway OpenLDAP server (Debian's slapd) on loopback ports gets the schema an
 * administrator loads into their own (`local/ldap/communicator.ldif`) and the directory's users,
 * as Active Directory would hold them; the product starts as `npm start` starts it, with
 * DIRECTORY_PROVIDER=ldap and the default (Active Directory) mapping. Ctrl+C stops both and removes
 * the directory. See docs/directory.md ("Try it locally").
 */

const repository = fileURLToPath(new URL('../', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const demoSeed = fileURLToPath(new URL('./demo-directory.json', import.meta.url));
const env = process.env;

const quote = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/** A person of the seed as the demo loads them into the directory: with a password slapd can check. */
type Person = SlapdPerson;

function policyOf(p: Person): string {
  if (!p.enabled) return 'msRTCSIP-UserEnabled FALSE: refused (user_disabled)';
  if (!p.enhancedPresence) return 'no enhanced presence bit in msRTCSIP-OptionFlags: refused';
  if (!p.remoteAccess) return 'msRTCSIP-InternetAccessEnabled FALSE: internal site only';
  return 'signs in on both sites';
}

/** What was set up, and the settings the product gets. */
function setUp(
  slapd: Slapd,
  domain: string,
  people: readonly Person[],
  settings: Record<string, string>,
): string {
  const width = Math.max(...people.map((p) => p.username.length), 8);
  const passwordWidth = Math.max(...people.map((p) => p.password.length), 8);
  return `A throwaway OpenLDAP directory is running (loopback only; its files in ${slapd.dir}):
  slapd:           ${slapd.ldapsUrl} (LDAPS), ${slapd.ldapUrl} (StartTLS), ${slapd.ldapiUrl}
  schema:          ${relative(repository, communicatorSchemaFile)}, loaded into its cn=config
  service account: ${slapd.serviceDn} (reads the people)
  administrator:   ${slapd.rootDn}
  people:          in ${slapd.peopleDn}, inetOrgPerson entries with the class user and the
                   msRTCSIP-* attributes; sign in with domain ${domain} and one of:
${people
  .map(
    (p) => `    ${p.username.padEnd(width)} ${p.password.padEnd(passwordWidth)} ${p.sipUri}  ${policyOf(p)}`,
  )
  .join('\n')}
The product starts with:
${Object.entries(settings)
  .map(([name, value]) => `  ${name}=${quote(value)}`)
  .join('\n')}
`;
}

function steps(slapd: Slapd, site: string, people: readonly Person[]): string {
  // Someone who signs in now, not the first (who is the one to try first).
  const allowed = people.filter((p) => p.enabled && p.enhancedPresence).map((p) => p.username);
  const someone = allowed[1] ?? allowed[0] ?? 'alice';
  const admin = `-x -H ${quote(slapd.ldapiUrl)} -D ${quote(slapd.rootDn)} -w ${slapd.rootPassword}`;
  return `
Sign-in against the directory is ready to try: sign in at ${site}/ as one of the people above.
In another terminal, as the directory's administrator:
  Look at an entry:
    ldapsearch ${admin} -b ${quote(slapd.peopleDn)} -LLL '(sAMAccountName=${someone})'
  Take ${someone} off the service (refused at the next policy read, LDAP_POLICY_CACHE_SECONDS later):
    printf 'dn: ${slapd.dnOf(someone)}\\nchangetype: modify\\nreplace: msRTCSIP-UserEnabled\\nmsRTCSIP-UserEnabled: FALSE\\n' |
      ldapmodify ${admin}

Stopping also stops slapd and removes its files.
Press Ctrl+C to stop.`;
}

async function run(): Promise<number> {
  const missing = missingTools(slapdTools);
  if (missing.length > 0) {
    console.error(`npm run demo:ldap runs a throwaway OpenLDAP server, and these programs are missing: ${missing.join(', ')}.
Install OpenLDAP (Debian and Ubuntu; the package's own server is not used and may be stopped):
  sudo ${installSlapdTools}`);
    return 1;
  }
  const dataDir = resolve(env.DATA_DIR || join(repository, '.data', 'ldap-demo'));
  const slapdDir = join(dataDir, 'slapd');
  const seed = await readSeedFile(env.DIRECTORY_SEED || demoSeed);
  // What a demo stopped without its clean-up (kill -9) left behind.
  await rm(slapdDir, { recursive: true, force: true });
  // A user the seed gives only as a password hash (scrypt) cannot be loaded: slapd could not check it.
  const people: Person[] = [];
  for (const user of seed.users) {
    const { password } = user;
    if (password === undefined)
      console.log(`Left out ${user.username}: the seed has no password, only its hash.`);
    else people.push({ ...user, password });
  }
  const slapd = await startSlapd(people, { dir: slapdDir });
  const settings = slapd.settings({ LDAP_DOMAIN: seed.domain });
  console.log(setUp(slapd, seed.domain, people, settings));

  let product;
  try {
    // The product in its own process group: Ctrl+C reaches it once, through this script.
    product = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: repository,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
      env: { ...env, ...settings, DATA_DIR: dataDir },
    });
  } catch (err) {
    await slapd.close();
    throw err;
  }
  const child = product;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  process.once('exit', () => child.kill('SIGKILL'));

  let site = 'http://localhost:8080';
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const url = /internal site:\s*(\S+?)\/?$/.exec(line)?.[1];
    if (url) site = url;
    if (/Press Ctrl\+C to stop/.test(line)) console.log(steps(slapd, site, people));
    else console.log(line);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  await slapd.close();
  if (stopping) return 0;
  console.error(`The product stopped (exit ${code ?? 'by a signal'}); slapd is stopped too.`);
  return code || 1;
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`Could not start the LDAP demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
