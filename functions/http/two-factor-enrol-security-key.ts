import { beginSecurityKeyEnrolment, finishSecurityKeyEnrolment } from '../core/signin/security-key.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { ticketRoute } from './adapter.ts';
import { relyingPartyOf } from './relying-party.ts';
import { assertNotCrossSite, readFields } from './request.ts';
import { json } from './respond.ts';

/**
 * Adding a security key, by the signed-in user (ticket required; the enrolment page's script calls
 * these with JSON): `POST /auth/two-factor/enrol/security-key/options` answers WebAuthn registration
 * options; `POST /auth/two-factor/enrol/security-key` takes the key's registration.
 */
export const handler = ticketRoute(async (event, principal, deps) => {
  assertNotCrossSite(event, deps.env);
  const { settings, twoFactor } = getTwoFactorDeps(deps);
  const { fields } = readFields(event);
  const party = relyingPartyOf(event, settings, deps.env);
  if (event.rawPath.endsWith('/options')) {
    return json(200, await beginSecurityKeyEnrolment(twoFactor, principal, party));
  }
  await finishSecurityKeyEnrolment(twoFactor, principal, fields.credential, party);
  const factors = await twoFactor.factors.factorsOf(principal.sipUri);
  return json(200, {
    totp: factors.totp?.active ? 'active' : 'none',
    securityKeys: factors.securityKeys.length,
  });
});
