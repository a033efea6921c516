import { AppError } from '../core/errors.ts';
import { twoFactorOffered } from '../two-factor-config.ts';
import { selfContainedRoute } from './adapter.ts';
import { siteOf } from './request.ts';
import { html } from './respond.ts';
import { passwordStepPage } from './two-factor-pages.ts';

/** `GET /auth/two-factor`: step 1 of two-factor sign-in, the password form. */
export const handler = selfContainedRoute(async (event, env) => {
  if (!twoFactorOffered(siteOf(event), env)) {
    throw new AppError('two_factor_not_configured', 'Two-factor sign-in is not available on this site.');
  }
  return html(200, passwordStepPage());
});
