import { signOut } from '../core/signin/sign-out.ts';
import { publicRoute } from './adapter.ts';
import { assertNotCrossSite, siteOf } from './request.ts';
import { noContent, redirect } from './respond.ts';
import { clearTicketCookie, readTicketCookie } from './ticket-cookie.ts';

/** Where a browser goes after signing out. */
export const signedOutPath = '/';

/**
 * `POST /auth/signout`: revokes the ticket, closes its live connections and clears the cookie.
 * Public on purpose, so a browser holding an expired ticket can still clear it; the token's own
 * signature decides which ticket it may end.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event);
  await signOut(deps, readTicketCookie(event.cookies, site));
  const cookies = [clearTicketCookie(site)];
  const isJson = (event.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  const wantsJson = isJson || (event.headers.accept ?? '').includes('application/json');
  return wantsJson ? noContent({ cookies }) : redirect(signedOutPath, { cookies });
});
