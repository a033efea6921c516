import { ConfigError, millisecondsRange, readInteger, secondsRange } from './config.ts';
import { readAccountDomains, readSiteList } from './setting-values.ts';
import { sites, type Site } from './core/model.ts';

/** How the directory user is found from the configured ID token claim. */
export type SsoUserMapping = 'sip' | 'account';

/** Per-site SSO session rules (the original's "SSO inactivity timeout set per service"). */
export interface SsoSitePolicy {
  /** Idle timeout of tickets minted by SSO on this site; unset = the site's ticket idle timeout. */
  readonly idleSeconds: number | undefined;
  /**
   * Opt-in persistent ticket cookie for SSO users: the cookie (and the ticket's absolute lifetime)
   * lasts this long and survives a browser restart. Unset = a session cookie, as for every method.
   */
  readonly persistentCookieSeconds: number | undefined;
}

/** Single sign-on through an OpenID provider, read once per cold start (docs/sign-in/sso.md). */
export interface SsoSettings {
  /** The provider's issuer identifier, exactly as its discovery document states it. */
  readonly issuer: string;
  readonly clientId: string;
  /**
   * The client secret: the value (locally), or a Secrets Manager secret holding it (on AWS). Unset =
   * a public client (PKCE only, `token_endpoint_auth_method` none).
   */
  readonly clientSecret: { readonly value: string } | { readonly secretArn: string } | undefined;
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly scopes: string;
  /** The ID token claim that names the user (`email`, `upn`, `preferred_username`, …). */
  readonly userClaim: string;
  readonly userMapping: SsoUserMapping;
  /** DNS domain → directory domain for `account` mapping (`contoso.com` → `CONTOSO`), upper case keys. */
  readonly accountDomains: ReadonlyMap<string, string>;
  /** The sites that offer SSO. */
  readonly sites: readonly Site[];
  readonly perSite: Readonly<Record<Site, SsoSitePolicy>>;
  /** How long a started sign-in may take at the provider. */
  readonly loginSeconds: number;
  /** How long one request to the provider may take before it counts as down. */
  readonly providerTimeoutMs: number;
  /** For providers whose discovery document names no `end_session_endpoint` (Amazon Cognito's `/logout`). */
  readonly endSessionEndpoint: string | undefined;
  /** The parameter that carries the post-logout address (`post_logout_redirect_uri`; Cognito: `logout_uri`). */
  readonly logoutRedirectParameter: string;
}

export const ssoDefaults = {
  scopes: 'openid email profile',
  userClaim: 'email',
  userMapping: 'sip',
  loginSeconds: 600,
  providerTimeoutMs: 3000,
  logoutRedirectParameter: 'post_logout_redirect_uri',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const positiveInt = (env: Env, name: string): number | undefined => readInteger(env, name, secondsRange);

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/**
 * Provider addresses must be https; plain http is accepted on loopback only (a provider on the
 * developer's own machine, as the tests run one), where nothing travels over a network.
 */
export function isProviderUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

function providerUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!isProviderUrl(raw)) {
    throw new ConfigError(
      `${name} must be an https URL (http only on loopback) without credentials or fragment`,
    );
  }
  return raw;
}

/** A per-site setting: `NAME_<SITE>`, else `NAME`. */
const perSiteInt = (env: Env, name: string, site: Site): number | undefined =>
  positiveInt(env, `${name}_${site.toUpperCase()}`) ?? positiveInt(env, name);

/** Whether `site` offers SSO; the sign-in chooser asks this without building anything else. */
export function ssoOffered(site: Site, env: Env): boolean {
  if (!env.SSO_ISSUER) return false;
  try {
    return readSiteList(env, 'SSO_SITES', sites).includes(site);
  } catch {
    return false;
  }
}

/** The SSO settings, or undefined when no provider is configured (`SSO_ISSUER` unset). */
export function readSsoSettings(env: Env): SsoSettings | undefined {
  const issuer = providerUrl(env, 'SSO_ISSUER');
  if (!issuer) return undefined;
  const clientId = env.SSO_CLIENT_ID;
  if (!clientId) throw new ConfigError('missing required setting SSO_CLIENT_ID (SSO_ISSUER is set)');
  const clientSecret = env.SSO_CLIENT_SECRET
    ? { value: env.SSO_CLIENT_SECRET }
    : env.SSO_CLIENT_SECRET_ARN
      ? { secretArn: env.SSO_CLIENT_SECRET_ARN }
      : undefined;
  const clientAuth = env.SSO_CLIENT_AUTH || (clientSecret ? 'client_secret_basic' : 'none');
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post' && clientAuth !== 'none') {
    throw new ConfigError('SSO_CLIENT_AUTH must be client_secret_basic, client_secret_post or none');
  }
  if (clientAuth !== 'none' && !clientSecret) {
    throw new ConfigError(`SSO_CLIENT_AUTH ${clientAuth} needs SSO_CLIENT_SECRET or SSO_CLIENT_SECRET_ARN`);
  }
  const scopes = env.SSO_SCOPES || ssoDefaults.scopes;
  if (!scopes.split(/\s+/).includes('openid')) throw new ConfigError('SSO_SCOPES must include openid');
  const userMapping = env.SSO_USER_MAPPING || ssoDefaults.userMapping;
  if (userMapping !== 'sip' && userMapping !== 'account') {
    throw new ConfigError('SSO_USER_MAPPING must be sip or account');
  }
  const logoutRedirectParameter = env.SSO_LOGOUT_REDIRECT_PARAMETER || ssoDefaults.logoutRedirectParameter;
  if (!/^[a-z_]{1,64}$/.test(logoutRedirectParameter)) {
    throw new ConfigError('SSO_LOGOUT_REDIRECT_PARAMETER must be a parameter name such as logout_uri');
  }
  return {
    issuer,
    clientId,
    clientSecret,
    clientAuth,
    scopes,
    userClaim: env.SSO_USER_CLAIM || ssoDefaults.userClaim,
    userMapping,
    accountDomains: readAccountDomains(env, 'SSO_ACCOUNT_DOMAINS'),
    sites: readSiteList(env, 'SSO_SITES', sites),
    perSite: Object.fromEntries(
      sites.map((site) => [
        site,
        {
          idleSeconds: perSiteInt(env, 'SSO_IDLE_SECONDS', site),
          persistentCookieSeconds: perSiteInt(env, 'SSO_PERSISTENT_COOKIE_SECONDS', site),
        },
      ]),
    ) as Record<Site, SsoSitePolicy>,
    loginSeconds: positiveInt(env, 'SSO_LOGIN_SECONDS') ?? ssoDefaults.loginSeconds,
    providerTimeoutMs:
      readInteger(env, 'SSO_PROVIDER_TIMEOUT_MS', millisecondsRange) ?? ssoDefaults.providerTimeoutMs,
    endSessionEndpoint: providerUrl(env, 'SSO_END_SESSION_ENDPOINT'),
    logoutRedirectParameter,
  };
}
