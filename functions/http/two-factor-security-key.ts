import { completeWithSecurityKey, securityKeyChallenge } from '../core/signin/security-key.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import { clientAppPath, signedInBody } from './signed-in.ts';
import { relyingPartyOf } from './relying-party.ts';
import { assertNotCrossSite, readFields, signInContextOf, siteOf } from './request.ts';
import { json } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';
import { clearTwoFactorCookie, readTwoFactorCookie } from './two-factor-cookie.ts';

/**
 * The second step with a security key (the page's script calls these with JSON):
 * `POST /auth/two-factor/security-key/options` answers the WebAuthn challenge for the pending
 * sign-in; `POST /auth/two-factor/security-key` takes the key's answer and sets the ticket cookie.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event, deps.env);
  const { settings, twoFactor } = getTwoFactorDeps(deps);
  const { fields } = readFields(event);
  const token = readTwoFactorCookie(event.cookies, site);
  const context = signInContextOf(event, deps.env);
  const party = relyingPartyOf(event, settings, deps.env);
  if (event.rawPath.endsWith('/options')) {
    return json(200, await securityKeyChallenge(twoFactor, token, context, party));
  }
  const { user, ticket } = await completeWithSecurityKey(twoFactor, token, fields.credential, context, party);
  return json(
    200,
    { ...signedInBody({ user, ticket }), location: clientAppPath },
    { cookies: [setTicketCookie(site, ticket.token), clearTwoFactorCookie(site)] },
  );
});
