import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RelyingParty } from '../core/signin/security-key.ts';
import type { SettingsSource } from '../deps.ts';
import type { TwoFactorSettings } from '../two-factor-config.ts';
import { siteOf } from './request.ts';
import { requestOriginOf } from './site-origin.ts';

/**
 * The WebAuthn relying party of a request: the public origin of the site the browser came to (one
 * of the configured ones, so a forged host cannot name another), and `WEBAUTHN_RP_ID` (else that
 * origin's host name). The browser itself refuses an id that is not the origin's host or one of its
 * parent domains, and signs the origin it really is on, which must be this one.
 */
export function relyingPartyOf(
  event: APIGatewayProxyEventV2,
  settings: TwoFactorSettings,
  env: SettingsSource,
): RelyingParty {
  const origin = requestOriginOf(event, siteOf(event), env);
  return { id: settings.webAuthnRpId ?? new URL(origin).hostname, origin, name: settings.totpIssuer };
}
