import {
  assertCertificateOffered,
  signInWithCertificate,
  signInWithHandoff,
} from '../core/signin/certificate.ts';
import { newHandoffState } from '../core/signin/certificate-handoff.ts';
import { getCertificateDeps } from '../certificate-deps.ts';
import { publicRoute } from './adapter.ts';
import {
  certificateStateCookieName,
  clearCertificateStateCookie,
  setCertificateStateCookie,
} from './certificate-cookies.ts';
import { certificatePage, certificatePath } from './certificate-page.ts';
import { redirect } from './respond.ts';
import { signedInAnswer, wantsJson } from './signed-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
import { signInRefusal } from './sign-in-refusal.ts';
import { requestOriginOf, siteOriginOf } from './site-origin.ts';
import { readCookie } from './sso-cookies.ts';
import { setTicketCookie } from './ticket-cookie.ts';

/**
 * `GET /auth/certificate`: sign-in with the client certificate (smart card) the TLS layer accepted.
 *
 * - Locally the site's TLS listener asks for the certificate, and the gateway hands it over in
 *   `requestContext.authentication.clientCert`, as API Gateway mutual TLS does: signed in at once.
 * - On AWS the site is behind CloudFront, which passes no client certificate on, so the browser is
 *   sent to the site's mutual-TLS domain (`CLIENT_CERT_DOMAIN_<SITE>`) with a fresh state, kept in a
 *   cookie here; the domain checks the certificate and sends the browser back with a hand-off
 *   (`?handoff=`), which signs the holder in here, on the site's own address, where the ticket
 *   cookie belongs. Every request still comes through CloudFront (the origin check stays on).
 *
 * A browser is sent on to the client app; others get JSON.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  const clearState = [clearCertificateStateCookie(site)];
  try {
    const { settings, signIn } = getCertificateDeps(deps);
    assertCertificateOffered(signIn?.rules, site);
    const context = { site, sourceAddress: clientAddressOf(event, deps.env) };
    const handoff = event.queryStringParameters?.handoff;
    const presented = event.requestContext.authentication?.clientCert?.clientCertPem;
    const domain = settings?.domains[site];
    if (handoff === undefined && !presented && domain) {
      // The domain sends the browser back to the canonical origin: the state cookie must be there.
      const canonical = siteOriginOf(site, deps.env);
      if (requestOriginOf(event, site, deps.env) !== canonical)
        return redirect(`${canonical}${certificatePath}`);
      const state = newHandoffState();
      return redirect(`${domain}${certificatePath}?state=${state}`, {
        cookies: [setCertificateStateCookie(site, state)],
      });
    }
    const { user, ticket } =
      handoff === undefined
        ? await signInWithCertificate(signIn, presented, context)
        : await signInWithHandoff(
            signIn,
            handoff,
            readCookie(event.cookies, certificateStateCookieName(site)),
            context,
          );
    const cookies = [setTicketCookie(site, ticket.token), ...(handoff === undefined ? [] : clearState)];
    return signedInAnswer({ user, ticket }, { asJson: wantsJson(event.headers), cookies });
  } catch (err) {
    return signInRefusal(event, err, certificatePage, event.queryStringParameters?.handoff ? clearState : []);
  }
});
