import { readFile, stat } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './config.ts';
import { parseKeytab, ServiceKeys } from './core/kerberos/keytab.ts';
import type { WindowsSignInDeps } from './core/signin/windows.ts';
import type { Deps } from './deps.ts';
import { readWindowsSettings, type WindowsSettings } from './windows-config.ts';

/** The service keys in use; a keytab file's are re-read when the file changes. */
export interface KeySource {
  current(): Promise<ServiceKeys>;
}

/** What Windows sign-in reads once, when the function starts: its settings and the service keys. */
export interface WindowsStart {
  readonly settings: WindowsSettings;
  /** Undefined without a keytab: Kerberos is off. */
  readonly keys: KeySource | undefined;
}

/** What the Windows sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface WindowsDeps {
  readonly settings: WindowsSettings;
  /** The sign-in's dependencies, with the service keys as they are now. */
  signIn(): Promise<WindowsSignInDeps>;
}

/** The NetBIOS computer name NTLM challenges announce (informational: clients do not check it). */
const ntlmComputerName = 'COMMUNICATOR';

const reason = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
};

/** The keys of a keytab's bytes, or a ConfigError naming the setting the keytab came from. */
function keysOf(data: Uint8Array, setting: string, servicePrincipal: string | undefined): ServiceKeys {
  try {
    return new ServiceKeys(parseKeytab(data), servicePrincipal);
  } catch (err) {
    const principal = servicePrincipal ? ` (KERBEROS_SERVICE_PRINCIPAL=${servicePrincipal})` : '';
    throw new ConfigError(`${setting}: not a usable keytab${principal}: ${reason(err)}`);
  }
}

async function secretKeytab(secretArn: string): Promise<Buffer> {
  const setting = `KERBEROS_KEYTAB_SECRET_ARN=${secretArn}`;
  const secrets = new SecretsManagerClient({});
  try {
    const result = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (result.SecretBinary) return Buffer.from(result.SecretBinary);
    if (result.SecretString) return Buffer.from(result.SecretString.trim(), 'base64');
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read the keytab secret: ${reason(err)}`);
  } finally {
    secrets.destroy();
  }
  throw new ConfigError(`${setting}: the keytab secret is empty`);
}

/** What tells one version of a file from the next without reading it. */
const versionOf = (s: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string =>
  `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;

/**
 * A keytab file, re-read when it changes (another inode, size or modification time), so a replaced
 * keytab (a new key version after a password change, a new service key) takes effect at the next
 * sign-in without a restart. A replacement that cannot be used (half written, wrong principal)
 * leaves the keys in use as they are and is logged; it is tried again when the file changes again.
 */
async function keytabFile(file: string, servicePrincipal: string | undefined): Promise<KeySource> {
  const setting = `KERBEROS_KEYTAB_FILE=${file}`;
  const read = async () => {
    try {
      const version = versionOf(await stat(file, { bigint: true }));
      return { version, data: await readFile(file) };
    } catch (err) {
      throw new ConfigError(`${setting}: cannot read the keytab: ${reason(err)}`);
    }
  };
  const first = await read();
  let keys = keysOf(first.data, setting, servicePrincipal);
  let seen = first.version;
  return {
    async current() {
      const now = await stat(file, { bigint: true }).then(versionOf, () => seen);
      if (now === seen) return keys;
      seen = now;
      try {
        const next = await read();
        seen = next.version;
        keys = keysOf(next.data, setting, servicePrincipal);
        const principals = keys.principals;
        console.info(JSON.stringify({ level: 'info', message: 'keytab read again', setting, principals }));
      } catch (err) {
        // Half written, or wrong: the keys read before stay in use until the file changes again.
        const error = reason(err);
        console.error(JSON.stringify({ level: 'error', message: 'keytab not read again', error }));
      }
      return keys;
    },
  };
}

/**
 * Reads and checks the Windows sign-in settings and loads the keytab: called when the function
 * starts (and by the local runtime before it listens), so a wrong setting or an unusable keytab
 * stops the start with a message naming the setting, never a 500 on every request.
 */
export async function startWindows(env: Readonly<Record<string, string | undefined>>): Promise<WindowsStart> {
  const settings = readWindowsSettings(env);
  const { keytab, servicePrincipal } = settings;
  let keys: KeySource | undefined;
  if (keytab && 'file' in keytab) keys = await keytabFile(keytab.file, servicePrincipal);
  else if (keytab) {
    const fixed = keysOf(
      await secretKeytab(keytab.secretArn),
      `KERBEROS_KEYTAB_SECRET_ARN=${keytab.secretArn}`,
      servicePrincipal,
    );
    keys = { current: () => Promise.resolve(fixed) };
  }
  return { settings, keys };
}

export function buildWindowsDeps(deps: Deps, { settings, keys }: WindowsStart): WindowsDeps {
  const replayCache = deps.stores.kerberosReplay;
  const base: Omit<WindowsSignInDeps, 'kerberos'> = {
    directory: deps.directory,
    identities: deps.stores.windowsIdentities,
    tickets: deps.tickets,
    audit: deps.audit,
    legacyUrl: deps.settings.legacyUrl,
    realmDomains: settings.realmDomains,
    ntlm: settings.ntlmDomain
      ? {
          challenges: deps.stores.ntlmChallenges,
          clock: deps.clock,
          domain: settings.ntlmDomain,
          computerName: ntlmComputerName,
          challengeMs: settings.ntlmChallengeSeconds * 1000,
        }
      : undefined,
    regulator: deps.regulator,
  };
  return {
    settings,
    async signIn() {
      return {
        ...base,
        kerberos: keys && {
          keys: await keys.current(),
          replayCache,
          clock: deps.clock,
          clockSkewMs: settings.clockSkewSeconds * 1000,
        },
      };
    },
  };
}
