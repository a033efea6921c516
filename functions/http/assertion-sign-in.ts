import { assertAssertionOffered, signInWithAssertion } from '../core/signin/assertion.ts';
import { getAssertionDeps } from '../assertion-deps.ts';
import { publicRoute } from './adapter.ts';
import { clientAppPath } from './forms-sign-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
import { json, redirect } from './respond.ts';
import { signInRefusal } from './sign-in-refusal.ts';
import { setTicketCookie } from './ticket-cookie.ts';

/**
 * `GET /auth/assertion`: sign-in through a trusted upstream authenticator, which has put its signed
 * assertion in the configured header. A browser is sent on to the client app; other clients get
 * JSON like forms sign-in.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  try {
    const { settings, signIn } = await getAssertionDeps(deps);
    assertAssertionOffered(signIn?.rules, site);
    const { user, ticket } = await signInWithAssertion(signIn, settings && event.headers[settings.header], {
      site,
      sourceAddress: clientAddressOf(event),
    });
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
    return signInRefusal(event, err, {
      title: 'Sign-in through your organisation’s gateway',
      retryPath: '/auth/assertion',
    });
  }
});
