import { isAppError } from '../core/errors.ts';
import { startTwoFactorSignIn } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import {
  assertNotCrossSite,
  passwordCredentialsOf,
  readFields,
  refilledField,
  signInContextOf,
  siteOf,
} from './request.ts';
import { html, json, redirect } from './respond.ts';
import { setTwoFactorCookie } from './two-factor-cookie.ts';
import { passwordStepPage } from './two-factor-pages.ts';

/** Where the browser takes the second step. */
export const secondStepPath = '/auth/two-factor/verify';

/**
 * `POST /auth/two-factor`: step 1, the password (checked as forms sign-in checks it). The browser
 * gets the two-factor cookie and goes to the second step; a JSON client learns which second factors
 * the account has.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event, deps.env);
  const { kind, fields } = readFields(event);
  try {
    const step = await startTwoFactorSignIn(
      getTwoFactorDeps(deps).twoFactor,
      passwordCredentialsOf(fields),
      signInContextOf(event, deps.env),
    );
    const cookies = [setTwoFactorCookie(site, step.token, step.maxAgeSeconds)];
    if (kind === 'form') return redirect(secondStepPath, { cookies });
    return json(
      200,
      { secondFactor: { methods: step.methods, expiresInSeconds: step.maxAgeSeconds } },
      { cookies },
    );
  } catch (err) {
    if (!isAppError(err) || kind === 'json') throw err;
    const page = passwordStepPage({
      domain: refilledField(fields, 'domain'),
      username: refilledField(fields, 'username'),
      error: err.message,
    });
    return html(err.status, page);
  }
});
