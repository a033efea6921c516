import { assertCertificateOffered, signInWithCertificate } from '../core/signin/certificate.ts';
import { getCertificateDeps } from '../certificate-deps.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer, wantsJson } from './signed-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
import { signInRefusal } from './sign-in-refusal.ts';
import { setTicketCookie } from './ticket-cookie.ts';

const certificatePage = { title: 'Smart card sign-in', retryPath: '/auth/certificate' } as const;

/**
 * `GET /auth/certificate`: sign-in with the client certificate (smart card) the TLS layer accepted:
 * API Gateway mutual TLS hands it over in `requestContext.authentication.clientCert`, as the local
 * gateway does for its TLS listener. A browser is sent on to the client app; others get JSON.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  try {
    const { signIn } = getCertificateDeps(deps);
    assertCertificateOffered(signIn?.rules, site);
    const { user, ticket } = await signInWithCertificate(
      signIn,
      event.requestContext.authentication?.clientCert?.clientCertPem,
      { site, sourceAddress: clientAddressOf(event) },
    );
    const cookies = [setTicketCookie(site, ticket.token)];
    return signedInAnswer({ user, ticket }, { asJson: wantsJson(event.headers), cookies });
  } catch (err) {
    return signInRefusal(event, err, certificatePage);
  }
});
