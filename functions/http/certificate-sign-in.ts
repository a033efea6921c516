import { assertCertificateOffered, signInWithCertificate } from '../core/signin/certificate.ts';
import { getCertificateDeps } from '../certificate-deps.ts';
import { publicRoute } from './adapter.ts';
import { clientAppPath } from './forms-sign-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
import { json, redirect } from './respond.ts';
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
    if ((event.headers.accept ?? '').includes('application/json')) {
      return json(
        200,
        {
          user: { sipUri: user.sipUri, displayName: user.displayName },
          expiresAt: new Date(ticket.record.expiresAt).toISOString(),
        },
        { cookies },
      );
    }
    return redirect(clientAppPath, { cookies });
  } catch (err) {
    return signInRefusal(event, err, certificatePage);
  }
});
