import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { sites, type Site } from '../core/model.ts';
import type { SettingsSource } from '../deps.ts';
import { publicOriginSetting, readPublicOrigins, type PublicOrigins } from '../public-origin-config.ts';

let cached: { readonly key: string; readonly origins: Readonly<Record<Site, PublicOrigins>> } | undefined;

/**
 * A site's public origins (`PUBLIC_ORIGIN_<SITE>`), read once per process, again only when the
 * setting changes (the local runtime sets it for the ports it listens on, which a restart changes).
 */
export function publicOriginsOf(site: Site, env: SettingsSource): PublicOrigins {
  const key = sites.map((s) => env[publicOriginSetting(s)] ?? '').join('\n');
  if (cached?.key !== key) cached = { key, origins: readPublicOrigins(env) };
  return cached.origins[site];
}

/**
 * The site's own origin, for every absolute address it hands out (the SSO `redirect_uri`, the way
 * back from the provider's sign-out): the configured one, never one a request's `Host` or
 * `X-Forwarded-Host` names, so no client can have the site send browsers or codes elsewhere.
 */
export const siteOriginOf = (site: Site, env: SettingsSource): string => publicOriginsOf(site, env).canonical;

/** Whether a browser's `Origin` is one of the site's public origins (`null` and garbage are not). */
export function isPublicOrigin(site: Site, origin: string | undefined, env: SettingsSource): boolean {
  if (origin === undefined || !URL.canParse(origin)) return false;
  return publicOriginsOf(site, env).accepted.includes(new URL(origin).origin);
}

/**
 * Which of the site's public origins a request came to: the one whose scheme and host are the
 * request's (the host a trusted proxy forwarded, which the gateway passes on from `TRUSTED_PROXIES`
 * only and CloudFront sets itself, else `Host`), else the canonical one. Always a configured
 * origin: a forged host can at most pick another of them.
 */
export function requestOriginOf(event: APIGatewayProxyEventV2, site: Site, env: SettingsSource): string {
  const { canonical, accepted } = publicOriginsOf(site, env);
  const host = (event.headers['x-forwarded-host'] ?? event.headers.host)?.trim().toLowerCase();
  const scheme = event.headers['x-forwarded-proto'] === 'https' ? 'https:' : 'http:';
  const matching = accepted.find((origin) => {
    const url = new URL(origin);
    return url.protocol === scheme && url.host === host;
  });
  return matching ?? canonical;
}
