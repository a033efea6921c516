import { parseCookie, stringifySetCookie } from 'cookie';
import type { Site } from '../core/model.ts';

/**
 * The ticket cookie: HttpOnly, Secure, SameSite=Strict, Path=/ and no Expires or Max-Age, so it
 * dies with the browser session. The `__Host-` prefix makes the browser refuse it unless it is
 * Secure, host-only and Path=/. One name per site, so the two sites never overwrite each other's
 * ticket when they share a host (as they do locally, on two ports).
 */
export const ticketCookieName = (site: Site): string => `__Host-cwa-ticket-${site}`;

const attributes = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' } as const;

/** `maxAgeSeconds` only for the opt-in persistent cookie of SSO users (docs/sign-in/sso.md). */
export const setTicketCookie = (site: Site, token: string, maxAgeSeconds?: number): string =>
  stringifySetCookie(
    ticketCookieName(site),
    token,
    maxAgeSeconds === undefined ? attributes : { ...attributes, maxAge: maxAgeSeconds },
  );

export const clearTicketCookie = (site: Site): string =>
  stringifySetCookie(ticketCookieName(site), '', { ...attributes, expires: new Date(0) });

/** The ticket a request carries for `site`; API Gateway v2 events hand cookies over as a list. */
export function readTicketCookie(cookies: readonly string[] | undefined, site: Site): string | undefined {
  if (!cookies) return undefined;
  const wanted = ticketCookieName(site);
  for (const header of cookies) {
    const value = parseCookie(header)[wanted];
    if (value) return value;
  }
  return undefined;
}
