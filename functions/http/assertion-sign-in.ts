import { assertAssertionOffered, signInWithAssertion } from '../core/signin/assertion.ts';
import { getAssertionDeps } from '../assertion-deps.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer, wantsJson } from './signed-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
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
      sourceAddress: clientAddressOf(event, deps.env),
    });
    const cookies = [setTicketCookie(site, ticket.token)];
    return signedInAnswer({ user, ticket }, { asJson: wantsJson(event.headers), cookies });
  } catch (err) {
    return signInRefusal(event, err, {
      title: 'Sign-in through your organisation’s gateway',
      retryPath: '/auth/assertion',
    });
  }
});
