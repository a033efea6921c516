import { ConfigError } from './config.ts';
import { sites, type Site } from './core/model.ts';

/** Where a browser lands after signing out, per site, when none is configured: the sign-in chooser. */
export const defaultSignOutPage = '/';

/**
 * A sign-out page is an absolute https URL (the reverse proxy's or identity provider's own page, so
 * it can clear its cookie) or a path on the site. It comes from configuration only, never from the
 * request, so sign-out cannot be made an open redirect.
 */
export function isSignOutPage(raw: string): boolean {
  // Control characters and backslashes are refused: browsers read `/\evil` as `//evil`.
  if (raw.includes('\\') || [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return false;
  }
  if (raw.startsWith('/')) return !raw.startsWith('//');
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** `SIGNOUT_PAGE_URL_<SITE>`, else `SIGNOUT_PAGE_URL`, else the chooser; validated when read (at start). */
export function readSignOutPages(
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<Site, string>> {
  const pageOf = (site: Site): string => {
    const name = env[`SIGNOUT_PAGE_URL_${site.toUpperCase()}`]
      ? `SIGNOUT_PAGE_URL_${site.toUpperCase()}`
      : 'SIGNOUT_PAGE_URL';
    const raw = env[name];
    if (!raw) return defaultSignOutPage;
    if (!isSignOutPage(raw)) {
      throw new ConfigError(
        `${name} must be an absolute https URL or a path on the site (starting with one /)`,
      );
    }
    return raw;
  };
  return Object.fromEntries(sites.map((site) => [site, pageOf(site)])) as Record<Site, string>;
}
