import type { Site } from '../core/model.ts';
import { ssoEndSessionLocation } from '../core/signin/sso.ts';
import type { TicketRecord } from '../core/tickets/store.ts';
import type { Deps } from '../deps.ts';
import { getSsoDeps } from '../sso-deps.ts';
import { siteOriginOf } from './site-origin.ts';
import { setSsoSignedOutCookie } from './sso-cookies.ts';

export interface SignOutDestination {
  /** Where the browser goes next: the site's sign-out page, or first the provider's sign-out. */
  readonly location: string;
  readonly cookies: readonly string[];
}

/**
 * Where a browser goes after signing out: the site's configured sign-out page (so a reverse proxy
 * can clear its own cookie there). An SSO session is ended at the provider too (RP-initiated logout,
 * which returns to the sign-out page, on the site's configured public origin), and the browser is marked so that the next SSO sign-in asks
 * the provider for credentials again instead of signing the user straight back in.
 */
export async function signOutDestination(
  deps: Deps,
  site: Site,
  ended: TicketRecord | undefined,
): Promise<SignOutDestination> {
  const sso = getSsoDeps(deps);
  const page = sso.signOutPages[site];
  if (ended?.authMethod !== 'sso' || !sso.signIn) return { location: page, cookies: [] };
  const absolutePage = page.startsWith('/') ? `${siteOriginOf(site, deps.env)}${page}` : page;
  const providerSignOut = await ssoEndSessionLocation(sso.signIn, ended, absolutePage);
  return { location: providerSignOut ?? page, cookies: [setSsoSignedOutCookie(site)] };
}
