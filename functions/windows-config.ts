import { ConfigError, readInteger, secondsRange } from './config.ts';

/** Settings of integrated Windows sign-in, read once per cold start (docs/sign-in/windows.md). */
export interface WindowsSettings {
  /** The service keytab: a local file, or a Secrets Manager secret (binary, or base64 text). Unset = no Kerberos. */
  readonly keytab: { readonly file: string } | { readonly secretArn: string } | undefined;
  /** Accept tickets for this principal only (`HTTP/host@REALM`); unset = any principal in the keytab. */
  readonly servicePrincipal: string | undefined;
  readonly clockSkewSeconds: number;
  /** Realm → directory domain, upper case (`EXAMPLE.TEST` → `CONTOSO`). */
  readonly realmDomains: ReadonlyMap<string, string>;
  /** The NetBIOS domain NTLM announces and assumes when a client names none; unset = NTLM off. */
  readonly ntlmDomain: string | undefined;
  /** How long an NTLM challenge may be answered. */
  readonly ntlmChallengeSeconds: number;
}

export const windowsDefaults = { clockSkewSeconds: 300, ntlmChallengeSeconds: 60 } as const;

const positiveInt = (
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number => readInteger(env, name, secondsRange) ?? fallback;

/** `REALM=DOMAIN,REALM2=DOMAIN2`. */
export function parseRealmDomains(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [realm, domain, ...rest] = pair.split('=').map((p) => p.trim());
    if (!realm || !domain || rest.length > 0) {
      throw new ConfigError('KERBEROS_REALM_DOMAINS must look like EXAMPLE.TEST=CONTOSO,OTHER.TEST=OTHER');
    }
    // As written: Kerberos realms are case-sensitive (RFC 4120 §6.1), `example.test` is not `EXAMPLE.TEST`.
    map.set(realm, domain);
  }
  return map;
}

/**
 * A service principal as a keytab names it: `HTTP/host@REALM`, each name component and the realm
 * non-empty, nothing blank. Without `@REALM` no keytab entry could ever match it, so every ticket
 * would be refused: refused here, at start, instead.
 */
export function parseServicePrincipal(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const [name = '', realm, ...rest] = raw.split('@');
  const components = name.split('/');
  const wellFormed =
    rest.length === 0 &&
    realm !== undefined &&
    /^[^\s/]+$/.test(realm) &&
    components.every((component) => /^[^\s]+$/.test(component));
  if (!wellFormed) {
    const problem = realm === undefined ? 'names no realm' : 'is not a principal name';
    throw new ConfigError(
      `KERBEROS_SERVICE_PRINCIPAL '${raw}' ${problem}: write it in full as the keytab names it, ` +
        'service/host@REALM (e.g. HTTP/communicator.contoso.com@CONTOSO.COM)',
    );
  }
  return raw;
}

/** A NetBIOS domain name (`CONTOSO`): what NTLM messages carry, up to 15 characters. */
export function parseNtlmDomain(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,14}$/.test(raw)) {
    throw new ConfigError(
      `NTLM_DOMAIN '${raw}' is not a NetBIOS domain name (up to 15 letters, digits, dots or hyphens, e.g. CONTOSO)`,
    );
  }
  return raw;
}

export function readWindowsSettings(env: Readonly<Record<string, string | undefined>>): WindowsSettings {
  const keytab = env.KERBEROS_KEYTAB_FILE
    ? { file: env.KERBEROS_KEYTAB_FILE }
    : env.KERBEROS_KEYTAB_SECRET_ARN
      ? { secretArn: env.KERBEROS_KEYTAB_SECRET_ARN }
      : undefined;
  return {
    keytab,
    servicePrincipal: parseServicePrincipal(env.KERBEROS_SERVICE_PRINCIPAL),
    clockSkewSeconds: positiveInt(env, 'KERBEROS_CLOCK_SKEW_SECONDS', windowsDefaults.clockSkewSeconds),
    realmDomains: parseRealmDomains(env.KERBEROS_REALM_DOMAINS),
    ntlmDomain: parseNtlmDomain(env.NTLM_DOMAIN),
    ntlmChallengeSeconds: positiveInt(env, 'NTLM_CHALLENGE_SECONDS', windowsDefaults.ntlmChallengeSeconds),
  };
}
