import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Attribute, Change, Client } from 'ldapts';
import { generate } from 'selfsigned';
import { freePort, runTool, waitForPort } from './daemon.ts';

/** The OpenLDAP programs a throwaway directory needs (Debian: slapd). */
export const slapdTools = { slapd: '/usr/sbin/slapd', slapadd: '/usr/sbin/slapadd' } as const;

/** OpenLDAP's client programs (Debian: ldap-utils), as an administrator uses them. */
export const ldapClientTools = {
  ldapadd: '/usr/bin/ldapadd',
  ldapmodify: '/usr/bin/ldapmodify',
  ldapsearch: '/usr/bin/ldapsearch',
} as const;

/** The Debian command that installs `slapdTools` and `ldapClientTools`. */
export const installSlapdTools = 'apt-get install -y slapd ldap-utils';

/**
 * The schema the default (Active Directory) mapping needs on OpenLDAP: `user`, `objectCategory`,
 * `userAccountControl`, `sAMAccountName` and the `msRTCSIP-*` policy attributes, in cn=config LDIF.
 */
export const communicatorSchemaFile = fileURLToPath(new URL('./ldap/communicator.ldif', import.meta.url));

/** OpenLDAP's own schemas the directory is built on (Debian installs them with slapd). */
const systemSchemas = ['core', 'cosine', 'inetorgperson'].map((name) => `/etc/ldap/schema/${name}.ldif`);

export const slapdBaseDn = 'dc=example,dc=test';
const peopleDn = `ou=people,${slapdBaseDn}`;
const serviceDn = `cn=communicator,ou=services,${slapdBaseDn}`;
const rootDn = `cn=admin,${slapdBaseDn}`;

/**
 * A person as the directory holds them, with the attributes of the Active Directory mapping.
 * `windowsDisabled` sets userAccountControl's ACCOUNTDISABLE bit; `locked` locks the account in the
 * directory (password policy `pwdAccountLockedTime`, as an administrator or a lockout would).
 */
export interface SlapdPerson {
  readonly username: string;
  readonly password: string;
  readonly sipUri: string;
  readonly displayName: string;
  readonly enabled: boolean;
  readonly enhancedPresence: boolean;
  readonly remoteAccess: boolean;
  readonly windowsDisabled?: boolean;
  readonly locked?: boolean;
}

