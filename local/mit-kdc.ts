import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runTool, waitForPort } from './daemon.ts';

/** The MIT Kerberos programs a throwaway KDC needs (Debian: krb5-kdc, krb5-admin-server, krb5-user). */
export const kerberosTools = {
  krb5kdc: '/usr/sbin/krb5kdc',
  kdb5_util: '/usr/sbin/kdb5_util',
  kadminLocal: '/usr/sbin/kadmin.local',
  kinit: '/usr/bin/kinit',
  kdestroy: '/usr/bin/kdestroy',
} as const;

/** The Debian command that installs `kerberosTools`. */
export const installKerberosTools = 'apt-get install -y krb5-kdc krb5-admin-server krb5-user';

/** What `npm run demo:windows` says when programs of `kerberosTools` are missing. */
export function missingKerberosMessage(missing: readonly string[]): string {
  return `npm run demo:windows runs a throwaway MIT Kerberos KDC, and these programs are missing: ${missing.join(', ')}.
Install MIT Kerberos (Debian and Ubuntu; curl too, for the curl step):
  sudo ${installKerberosTools} curl`;
}

export interface KdcUser {
  readonly name: string;
  readonly password: string;
}

export interface KdcOptions {
  readonly realm?: string;
  /** Where the KDC keeps its configuration, database, log and keytab; default: a fresh temporary directory. Removed by `close()`. */
  readonly dir?: string;
  /** Users (principal names without the realm) to create with their passwords. */
  readonly users: readonly KdcUser[];
  /** Service principals (e.g. `HTTP/localhost`) to create with random keys, all into one keytab. */
  readonly services?: readonly string[];
  /** Enctypes of the principals' keys, as kdc.conf's `supported_enctypes` spells them. */
  readonly enctypes?: readonly string[];
}

export interface Kdc {
  readonly realm: string;
  readonly dir: string;
  readonly port: number;
  /** KRB5_CONFIG for clients (kinit, curl, Chromium, the `kerberos` package). */
  readonly krb5Config: string;
  /** The keytab holding the service principals' keys. */
  readonly keytab: string;
  /** The environment a Kerberos client needs, plus the credential cache to use. */
  clientEnv(ccache: string): NodeJS.ProcessEnv;
  /** `kinit`s a user into a fresh credential cache file; answers its path. */
  kinit(user: KdcUser, options?: { lifetime?: string; ccache?: string }): Promise<string>;
  /** Runs kadmin.local with one query (e.g. `cpw -randkey HTTP/localhost`). */
  kadmin(query: string): Promise<string>;
  /** Appends the current keys of a principal to a keytab (`cpw -randkey` first for a new key version). */
  exportKeytab(principal: string, path: string): Promise<void>;
  close(): Promise<void>;
}

const defaultEnctypes = ['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96'];

/** krb5.conf for the KDC's clients: this realm only, its KDC on loopback, no DNS or reverse lookups. */
function clientProfile(realm: string, port: number, dir: string): string {
  return `[libdefaults]
  default_realm = ${realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  default_ccache_name = FILE:${join(dir, 'default.ccache')}
[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
  }
[domain_realm]
  localhost = ${realm}
  127.0.0.1 = ${realm}
`;
}

function kdcProfileText(realm: string, port: number, dir: string, log: string, enctypes: readonly string[]) {
  return `[kdcdefaults]
  kdc_listen = 127.0.0.1:${port}
  kdc_tcp_listen = 127.0.0.1:${port}
[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
    supported_enctypes = ${enctypes.map((e) => `${e}:normal`).join(' ')}
    max_life = 10h
    max_renewable_life = 1d
  }
[logging]
  kdc = FILE:${log}
`;
}

/**
 * A throwaway MIT KDC on a loopback port, with its own configuration (no DNS, no reverse lookups),
 * database, users, service principals and keytab. Setup takes well under a second.
 */
export async function startKdc(options: KdcOptions): Promise<Kdc> {
  const realm = options.realm ?? 'EXAMPLE.TEST';
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cwa-kdc-')));
  await mkdir(dir, { recursive: true });
  let kdc: ChildProcess | undefined;
  const stop = async () => {
    if (kdc && kdc.exitCode === null && kdc.signalCode === null) {
      const exited = once(kdc, 'exit');
      kdc.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return await configure();
  } catch (err) {
    // A half-made KDC leaves nothing behind: no daemon, no files.
    await stop();
    throw err;
  }

  async function configure(): Promise<Kdc> {
    const port = await freePort();
    const krb5Config = join(dir, 'krb5.conf');
    const kdcProfile = join(dir, 'kdc.conf');
    const keytab = join(dir, 'service.keytab');
    const log = join(dir, 'kdc.log');
    const enctypes = options.enctypes ?? defaultEnctypes;
    await writeFile(krb5Config, clientProfile(realm, port, dir));
    await writeFile(kdcProfile, kdcProfileText(realm, port, dir, log, enctypes));
    await writeFile(join(dir, 'kadm5.acl'), '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      KRB5_CONFIG: krb5Config,
      KRB5_KDC_PROFILE: kdcProfile,
      KRB5CCNAME: `FILE:${join(dir, 'default.ccache')}`,
    };
    await runTool(kerberosTools.kdb5_util, ['create', '-s', '-r', realm, '-P', 'throwaway-master-key'], {
      env,
    });
    const kadmin = (query: string) => runTool(kerberosTools.kadminLocal, ['-r', realm, '-q', query], { env });
    for (const user of options.users) await kadmin(`addprinc -pw ${user.password} ${user.name}`);
    for (const service of options.services ?? []) {
      await kadmin(`addprinc -randkey ${service}`);
      await kadmin(`ktadd -k ${keytab} ${service}`);
    }
    const daemon = spawn(kerberosTools.krb5kdc, ['-n', '-r', realm], { env, stdio: 'ignore' });
    kdc = daemon;
    await waitForPort('krb5kdc', port, daemon, () => readFile(log, 'utf8').catch(() => ''));
    let ccaches = 0;
    const clientEnv = (ccache: string): NodeJS.ProcessEnv => ({
      ...process.env,
      KRB5_CONFIG: krb5Config,
      KRB5CCNAME: `FILE:${ccache}`,
    });

    return {
      realm,
      dir,
      port,
      krb5Config,
      keytab,
      clientEnv,
      async kinit(user, kinitOptions = {}) {
        const ccache =
          kinitOptions.ccache ?? join(dir, `${user.name.replace(/\W/g, '_')}-${++ccaches}.ccache`);
        const args = [
          ...(kinitOptions.lifetime ? ['-l', kinitOptions.lifetime] : []),
          `${user.name}@${realm}`,
        ];
        await runTool(kerberosTools.kinit, args, { env: clientEnv(ccache), input: `${user.password}\n` });
        return ccache;
      },
      kadmin,
      async exportKeytab(principal, path) {
        await kadmin(`ktadd -norandkey -k ${path} ${principal}`);
      },
      close: stop,
    };
  }
}
