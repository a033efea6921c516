import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Site } from './core/model.ts';
import type { SsoSignInDeps } from './core/signin/sso.ts';
import { DiscoveredOpenIdProvider } from './core/sso/openid-provider.ts';
import { ProviderHttp } from './core/sso/provider-http.ts';
import { perRuntime, type Deps } from './deps.ts';
import { readSignOutPages } from './sign-out-config.ts';
import { isProviderUrl, readSsoSettings, type SsoSettings } from './sso-config.ts';

/** What the SSO handlers (and sign-out) need beyond the shared dependencies; built once per cold start. */
export interface SsoDeps {
  /** Undefined when no provider is configured: SSO routes then answer `sso_not_configured`. */
  readonly settings: SsoSettings | undefined;
  readonly signIn: SsoSignInDeps | undefined;
  readonly signOutPages: Readonly<Record<Site, string>>;
}

/** The client secret, read once when first needed (a Secrets Manager read only where codes are redeemed). */
function secretLoader(source: SsoSettings['clientSecret']): () => Promise<string | undefined> {
  if (!source) return () => Promise.resolve(undefined);
  if ('value' in source) return () => Promise.resolve(source.value);
  let loaded: Promise<string> | undefined;
  return () => {
    loaded ??= new SecretsManagerClient({})
      .send(new GetSecretValueCommand({ SecretId: source.secretArn }))
      .then((result) => {
        if (!result.SecretString) throw new Error('the SSO client secret is empty');
        return result.SecretString.trim();
      })
      .catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
    return loaded;
  };
}

/** Builds nothing that talks to the provider yet: discovery happens at the first sign-in. */
export function buildSsoDeps(
  deps: Deps,
  settings = readSsoSettings(deps.env),
  signOutPages = readSignOutPages(deps.env),
): SsoDeps {
  if (!settings) return { settings, signIn: undefined, signOutPages };
  const provider = new DiscoveredOpenIdProvider(
    { ...settings, clientSecret: secretLoader(settings.clientSecret) },
    new ProviderHttp(settings.providerTimeoutMs),
    isProviderUrl,
  );
  return {
    settings,
    signOutPages,
    signIn: {
      provider,
      logins: deps.stores.ssoLogins,
      sessions: deps.stores.ssoSessions,
      directory: deps.directory,
      tickets: deps.tickets,
      audit: deps.audit,
      clock: deps.clock,
      legacyUrl: deps.settings.legacyUrl,
      rules: settings,
    },
  };
}

/** Built once per runtime, at the first request that needs it. */
export const getSsoDeps = perRuntime((deps) => buildSsoDeps(deps));
