import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError } from '../core/errors.ts';

const hostPattern = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The site's own origin as the browser sees it, for addresses handed to an identity provider
 * (`redirect_uri`, `post_logout_redirect_uri`): the scheme API Gateway (or the local gateway) saw,
 * and the host CloudFront forwards in `X-Forwarded-Host` (else `Host`). A forged host gains nothing:
 * the provider only sends browsers to addresses registered with it.
 */
export function siteOriginOf(event: APIGatewayProxyEventV2): string {
  const host = event.headers['x-forwarded-host'] ?? event.headers.host;
  if (!host || !hostPattern.test(host)) throw new AppError('bad_request', 'The request names no valid host.');
  const scheme = event.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${scheme}://${host.toLowerCase()}`;
}