export interface SlapdOptions {
  /** Where the server keeps its configuration, database and keys; default: a fresh temporary directory. Removed by `close()`. */
  readonly dir?: string;
  /**
   * Whether `communicatorSchemaFile` is in the configuration from the start (default). Without it
   * the server has OpenLDAP's schemas only (load it with `ldapadd -Y EXTERNAL`), and no people.
   */
  readonly communicatorSchema?: boolean;
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>` (StartTLS) and `ldaps://127.0.0.1:<port>`. */
  readonly ldapUrl: string;
  readonly ldapsUrl: string;
  /**
   * `ldapi://` on a socket in its directory: SASL EXTERNAL there as this process's user manages
   * `cn=config`, as root does on a Debian slapd (`ldapadd -Y EXTERNAL -H ldapi:///`).
   */
  readonly ldapiUrl: string;
  readonly dir: string;
  /** The CA that signed the server certificate, PEM, and a file holding it. */
  readonly caPem: string;
  readonly caFile: string;
  /** Where the people are, and the service account the product reads them with. */
  readonly peopleDn: string;
  readonly serviceDn: string;
  readonly servicePassword: string;
  /** The directory's administrator (rootdn), who may change any entry. */
  readonly rootDn: string;
  readonly rootPassword: string;
  /** Settings pointing the product at this directory (the default, Active Directory, mapping). */
  settings(overrides?: Readonly<Record<string, string>>): Record<string, string>;
  /** The entry's DN for a user name. */
  dnOf(username: string): string;
  /** Replaces attribute values of an entry, as an administrator would in the directory. */
  replace(dn: string, attributes: Readonly<Record<string, string>>): Promise<void>;
  /** Stops the server (the directory is down) and starts it again on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
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

/** A user name as the value of a DN's `uid=` (RFC 4514 escapes). */
const dnValue = (value: string): string =>
  value
    .replace(/[,+"\\<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');

/** The DN of a person's entry. */
const personDn = (username: string): string => `uid=${dnValue(username)},${peopleDn}`;

/** A person's entry: an inetOrgPerson with the schema's auxiliary class `user`, as AD would hold them. */
function personLdif(p: SlapdPerson): string {
  const surname = p.displayName.split(' ').at(-1) ?? p.username;
  return [
    ldifLine('dn', personDn(p.username)),
    'objectClass: inetOrgPerson',
    'objectClass: user',
    'objectCategory: person',
    ldifLine('uid', p.username),
    ldifLine('cn', p.displayName),
    ldifLine('sn', surname),
    ldifLine('displayName', p.displayName),
    ldifLine('mail', p.sipUri.replace(/^sip:/, '')),
    ldifLine('sAMAccountName', p.username),
    `userPassword: ${ssha(p.password)}`,
    ldifLine('msRTCSIP-PrimaryUserAddress', p.sipUri),
    `msRTCSIP-UserEnabled: ${p.enabled ? 'TRUE' : 'FALSE'}`,
    // 1 = public IM connectivity, set for everyone so only the enhanced presence bit (256) decides.
    `msRTCSIP-OptionFlags: ${p.enhancedPresence ? 257 : 1}`,
    `msRTCSIP-InternetAccessEnabled: ${p.remoteAccess ? 'TRUE' : 'FALSE'}`,
    // 512 NORMAL_ACCOUNT; 514 = 512 + ACCOUNTDISABLE (bit 2).
    `userAccountControl: ${p.windowsDisabled ? 514 : 512}`,
    // 000001010000Z: locked until an administrator unlocks it (draft-behera-ldap-password-policy).
    ...(p.locked ? ['pwdAccountLockedTime: 000001010000Z'] : []),
    '',
  ].join('\n');
}

/**
 * The server's cn=config, loaded with `slapadd -n 0` as Debian's slapd package builds its own:
 * OpenLDAP's schemas and the communicator schema by `include:` of their files, TLS, an mdb database
 * with the password policy overlay, a service account that may read everything, users who may only
 * bind, and SASL EXTERNAL over ldapi as this process's user managing cn=config.
 */
function configLdif(options: {
  dir: string;
  schemas: readonly string[];
  rootPassword: string;
  caFile: string;
}): string {
  const { dir } = options;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const peer = `gidNumber=${gid}+uidNumber=${uid},cn=peercred,cn=external,cn=auth`;
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${join(dir, 'slapd.pid')}
olcArgsFile: ${join(dir, 'slapd.args')}
olcTLSCACertificateFile: ${options.caFile}
olcTLSCertificateFile: ${join(dir, 'server.pem')}
olcTLSCertificateKeyFile: ${join(dir, 'server.key')}

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${options.schemas.map((file) => `include: ${pathToFileURL(file).href}\n`).join('\n')}
dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 500

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=${peer} manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ${slapdBaseDn}
olcRootDN: ${rootDn}
olcRootPW: ${options.rootPassword}
olcDbDirectory: ${join(dir, 'db')}
olcDbMaxSize: 16777216
olcDbIndex: objectClass eq
olcAccess: {0}to attrs=userPassword by anonymous auth by * none
olcAccess: {1}to * by dn.exact="${serviceDn}" read by self read by * none

dn: olcOverlay={0}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {0}ppolicy
olcPPolicyDefault: cn=default,ou=policies,${slapdBaseDn}
`;
}

/**
 * A throwaway OpenLDAP server on loopback ports (and a socket in its directory): its own cn=config,
 * an mdb database loaded with `people`, the communicator schema from `communicatorSchemaFile`, and
 * TLS (LDAPS and StartTLS) with a certificate from a fresh CA. Setup takes well under a second.
 */
export async function startSlapd(people: readonly SlapdPerson[], options: SlapdOptions = {}): Promise<Slapd> {
  const withSchema = options.communicatorSchema ?? true;
  if (!withSchema && people.length > 0) throw new Error('people need the communicator schema');
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cwa-slapd-')));
  await mkdir(dir, { recursive: true });
  let child: ChildProcess | undefined;
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };
  const close = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return await configure();
  } catch (err) {
    // A half-made directory leaves nothing behind: no daemon, no files.
    await close();
    throw err;
  }

  async function configure(): Promise<Slapd> {
    const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
    const servicePassword = randomBytes(12).toString('hex');
    const rootPassword = randomBytes(12).toString('hex');
    const day = 24 * 60 * 60 * 1000;
    const validity = {
      notBeforeDate: new Date(Date.now() - day),
      notAfterDate: new Date(Date.now() + 30 * day),
    };
    const ca = await generate([{ name: 'commonName', value: 'Web Communicator throwaway directory CA' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ...validity,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { cert: ca.cert, key: ca.private },
      ...validity,
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
    await mkdir(join(dir, 'db'));
    const configDir = join(dir, 'slapd.d');
    await mkdir(configDir);
    const schemas = [...systemSchemas, ...(withSchema ? [communicatorSchemaFile] : [])];
    const configFile = join(dir, 'config.ldif');
    await writeFile(configFile, configLdif({ dir, schemas, rootPassword, caFile }));
    await runTool(slapdTools.slapadd, ['-n', '0', '-F', configDir, '-l', configFile]);

    const ldif = [
      `dn: ${slapdBaseDn}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`,
      `dn: ${peopleDn}\nobjectClass: organizationalUnit\nou: people\n`,
      `dn: ou=services,${slapdBaseDn}\nobjectClass: organizationalUnit\nou: services\n`,
      `dn: ou=policies,${slapdBaseDn}\nobjectClass: organizationalUnit\nou: policies\n`,
      `dn: cn=default,ou=policies,${slapdBaseDn}\nobjectClass: pwdPolicy\nobjectClass: device\ncn: default\npwdAttribute: userPassword\npwdLockout: TRUE\n`,
      `dn: ${serviceDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: communicator\nuserPassword: ${ssha(servicePassword)}\n`,
      ...people.map(personLdif),
    ].join('\n');
    const dataFile = join(dir, 'people.ldif');
    await writeFile(dataFile, ldif);
    await runTool(slapdTools.slapadd, ['-F', configDir, '-b', slapdBaseDn, '-l', dataFile]);

    const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
    const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
    const ldapiUrl = `ldapi://${encodeURIComponent(join(dir, 'ldapi'))}`;
    const start = async () => {
      let output = '';
      // -d 0: stay in the foreground (no fork), logging nothing; this process owns it.
      const daemon = spawn(
        slapdTools.slapd,
        ['-F', configDir, '-h', `${ldapUrl}/ ${ldapsUrl}/ ${ldapiUrl}/`, '-d', '0'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = daemon;
      daemon.stdout.on('data', (d: Buffer) => (output += d.toString()));
      daemon.stderr.on('data', (d: Buffer) => (output += d.toString()));
      await waitForPort('slapd', ldapsPort, daemon, () => output);
      await waitForPort('slapd', ldapPort, daemon, () => output);
    };
    await start();

    return {
      ldapUrl,
      ldapsUrl,
      ldapiUrl,
      dir,
      caPem: ca.cert,
      caFile,
      peopleDn,
      serviceDn,
      servicePassword,
      rootDn,
      rootPassword,
      settings: (overrides = {}) => ({
        DIRECTORY_PROVIDER: 'ldap',
        LDAP_URL: ldapsUrl,
        LDAP_CA_FILE: caFile,
        LDAP_BIND_DN: serviceDn,
        LDAP_BIND_PASSWORD: servicePassword,
        LDAP_BASE_DN: peopleDn,
        LDAP_DOMAIN: 'CONTOSO',
        LDAP_SCHEMA: 'active-directory',
        LDAP_TIMEOUT_MS: '2000',
        ...overrides,
      }),
      dnOf: personDn,
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
      close,
    };
  }
}
