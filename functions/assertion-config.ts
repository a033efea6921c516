import { ConfigError } from './config.ts';
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

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

/** Whether `site` offers assertion sign-in; the chooser asks this without building anything else. */
export function assertionOffered(site: Site, env: Env = process.env): boolean {
  if (!env.ASSERTION_HEADER) return false;
  try {
    return readSiteList(env, 'ASSERTION_SITES', sites).includes(site);
  } catch {
    return false;
  }
}

/** The assertion settings, or undefined when no upstream is trusted (`ASSERTION_HEADER` unset). */
export function readAssertionSettings(env: Env = process.env): AssertionSettings | undefined {
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
    maxAgeSeconds: positiveInt(env, 'ASSERTION_MAX_AGE_SECONDS', assertionDefaults.maxAgeSeconds),
    clockToleranceSeconds: positiveInt(
      env,
      'ASSERTION_CLOCK_TOLERANCE_SECONDS',
      assertionDefaults.clockToleranceSeconds,
    ),
    userClaim: env.ASSERTION_USER_CLAIM || assertionDefaults.userClaim,
    userMapping,
    accountDomains: readAccountDomains(env, 'ASSERTION_ACCOUNT_DOMAINS'),
    sites: readSiteList(env, 'ASSERTION_SITES', sites),
    jwksTimeoutMs: positiveInt(env, 'ASSERTION_JWKS_TIMEOUT_MS', assertionDefaults.jwksTimeoutMs),
  };
}
