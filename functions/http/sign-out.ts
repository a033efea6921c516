import { signOut } from '../core/signin/sign-out.ts';
import { publicRoute } from './adapter.ts';
import { assertNotCrossSite, siteOf } from './request.ts';
import { noContent, redirect } from './respond.ts';
import { signOutDestination } from './sign-out-destination.ts';
import { clearTicketCookie, readTicketCookie } from './ticket-cookie.ts';

/**
 * `POST /auth/signout`: revokes the ticket, closes its live connections and clears the cookie.
 * Public on purpose, so a browser holding an expired ticket can still clear it; the token's own
 * signature decides which ticket it may end. The browser then goes to the site's sign-out page,
 * by way of the identity provider's own sign-out for an SSO session.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event, deps.env);
  const ended = await signOut(deps, readTicketCookie(event.cookies, site));
  const next = await signOutDestination(deps, site, ended);
  const cookies = [clearTicketCookie(site), ...next.cookies];
  const isJson = (event.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  const wantsJson = isJson || (event.headers.accept ?? '').includes('application/json');
  // A script that signed out learns where the browser should go next from Location.
  return wantsJson
    ? noContent({ cookies, headers: { location: next.location } })
    : redirect(next.location, { cookies });
});
