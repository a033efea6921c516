import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { generate } from 'selfsigned';
import { makeCa } from './certificates.ts';
import { freePort, runTool, toolsAvailable, waitForPort } from './daemon.ts';
import type { TestPerson } from './directory-people.ts';

/** The OpenLDAP programs the fixture runs (Debian: slapd). */
export const slapdTools = { slapd: '/usr/sbin/slapd', slapadd: '/usr/sbin/slapadd' } as const;

/**
 * Whether a real slapd can be started here. In CI a missing tool fails the suite loudly (`.ci/run`
 * installs it); on a developer's machine the suite is skipped with the reason printed.
 */
export function slapdAvailable(): true | string {
  return toolsAvailable(slapdTools, 'apt-get install -y slapd ldap-utils');
}

/**
 * TEST SCHEMA ONLY. The Office Communications Server attributes the product reads, under the
 * fixture's own OID arc (2.25.<UUID>, X.667: needs no registration) — not Microsoft's OIDs, so it
 * can never be mistaken for the real schema extension. Names and syntaxes follow the real ones:
 * `msRTCSIP-UserEnabled` and `msRTCSIP-InternetAccessEnabled` Boolean, `msRTCSIP-OptionFlags` and
 * `userAccountControl` integers, `sAMAccountName` and `msRTCSIP-PrimaryUserAddress` strings.
 */
const arc = '2.25.285850490036628276073847031809654769518';
const testSchema = `# cwa-test-rtc.schema: a TEST schema for the product's LDAP tests; not for any real directory.
attributetype ( ${arc}.1.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256} SINGLE-VALUE )
attributetype ( ${arc}.1.2 NAME 'msRTCSIP-PrimaryUserAddress'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{454} SINGLE-VALUE )
attributetype ( ${arc}.1.3 NAME 'msRTCSIP-UserEnabled'
  EQUALITY booleanMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )
attributetype ( ${arc}.1.4 NAME 'msRTCSIP-OptionFlags'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( ${arc}.1.5 NAME 'msRTCSIP-InternetAccessEnabled'
  EQUALITY booleanMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )
attributetype ( ${arc}.1.6 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( ${arc}.2.1 NAME 'cwaTestRtcUser' AUXILIARY
  MAY ( sAMAccountName $ msRTCSIP-PrimaryUserAddress $ msRTCSIP-UserEnabled $
        msRTCSIP-OptionFlags $ msRTCSIP-InternetAccessEnabled $ userAccountControl ) )
`;

export const slapdBaseDn = 'dc=example,dc=test';
const peopleDn = `ou=people,${slapdBaseDn}`;
const serviceDn = `cn=communicator,ou=services,${slapdBaseDn}`;
const rootDn = `cn=admin,${slapdBaseDn}`;

/**
 * A person as the directory holds them; `windowsDisabled` sets userAccountControl's ACCOUNTDISABLE
 * bit, `locked` locks the account in the directory (password policy `pwdAccountLockedTime`, as an
 * administrator or a lockout would).
 */
