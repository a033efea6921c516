import { isAppError } from '../core/errors.ts';
import { completeWithTotp } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer } from './signed-in.ts';
import { assertNotCrossSite, readFields, signInContextOf, siteOf, stringField } from './request.ts';
import { html, redirect } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';
import { clearTwoFactorCookie, readTwoFactorCookie } from './two-factor-cookie.ts';
import { expiredStepPage, secondStepPage } from './two-factor-pages.ts';

/** `POST /auth/two-factor/totp`: step 2 with an authenticator app's code; then the ticket. */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event, deps.env);
  const { kind, fields } = readFields(event);
  try {
    const { user, ticket } = await completeWithTotp(
      getTwoFactorDeps(deps).twoFactor,
      readTwoFactorCookie(event.cookies, site),
      stringField(fields, 'code', 16),
      signInContextOf(event, deps.env),
    );
    const cookies = [setTicketCookie(site, ticket.token), clearTwoFactorCookie(site)];
    return signedInAnswer({ user, ticket }, { asJson: kind !== 'form', cookies });
  } catch (err) {
    if (!isAppError(err)) throw err;
    const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
    if (legacy && kind === 'form') return redirect(legacy);
    if (kind === 'json') throw err;
    if (err.code === 'two_factor_expired') return html(err.status, expiredStepPage(err.message));
    return html(err.status, secondStepPage({ methods: ['totp'], error: err.message }));
  }
});
