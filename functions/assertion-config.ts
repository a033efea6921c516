import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError, millisecondsRange, readInteger, secondsRange } from './config.ts';
import { readAccountDomains, readSiteList } from './setting-values.ts';
import { sites, type Site } from './core/model.ts';
import type { ClaimMapping } from './core/signin/claim-user.ts';
import { isProviderUrl } from './sso-config.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Sign-in asserted by an upstream authenticator (a reverse proxy, another vendor's filter): it
 * forwards who the user is as a signed JWT in a header, never as a bare header (docs/sign-in/assertions.md).
 */
export interface AssertionSettings extends ClaimMapping {
  /** The request header carrying the assertion, lower case. */
  readonly header: string;
  /** The upstream's verification key: its JWKS URL, or a public key (PEM) given inline or as a file. */
  readonly key:
    { readonly jwksUrl: string } | { readonly publicKeyPem: string } | { readonly publicKeyFile: string };
  /** Required `iss`, when set. */
  readonly issuer: string | undefined;
  /** Required `aud`: this service's name at the upstream. */
  readonly audience: string;
  /** How old (`iat`) an assertion may be. */
  readonly maxAgeSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly sites: readonly Site[];
  /** How long one JWKS fetch may take. */
  readonly jwksTimeoutMs: number;
}

export const assertionDefaults = {
  maxAgeSeconds: 60,
  clockToleranceSeconds: 5,
  userClaim: 'sub',
  userMapping: 'sip',
  jwksTimeoutMs: 3000,
} as const;

/** Asymmetric algorithms only: a shared secret would let anyone who can verify also forge. */
export const assertionAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** The key types the accepted algorithms verify with (RSA, RSA-PSS, ECDSA, EdDSA). */
const assertionKeyTypes = ['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448'];

/** The upstream's public key from PEM, checked usable with `assertionAlgorithms`; else a ConfigError naming `setting`. */
export function assertionPublicKey(pem: string, setting: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new ConfigError(`${setting}: not a PEM public key: ${(err as Error).message}`);
  }
  if (!assertionKeyTypes.includes(key.asymmetricKeyType ?? '')) {
    throw new ConfigError(
      `${setting}: a ${key.asymmetricKeyType} key verifies none of ${assertionAlgorithms.join(', ')}`,
    );
  }
  return key;
}

/**
 * The upstream's public key, read (from its file) and checked; undefined for a JWKS, fetched when
 * needed. Called at start (functions/settings-check.ts), so an unreadable file or a key that is none
 * stops the start naming the setting.
 */
export async function loadAssertionPublicKey(settings: AssertionSettings): Promise<KeyObject | undefined> {
  const { key } = settings;
  if ('jwksUrl' in key) return undefined;
  if ('publicKeyPem' in key) return assertionPublicKey(key.publicKeyPem, 'ASSERTION_PUBLIC_KEY');
  const setting = `ASSERTION_PUBLIC_KEY_FILE=${key.publicKeyFile}`;
  let pem: string;
  try {
    pem = await readFile(key.publicKeyFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read the key: ${(err as Error).message}`);
  }
  return assertionPublicKey(pem, setting);
}

/** Whether `site` offers assertion sign-in; the chooser asks this without building anything else. */
export function assertionOffered(site: Site, env: Env): boolean {
  if (!env.ASSERTION_HEADER) return false;
  try {
    return readSiteList(env, 'ASSERTION_SITES', sites).includes(site);
  } catch {
    return false;
  }
}

/** The assertion settings, or undefined when no upstream is trusted (`ASSERTION_HEADER` unset). */
export function readAssertionSettings(env: Env): AssertionSettings | undefined {
  const rawHeader = env.ASSERTION_HEADER;
  if (!rawHeader) return undefined;
  const header = rawHeader.trim().toLowerCase();
  if (!/^[a-z0-9-]{1,64}$/.test(header) || ['authorization', 'cookie', 'host'].includes(header)) {
    throw new ConfigError(
      'ASSERTION_HEADER must be a header name of your own, such as x-authenticated-user-assertion',
    );
  }
  const sources = [env.ASSERTION_JWKS_URL, env.ASSERTION_PUBLIC_KEY, env.ASSERTION_PUBLIC_KEY_FILE].filter(
    Boolean,
  );
  if (sources.length !== 1) {
    throw new ConfigError(
      'give exactly one of ASSERTION_JWKS_URL, ASSERTION_PUBLIC_KEY, ASSERTION_PUBLIC_KEY_FILE',
    );
  }
  if (env.ASSERTION_JWKS_URL && !isProviderUrl(env.ASSERTION_JWKS_URL)) {
    throw new ConfigError('ASSERTION_JWKS_URL must be an https URL (http only on loopback)');
  }
  if (env.ASSERTION_PUBLIC_KEY) assertionPublicKey(env.ASSERTION_PUBLIC_KEY, 'ASSERTION_PUBLIC_KEY');
  const key = env.ASSERTION_JWKS_URL
    ? { jwksUrl: env.ASSERTION_JWKS_URL }
    : env.ASSERTION_PUBLIC_KEY
      ? { publicKeyPem: env.ASSERTION_PUBLIC_KEY }
      : { publicKeyFile: env.ASSERTION_PUBLIC_KEY_FILE ?? '' };
  const audience = env.ASSERTION_AUDIENCE;
  if (!audience)
    throw new ConfigError('missing required setting ASSERTION_AUDIENCE (ASSERTION_HEADER is set)');
  const userMapping = env.ASSERTION_USER_MAPPING || assertionDefaults.userMapping;
  if (userMapping !== 'sip' && userMapping !== 'account') {
    throw new ConfigError('ASSERTION_USER_MAPPING must be sip or account');
  }
  return {
    header,
    key,
    issuer: env.ASSERTION_ISSUER || undefined,
    audience,
    maxAgeSeconds:
      readInteger(env, 'ASSERTION_MAX_AGE_SECONDS', secondsRange) ?? assertionDefaults.maxAgeSeconds,
    clockToleranceSeconds:
      readInteger(env, 'ASSERTION_CLOCK_TOLERANCE_SECONDS', secondsRange) ??
      assertionDefaults.clockToleranceSeconds,
    userClaim: env.ASSERTION_USER_CLAIM || assertionDefaults.userClaim,
    userMapping,
    accountDomains: readAccountDomains(env, 'ASSERTION_ACCOUNT_DOMAINS'),
    sites: readSiteList(env, 'ASSERTION_SITES', sites),
    jwksTimeoutMs:
      readInteger(env, 'ASSERTION_JWKS_TIMEOUT_MS', millisecondsRange) ?? assertionDefaults.jwksTimeoutMs,
  };
}