export interface SlapdPerson extends TestPerson {
  readonly windowsDisabled?: boolean;
  readonly locked?: boolean;
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>` (StartTLS) and `ldaps://127.0.0.1:<port>`. */
  readonly ldapUrl: string;
  readonly ldapsUrl: string;
  /** The test CA that signed the server certificate, PEM, and a file holding it. */
  readonly caPem: string;
  readonly caFile: string;
  /** Handler settings pointing the product at this directory (Active Directory mapping). */
  settings(overrides?: Readonly<Record<string, string>>): Record<string, string>;
  /** The entry's DN for a user name. */
  dnOf(username: string): string;
  /** Replaces attribute values of an entry, as an administrator would in the directory. */
  replace(dn: string, attributes: Readonly<Record<string, string>>): Promise<void>;
  /** Stops the server (the directory is down) and starts it again on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** `{SSHA}` as slapd stores passwords: SHA-1 over password and salt, then the salt. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** An LDIF value: plain when safe, base64 (`::`) otherwise. */
function ldifLine(name: string, value: string): string {
  const safe = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${name}: ${value}` : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function personLdif(p: SlapdPerson): string {
  const surname = p.displayName.split(' ').at(-1) ?? p.username;
  return [
    `dn: uid=${p.username},${peopleDn}`,
    'objectClass: inetOrgPerson',
    'objectClass: cwaTestRtcUser',
    `uid: ${p.username}`,
    ldifLine('cn', p.displayName),
    ldifLine('sn', surname),
    ldifLine('displayName', p.displayName),
    `mail: ${p.sipUri.replace(/^sip:/, '')}`,
    `sAMAccountName: ${p.username}`,
    `userPassword: ${ssha(p.password)}`,
    `msRTCSIP-PrimaryUserAddress: ${p.sipUri}`,
    `msRTCSIP-UserEnabled: ${p.enabled ? 'TRUE' : 'FALSE'}`,
    // 1 = public IM connectivity, set for everyone so only the enhanced presence bit decides.
    `msRTCSIP-OptionFlags: ${p.enhancedPresence ? 257 : 1}`,
    `msRTCSIP-InternetAccessEnabled: ${p.remoteAccess ? 'TRUE' : 'FALSE'}`,
    `userAccountControl: ${p.windowsDisabled ? 514 : 512}`,
    // 000001010000Z: locked until an administrator unlocks it (draft-behera-ldap-password-policy).
    ...(p.locked ? ['pwdAccountLockedTime: 000001010000Z'] : []),
    '',
  ].join('\n');
}

/**
 * A throwaway OpenLDAP server on loopback ports: its own slapd.conf, an mdb database in a temp
 * directory loaded with `people`, the test schema above, a service account that may read users,
 * users who may only bind, and TLS (LDAPS and StartTLS) with a certificate from a fresh test CA.
 */
export async function startSlapd(people: readonly SlapdPerson[]): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-slapd-'));
  const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
  const servicePassword = randomBytes(12).toString('hex');
  const rootPassword = randomBytes(12).toString('hex');
  const ca = await makeCa('CWA test directory CA');
  const day = 24 * 60 * 60 * 1000;
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { cert: ca.cert, key: ca.key },
    notBeforeDate: new Date(Date.now() - day),
    notAfterDate: new Date(Date.now() + 30 * day),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert);
  await writeFile(join(dir, 'server.pem'), server.cert);
  await writeFile(join(dir, 'server.key'), server.private, { mode: 0o600 });
  await writeFile(join(dir, 'cwa-test-rtc.schema'), testSchema);
  await mkdir(join(dir, 'db'));
  const config = join(dir, 'slapd.conf');
  await writeFile(
    config,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include ${join(dir, 'cwa-test-rtc.schema')}
pidfile ${join(dir, 'slapd.pid')}
argsfile ${join(dir, 'slapd.args')}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
TLSCACertificateFile ${caFile}
TLSCertificateFile ${join(dir, 'server.pem')}
TLSCertificateKeyFile ${join(dir, 'server.key')}
sizelimit 500
database mdb
maxsize 16777216
suffix "${slapdBaseDn}"
rootdn "${rootDn}"
rootpw ${rootPassword}
directory ${join(dir, 'db')}
index objectClass eq
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${slapdBaseDn}"
access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by dn.exact="${serviceDn}" read
  by self read
  by * none
`,
  );
  const ldif = [
    `dn: ${slapdBaseDn}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`,
    `dn: ${peopleDn}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=services,${slapdBaseDn}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ou=policies,${slapdBaseDn}\nobjectClass: organizationalUnit\nou: policies\n`,
    `dn: cn=default,ou=policies,${slapdBaseDn}\nobjectClass: pwdPolicy\nobjectClass: device\ncn: default\npwdAttribute: userPassword\npwdLockout: TRUE\n`,
    `dn: ${serviceDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: communicator\nuserPassword: ${ssha(servicePassword)}\n`,
    ...people.map(personLdif),
  ].join('\n');
  const ldifFile = join(dir, 'people.ldif');
  await writeFile(ldifFile, ldif);
  await runTool(slapdTools.slapadd, ['-f', config, '-l', ldifFile]);

  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    let output = '';
    // -d 0: stay in the foreground (no fork), logging nothing; this process owns it.
    child = spawn(slapdTools.slapd, ['-f', config, '-h', `${ldapUrl}/ ${ldapsUrl}/`, '-d', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForPort('slapd', ldapsPort, child, () => output);
    await waitForPort('slapd', ldapPort, child, () => output);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    running.kill('SIGTERM');
    await new Promise((resolve) => running.once('exit', resolve));
  };
  await start();

  return {
    ldapUrl,
    ldapsUrl,
    caPem: ca.cert,
    caFile,
    settings: (overrides = {}) => ({
      DIRECTORY_PROVIDER: 'ldap',
      LDAP_URL: ldapsUrl,
      LDAP_CA_FILE: caFile,
      LDAP_BIND_DN: serviceDn,
      LDAP_BIND_PASSWORD: servicePassword,
      LDAP_BASE_DN: peopleDn,
      LDAP_DOMAIN: 'CONTOSO',
      LDAP_SCHEMA: 'active-directory',
      // The real AD filter names objectCategory=person, which only AD expands; the rest is the same.
      LDAP_USER_FILTER: '(&(objectClass=cwaTestRtcUser)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
      LDAP_TIMEOUT_MS: '2000',
      ...overrides,
    }),
    dnOf: (username) => `uid=${username},${peopleDn}`,
    async replace(dn, attributes) {
      const client = new Client({ url: ldapsUrl, tlsOptions: { ca: ca.cert } });
      try {
        await client.bind(rootDn, rootPassword);
        await client.modify(
          dn,
          Object.entries(attributes).map(
            ([type, value]) =>
              new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }),
          ),
        );
      } finally {
        await client.unbind();
      }
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a file of the fixture (for debugging a failing start). */
export const readFixtureFile = (path: string): Promise<string> => readFile(path, 'utf8');
