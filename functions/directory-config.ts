import { readFileSync } from 'node:fs';
import { ConfigError } from './config.ts';
import { checkCertificatesPem } from './setting-values.ts';
import {
  isAttributeName,
  parseFlagSource,
  schemaPresets,
  type FlagSource,
  type LdapAttributeMapping,
  type LdapSchemaName,
} from './core/directory/ldap/mapping.ts';

/** The organisation's LDAP / Active Directory as the directory (docs/directory.md). */
export interface LdapSettings {
  readonly url: string;
  readonly startTls: boolean;
  /** PEM CA certificates for the directory's TLS certificate; unset = the system's CAs. */
  readonly caPem: string | undefined;
  readonly bindDn: string;
  /** The service account's password: the value (locally), or a Secrets Manager secret holding it (AWS). */
  readonly bindPassword: { readonly value: string } | { readonly secretArn: string };
  readonly baseDn: string;
  /** The domain users type at sign-in (`CONTOSO`). */
  readonly domain: string;
  readonly mapping: LdapAttributeMapping;
  readonly timeoutMs: number;
  /** How long an instance reuses a user's policy read from the directory; 0 = read on every request. */
  readonly policyCacheSeconds: number;
}

/** Which directory users and their policy come from. */
export type DirectorySettings =
  { readonly provider: 'builtin' } | ({ readonly provider: 'ldap' } & LdapSettings);

export const directoryDefaults = {
  schema: 'active-directory',
  timeoutMs: 5000,
  policyCacheSeconds: 30,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`DIRECTORY_PROVIDER ldap needs ${name}`);
  return value;
}

function integer(env: Env, name: string, fallback: number, minimum: number, maximum: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new ConfigError(`${name} must be an integer from ${minimum} to ${maximum}`);
  }
  return value;
}

function attribute(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!isAttributeName(value)) throw new ConfigError(`${name} must be an LDAP attribute name`);
  return value;
}

function flag(env: Env, name: string, fallback: FlagSource): FlagSource {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const source = parseFlagSource(raw);
  if (!source) {
    throw new ConfigError(
      `${name} must be always, never, an attribute, attribute&bitmask or attribute=value`,
    );
  }
  return source;
}

/** Parsed where it is used (`core/directory/ldap/user-filter.ts`), so reading it needs no LDAP code. */
function userFilter(env: Env, fallback: string): string {
  return env.LDAP_USER_FILTER?.trim() || fallback;
}

/**
 * The directory's transport: LDAPS, or LDAP upgraded with StartTLS. Plain LDAP would carry every
 * user's password in the clear at each sign-in, so it is refused.
 */
function transport(env: Env): { url: string; startTls: boolean } {
  const url = required(env, 'LDAP_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('LDAP_URL must be an ldaps:// or ldap:// URL');
  }
  const startTls = /^(1|true|yes)$/i.test(env.LDAP_STARTTLS ?? '');
  if (parsed.protocol === 'ldaps:' && !startTls) return { url, startTls };
  if (parsed.protocol === 'ldap:' && startTls) return { url, startTls };
  if (parsed.protocol === 'ldaps:')
    throw new ConfigError('LDAP_STARTTLS applies to ldap:// URLs, not ldaps://');
  if (parsed.protocol === 'ldap:') {
    throw new ConfigError('LDAP_URL ldap:// needs LDAP_STARTTLS=true: passwords never travel in the clear');
  }
  throw new ConfigError('LDAP_URL must be an ldaps:// or ldap:// URL');
}

function caPem(env: Env): string | undefined {
  if (env.LDAP_CA_PEM?.trim()) {
    checkCertificatesPem(env.LDAP_CA_PEM, 'LDAP_CA_PEM');
    return env.LDAP_CA_PEM;
  }
  const file = env.LDAP_CA_FILE?.trim();
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`LDAP_CA_FILE ${file} cannot be read: ${(err as Error).message}`);
  }
  checkCertificatesPem(pem, `LDAP_CA_FILE ${file}`);
  return pem;
}

