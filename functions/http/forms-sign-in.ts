import { isAppError, type AppError } from '../core/errors.ts';
import { signInWithForms } from '../core/signin/forms.ts';
import { passwordOnlyPolicy } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer } from './signed-in.ts';
import { formsPage } from './pages.ts';
import {
  assertNotCrossSite,
  passwordCredentialsOf,
  readFields,
  refilledField,
  signInContextOf,
  siteOf,
} from './request.ts';
import { errorResult, html, redirect } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';

/**
 * `POST /auth/forms`: a JSON client gets JSON, a browser form gets a redirect to the client, or the
 * form again with the reason it was refused.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event, deps.env);
  const { kind, fields } = readFields(event);
  try {
    const { user, ticket } = await signInWithForms(
      {
        directory: deps.directory,
        tickets: deps.tickets,
        regulator: deps.regulator,
        audit: deps.audit,
        legacyUrl: deps.settings.legacyUrl,
        passwordOnly: passwordOnlyPolicy(getTwoFactorDeps(deps).twoFactor),
      },
      passwordCredentialsOf(fields),
      signInContextOf(event, deps.env),
    );
    const cookies = [setTicketCookie(site, ticket.token)];
    return signedInAnswer({ user, ticket }, { asJson: kind !== 'form', cookies });
  } catch (err) {
    if (!isAppError(err)) throw err;
    const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
    if (legacy && kind === 'form') return redirect(legacy);
    if (legacy) {
      const refusal = errorResult(err);
      return { ...refusal, statusCode: 303, headers: { ...refusal.headers, location: legacy } };
    }
    if (kind === 'json') throw err;
    return formPage(err, fields);
  }
});

function formPage(err: AppError, fields: Record<string, unknown>) {
  const page = formsPage({
    domain: refilledField(fields, 'domain'),
    username: refilledField(fields, 'username'),
    error: err.message,
  });
  return html(err.status, page);
}
