import { ConfigError } from './config.ts';
import { sites, type Site } from './core/model.ts';

/**
 * A site's public origins: where browsers reach it. The first builds every absolute address the
 * site hands out (the SSO `redirect_uri`, the way back from the provider's sign-out); every one of
 * them passes the checks that compare the browser's idea of the site with the site's own (WebSocket
 * and form `Origin`, NTLM target names). They come from configuration only, never from a request's
 * `Host` or `X-Forwarded-Host`.
 */
export interface PublicOrigins {
  /** The origin addresses are built with. */
  readonly canonical: string;
  /** Every accepted origin, the canonical one first. */
  readonly accepted: readonly string[];
}

/** `PUBLIC_ORIGIN_INTERNAL` / `PUBLIC_ORIGIN_EXTERNAL`. */
export const publicOriginSetting = (site: Site): string => `PUBLIC_ORIGIN_${site.toUpperCase()}`;

/**
 * Parses a comma-separated list of origins (`https://im.contoso.com`, `http://localhost:8080`):
 * http or https, a host, an optional port, nothing else (a trailing `/` is allowed). Each becomes
 * its serialized origin (lower-case host, default port dropped).
 */
export function parsePublicOrigins(name: string, raw: string): PublicOrigins {
  const accepted: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim())) {
    const problem = () =>
      new ConfigError(
        `${name}: "${entry}" is not an origin (http or https, a host and an optional port, e.g. https://im.contoso.com)`,
      );
    if (!URL.canParse(entry)) throw problem();
    const url = new URL(entry);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!['http:', 'https:'].includes(url.protocol) || !bare || /[?#]/.test(entry)) throw problem();
    if (!accepted.includes(url.origin)) accepted.push(url.origin);
  }
  const [canonical] = accepted;
  if (canonical === undefined) throw new ConfigError(`${name} names no origin`);
  return { canonical, accepted };
}

/** Both sites' public origins; a missing or malformed setting is a `ConfigError` naming it. */
export function readPublicOrigins(
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<Site, PublicOrigins>> {
  const originsOf = (site: Site): PublicOrigins => {
    const name = publicOriginSetting(site);
    const raw = env[name]?.trim();
    if (!raw) throw new ConfigError(`missing required setting ${name} (the ${site} site's public origin)`);
    return parsePublicOrigins(name, raw);
  };
  return Object.fromEntries(sites.map((site) => [site, originsOf(site)])) as Record<Site, PublicOrigins>;
}
