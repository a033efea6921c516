import { isAppError } from '../core/errors.ts';
import { pendingSignIn } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import { siteOf } from './request.ts';
import { html } from './respond.ts';
import { readTwoFactorCookie } from './two-factor-cookie.ts';
import { expiredStepPage, secondStepPage } from './two-factor-pages.ts';

/** `GET /auth/two-factor/verify`: step 2, the second factors this account has. */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  const { twoFactor } = getTwoFactorDeps(deps);
  try {
    const pending = await pendingSignIn(twoFactor, readTwoFactorCookie(event.cookies, site), site);
    const factors = await twoFactor.factors.factorsOf(pending.sipUri);
    const methods = [
      ...(factors.totp?.active ? (['totp'] as const) : []),
      ...(factors.securityKeys.length > 0 ? (['security-key'] as const) : []),
    ];
    return html(200, secondStepPage({ methods }));
  } catch (err) {
    if (!isAppError(err)) throw err;
    return html(err.status, expiredStepPage(err.message));
  }
});