/**
 * A distinguished name as RFC 4514 writes it: attribute=value pairs (`+` joins several in one RDN)
 * separated by commas, escaped commas and pluses being part of a value.
 */
function distinguishedName(env: Env, name: string): string {
  const value = required(env, name);
  const pair = /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)\s*=/;
  const wellFormed = value
    .split(/(?<!\\),/)
    .every((rdn) => rdn.split(/(?<!\\)\+/).every((ava) => pair.test(ava)));
  if (!wellFormed) {
    throw new ConfigError(`${name} must be a distinguished name such as OU=People,DC=contoso,DC=com`);
  }
  return value;
}

/**
 * The directory provider these settings name, as the handlers read it (the stack bundles the LDAP
 * client by the same reading: `lib/lambda-bundling.ts`).
 */
export const directoryProviderOf = (env: Env): string => env.DIRECTORY_PROVIDER?.trim() || 'builtin';

/** Reads the directory settings once per cold start; a missing or malformed one fails at start. */
export function readDirectorySettings(env: Env): DirectorySettings {
  const provider = directoryProviderOf(env);
  if (provider === 'builtin') return { provider };
  if (provider !== 'ldap') throw new ConfigError('DIRECTORY_PROVIDER must be builtin or ldap');
  const schemaName = env.LDAP_SCHEMA?.trim() || directoryDefaults.schema;
  if (!(schemaName in schemaPresets))
    throw new ConfigError('LDAP_SCHEMA must be active-directory or openldap');
  const preset = schemaPresets[schemaName as LdapSchemaName];
  const sipUriAttribute = attribute(env, 'LDAP_ATTR_SIP_URI', preset.sipUri);
  const prefixed = env.LDAP_SIP_URI_PREFIXED?.trim();
  const password = env.LDAP_BIND_PASSWORD
    ? { value: env.LDAP_BIND_PASSWORD }
    : env.LDAP_BIND_PASSWORD_SECRET_ARN?.trim()
      ? { secretArn: env.LDAP_BIND_PASSWORD_SECRET_ARN.trim() }
      : undefined;
  if (!password) {
    throw new ConfigError(
      'DIRECTORY_PROVIDER ldap needs LDAP_BIND_PASSWORD or LDAP_BIND_PASSWORD_SECRET_ARN',
    );
  }
  const domain = required(env, 'LDAP_DOMAIN');
  if (/[\\\s]/.test(domain))
    throw new ConfigError('LDAP_DOMAIN is the domain users type (CONTOSO): no spaces or \\');
  return {
    provider: 'ldap',
    ...transport(env),
    caPem: caPem(env),
    bindDn: distinguishedName(env, 'LDAP_BIND_DN'),
    bindPassword: password,
    baseDn: distinguishedName(env, 'LDAP_BASE_DN'),
    domain,
    mapping: {
      username: attribute(env, 'LDAP_ATTR_USERNAME', preset.username),
      sipUri: sipUriAttribute,
      sipUriPrefixed: prefixed
        ? /^(1|true|yes)$/i.test(prefixed)
        : sipUriAttribute === preset.sipUri
          ? preset.sipUriPrefixed
          : true,
      displayName: attribute(env, 'LDAP_ATTR_DISPLAY_NAME', preset.displayName),
      enabled: flag(env, 'LDAP_FLAG_ENABLED', preset.enabled),
      enhancedPresence: flag(env, 'LDAP_FLAG_ENHANCED_PRESENCE', preset.enhancedPresence),
      remoteAccess: flag(env, 'LDAP_FLAG_REMOTE_ACCESS', preset.remoteAccess),
      twoFactorRequired: flag(env, 'LDAP_FLAG_TWO_FACTOR_REQUIRED', preset.twoFactorRequired),
      userFilter: userFilter(env, preset.userFilter),
    },
    timeoutMs: integer(env, 'LDAP_TIMEOUT_MS', directoryDefaults.timeoutMs, 100, 60_000),
    policyCacheSeconds: integer(
      env,
      'LDAP_POLICY_CACHE_SECONDS',
      directoryDefaults.policyCacheSeconds,
      0,
      300,
    ),
  };
}
