import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RelyingParty } from '../core/signin/security-key.ts';
import type { TwoFactorSettings } from '../two-factor-config.ts';
import { siteOriginOf } from './site-origin.ts';

/**
 * The WebAuthn relying party of a request: the site's origin as the browser sees it, and
 * `WEBAUTHN_RP_ID` (else that origin's host name). The browser itself refuses an id that is not
 * the origin's host or one of its parent domains, so a forged host cannot borrow another site's keys.
 */
export function relyingPartyOf(event: APIGatewayProxyEventV2, settings: TwoFactorSettings): RelyingParty {
  const origin = siteOriginOf(event);
  return { id: settings.webAuthnRpId ?? new URL(origin).hostname, origin, name: settings.totpIssuer };
}
