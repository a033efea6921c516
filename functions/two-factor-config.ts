import { ConfigError, readInteger, secondsRange } from './config.ts';
import { readSiteList } from './setting-values.ts';
import { sites, type Site } from './core/model.ts';
import type { TwoFactorRules } from './core/signin/two-factor.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Two-factor sign-in settings, read once per cold start (docs/sign-in/two-factor.md). */
export interface TwoFactorSettings extends TwoFactorRules {
  /** WebAuthn relying party id (the site's registrable domain); unset = the host the browser used. */
  readonly webAuthnRpId: string | undefined;
}

export const twoFactorDefaults = { pendingSeconds: 300, totpIssuer: 'Web Communicator' } as const;

/** Whether `site` offers two-factor sign-in (on by default); the chooser asks this. */
export function twoFactorOffered(site: Site, env: Env): boolean {
  try {
    return readSiteList(env, 'TWO_FACTOR_SITES', sites, { allowNone: true }).includes(site);
  } catch {
    return false;
  }
}

export function readTwoFactorSettings(env: Env): TwoFactorSettings {
  const offered = readSiteList(env, 'TWO_FACTOR_SITES', sites, { allowNone: true });
  const requiredSites = readSiteList(env, 'TWO_FACTOR_REQUIRED_SITES', [], { allowNone: true });
  const unreachable = requiredSites.filter((site) => !offered.includes(site));
  if (unreachable.length > 0) {
    throw new ConfigError(
      `TWO_FACTOR_REQUIRED_SITES names ${unreachable.join(', ')}, which TWO_FACTOR_SITES leaves out`,
    );
  }
  const rpId = env.WEBAUTHN_RP_ID || undefined;
  if (rpId !== undefined && !/^[a-z0-9.-]+$/i.test(rpId))
    throw new ConfigError('WEBAUTHN_RP_ID must be a host name');
  return {
    sites: offered,
    requiredSites,
    pendingSeconds:
      readInteger(env, 'TWO_FACTOR_PENDING_SECONDS', secondsRange) ?? twoFactorDefaults.pendingSeconds,
    totpIssuer: env.TWO_FACTOR_ISSUER || twoFactorDefaults.totpIssuer,
    webAuthnRpId: rpId,
  };
}
