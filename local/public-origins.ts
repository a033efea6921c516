import { isIPv6 } from 'node:net';
import { sites, type Site } from '../functions/core/model.ts';
import { parsePublicOrigins, publicOriginSetting } from '../functions/public-origin-config.ts';

/**
 * The addresses a browser on this machine can open a site by, when it listens on `host`:
 * `localhost` first (the address the start banner and the README give), then the loopback
 * address itself, which some browsers and tools use instead (`http://127.0.0.1:8080`).
 */
export function defaultPublicOrigins(host: string, port: number, scheme: 'http' | 'https'): string[] {
  const loopbackNames: Record<string, string[]> = {
    '127.0.0.1': ['localhost', '127.0.0.1'],
    '::1': ['localhost', '[::1]'],
    localhost: ['localhost', '127.0.0.1', '[::1]'],
    '0.0.0.0': ['localhost', '127.0.0.1'],
    '::': ['localhost', '127.0.0.1', '[::1]'],
  };
  const names = loopbackNames[host] ?? [isIPv6(host) ? `[${host}]` : host];
  return names.map((name) => `${scheme}://${name}:${port}`);
}

/** The administrator's `PUBLIC_ORIGIN_<SITE>`, checked (a bad one stops the start naming the setting). */
export function configuredPublicOrigins(
  configured: Readonly<Partial<Record<Site, string>>>,
): Partial<Record<Site, readonly string[]>> {
  const origins: Partial<Record<Site, readonly string[]>> = {};
  for (const site of sites) {
    const raw = configured[site]?.trim();
    if (raw) origins[site] = parsePublicOrigins(publicOriginSetting(site), raw).accepted;
  }
  return origins;
}

/**
 * `PUBLIC_ORIGIN_<SITE>` for the handlers: the administrator's origins, else the addresses this
 * runtime serves the site on.
 */
export function publicOriginEnvironment(options: {
  readonly configured: Partial<Record<Site, readonly string[]>>;
  readonly host: string;
  readonly scheme: 'http' | 'https';
  readonly ports: Readonly<Record<Site, number>>;
}): Record<string, string> {
  return Object.fromEntries(
    sites.map((site) => {
      const origins =
        options.configured[site] ?? defaultPublicOrigins(options.host, options.ports[site], options.scheme);
      return [publicOriginSetting(site), origins.join(',')];
    }),
  );
}
