import { isAppError } from '../core/errors.ts';
import { beginTotpEnrolment, confirmTotpEnrolment, totpOf } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { ticketRoute } from './adapter.ts';
import { assertNotCrossSite, readFields, stringField } from './request.ts';
import { html, json } from './respond.ts';
import { enrolPage, totpSetupPage } from './two-factor-pages.ts';

/**
 * Enrolment of second factors by the signed-in user (ticket required):
 * `GET /auth/two-factor/enrol` shows them; `POST /auth/two-factor/enrol/totp` starts an
 * authenticator app (a new secret); `POST /auth/two-factor/enrol/totp/confirm` activates it with
 * its first code. Forms get pages; JSON clients get JSON. Once the account has a second factor,
 * adding or changing one needs a session signed in with two-factor (403 two_factor_step_up_required).
 */
export const handler = ticketRoute(async (event, principal, deps) => {
  const { twoFactor, settings } = getTwoFactorDeps(deps);
  const user = principal;
  const status = async () => {
    const factors = await twoFactor.factors.factorsOf(principal.sipUri);
    return {
      totp: factors.totp ? (factors.totp.active ? 'active' : 'pending') : 'none',
      securityKeys: factors.securityKeys.length,
    } as const;
  };
  if (event.requestContext.http.method === 'GET') {
    const current = await status();
    if ((event.headers.accept ?? '').includes('application/json')) return json(200, current);
    const hasFactor = current.totp === 'active' || current.securityKeys > 0;
    return html(200, enrolPage({ ...current, stepUp: hasFactor && principal.authMethod !== 'two-factor' }));
  }
  assertNotCrossSite(event, deps.env);
  const { kind, fields } = readFields(event);
  if (event.rawPath.endsWith('/confirm')) {
    try {
      await confirmTotpEnrolment(twoFactor, user, stringField(fields, 'code', 16));
    } catch (err) {
      if (!isAppError(err) || kind === 'json') throw err;
      const pending = (await twoFactor.factors.factorsOf(principal.sipUri)).totp;
      if (!pending || pending.active || err.code === 'two_factor_step_up_required')
        return html(err.status, enrolPage({ ...(await status()), error: err.message }));
      const uri = totpOf(settings.totpIssuer, principal.sipUri, pending.secret).toString();
      return html(err.status, totpSetupPage({ secret: pending.secret, uri, error: err.message }));
    }
    if (kind === 'json') return json(200, await status());
    return html(200, enrolPage({ ...(await status()), message: 'Your authenticator app is set up.' }));
  }
  try {
    const enrolment = await beginTotpEnrolment(twoFactor, user);
    if (kind === 'json') return json(200, enrolment);
    return html(200, totpSetupPage(enrolment));
  } catch (err) {
    if (!isAppError(err) || kind === 'json') throw err;
    return html(err.status, enrolPage({ ...(await status()), error: err.message }));
  }
});
