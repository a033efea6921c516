import { isAppError, type AppError } from '../core/errors.ts';
import { signInWithForms } from '../core/signin/forms.ts';
import { passwordOnlyPolicy } from '../core/signin/two-factor.ts';
import { getTwoFactorDeps } from '../two-factor-deps.ts';
import { publicRoute } from './adapter.ts';
import { formsPage } from './pages.ts';
import {
  assertNotCrossSite,
  clientAddressOf,
  isSecureTransport,
  optionalStringField,
  readFields,
  siteOf,
  stringField,
} from './request.ts';
import { errorResult, html, json, redirect } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';

/** Where a browser lands after signing in with the form. */
export const clientAppPath = '/app/';

/**
 * `POST /auth/forms`: a JSON client gets JSON, a browser form gets a redirect to the client, or the
 * form again with the reason it was refused.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  assertNotCrossSite(event);
  const { kind, fields } = readFields(event);
  try {
    const credentials = {
      domain: stringField(fields, 'domain', 64),
      username: stringField(fields, 'username', 256),
      password: stringField(fields, 'password', 1024),
      sipUri: optionalStringField(fields, 'sipUri', 256),
    };
    const { user, ticket } = await signInWithForms(
      {
        directory: deps.directory,
        tickets: deps.tickets,
        regulator: deps.regulator,
        audit: deps.audit,
        legacyUrl: deps.settings.legacyUrl,
        passwordOnly: passwordOnlyPolicy(getTwoFactorDeps(deps).twoFactor),
      },
      credentials,
      { site, secureTransport: isSecureTransport(event), sourceAddress: clientAddressOf(event) },
    );
    const cookies = [setTicketCookie(site, ticket.token)];
    if (kind === 'form') return redirect(clientAppPath, { cookies });
    return json(
      200,
      {
        user: { sipUri: user.sipUri, displayName: user.displayName },
        expiresAt: new Date(ticket.record.expiresAt).toISOString(),
      },
      { cookies },
    );
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
  const text = (name: string) =>
    typeof fields[name] === 'string' ? (fields[name] as string).slice(0, 256) : '';
  return html(
    err.status,
    formsPage({ domain: text('domain'), username: text('username'), error: err.message }),
  );
}
