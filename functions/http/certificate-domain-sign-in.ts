import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AppError, isAppError } from '../core/errors.ts';
import { assertCertificateOffered, checkCertificateForHandoff } from '../core/signin/certificate.ts';
import { isHandoffState, issueHandoff } from '../core/signin/certificate-handoff.ts';
import { getCertificateDeps } from '../certificate-deps.ts';
import { correlated } from '../correlation.ts';
import type { HandlerRuntime } from '../entry.ts';
import { entry } from '../entry.ts';
import { certificatePage, certificatePath } from './certificate-page.ts';
import { siteOf } from './request.ts';
import { errorResult, html, redirect, type HttpResult } from './respond.ts';
import { securityHeaders } from './security-headers-middleware.ts';
import { signInRefusedPage } from './sign-in-refused-page.ts';
import { siteOriginOf } from './site-origin.ts';

/** A header of a REST API event, whatever the case the client sent its name in. */
const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

const directAccess = () =>
  new AppError(
    'direct_access_refused',
    "This API answers only through the site's smart card sign-in address.",
  );

/**
 * `GET /auth/certificate` on a site's mutual-TLS sign-in domain (AWS only): the first half of a
 * smart card sign-in (docs/sign-in/smart-cards.md, "On AWS"). API Gateway's REST API on that domain
 * requires a client certificate its truststore accepts (the handshake fails otherwise) and hands it
 * over in `requestContext.identity.clientCert` (payload format 1.0); the handler checks it again
 * (chain, validity, use, revocation) and sends the browser back to the site with a hand-off naming
 * the holder, bound to the `state` the site issued. The site, through CloudFront as always, signs
 * the holder in.
 *
 * It answers only requests API Gateway received on the site's own domain with a certificate
 * context (the API's `execute-api` address is switched off as well): the origin-verify check of the
 * site's handlers does not apply here, because nothing here comes through CloudFront, and nothing
 * here mints a ticket or sets a cookie.
 */
async function answer(runtime: HandlerRuntime, event: APIGatewayProxyEvent): Promise<HttpResult> {
  const site = siteOf(event);
  const siteOrigin = siteOriginOf(site, runtime.env);
  try {
    const deps = await runtime.deps();
    const { settings, signIn } = getCertificateDeps(deps);
    assertCertificateOffered(signIn?.rules, site);
    const domain = settings?.domains[site];
    if (!domain || event.requestContext.domainName !== new URL(domain).host) throw directAccess();
    const state = event.queryStringParameters?.state ?? undefined;
    if (!isHandoffState(state)) {
      throw new AppError('bad_request', 'Start the smart card sign-in from the site’s sign-in page.');
    }
    const handoff = await checkCertificateForHandoff(
      signIn,
      event.requestContext.identity.clientCert?.clientCertPem,
      {
        site,
        sourceAddress: event.requestContext.identity.sourceIp,
      },
    );
    const token = await issueHandoff(deps.tickets.keys, deps.clock, handoff, state);
    return redirect(`${siteOrigin}${certificatePath}?handoff=${token}`);
  } catch (err) {
    if (!isAppError(err)) throw err;
    if (/text\/html/i.test(headerOf(event, 'accept') ?? '')) {
      return html(err.status, signInRefusedPage({ ...certificatePage, siteOrigin }, err.message));
    }
    return errorResult(err);
  }
}

export const handler = entry((runtime) =>
  correlated(
    middy<APIGatewayProxyEvent, HttpResult>()
      .use(securityHeaders())
      .use({
        onError: (request) => {
          request.response = errorResult(request.error);
        },
      })
      .handler((event) => answer(runtime, event)),
  ),
);
