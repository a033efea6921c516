import { stringifySetCookie } from 'cookie';
import type { Site } from '../core/model.ts';

/**
 * The state cookie of a smart card sign-in through the site's mutual-TLS domain (AWS). Like the SSO
 * state cookie it is SameSite=Lax: the domain's redirect back to the site is a top-level navigation
 * from another site, on which Strict cookies are not sent. It carries no authority: it only ties the
 * hand-off coming back to the browser that started the sign-in.
 */
const lax = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

/** Time to choose the card and enter its PIN on the domain, and come back. */
const stateSeconds = 5 * 60;

export const certificateStateCookieName = (site: Site): string => `__Host-cwa-certificate-state-${site}`;

export const setCertificateStateCookie = (site: Site, state: string): string =>
  stringifySetCookie(certificateStateCookieName(site), state, { ...lax, maxAge: stateSeconds });

export const clearCertificateStateCookie = (site: Site): string =>
  stringifySetCookie(certificateStateCookieName(site), '', { ...lax, expires: new Date(0) });
