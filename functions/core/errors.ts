/**
 * Every refusal the product gives has a stable code; adapters map it to HTTP or a WebSocket
 * `error` frame in one place (`http/respond.ts`, `ws/respond.ts`).
 */
export const errorStatus = {
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  unauthenticated: 401,
  invalid_credentials: 401,
  https_required: 403,
  cross_site_request: 403,
  user_disabled: 403,
  remote_access_denied: 403,
  sip_uri_mismatch: 403,
  enhanced_presence_required: 403,
  payload_too_large: 413,
  // Refusals of the local gateway itself, before any handler runs (on AWS, API Gateway's own).
  request_timeout: 408,
  headers_too_large: 431,
  method_not_implemented: 501,
  // The organisation's directory (LDAP / Active Directory) did not answer in time; see functions/core/directory/ldap/.
  directory_unavailable: 503,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  unknown_action: 400,
  text_too_long: 413,
  rate_limited: 429,
  // The server was too busy to run a WebSocket frame (nothing of it ran); the client may send it again.
  busy: 503,
  // Integrated Windows sign-in (Negotiate: Kerberos, NTLM); see functions/core/kerberos and ntlm.
  windows_auth_required: 401,
  windows_site_refused: 403,
  windows_user_unknown: 403,
  negotiate_malformed: 400,
  negotiate_unsupported_mechanism: 400,
  kerberos_unsupported_etype: 401,
  kerberos_wrong_key_version: 401,
  kerberos_wrong_service: 401,
  kerberos_integrity_failed: 401,
  kerberos_ticket_expired: 401,
  kerberos_ticket_not_yet_valid: 401,
  kerberos_clock_skew: 401,
  kerberos_replay: 401,
  kerberos_principal_mismatch: 401,
  ntlm_not_enabled: 403,
  ntlm_unsupported: 401,
  ntlm_challenge_expired: 401,
  // The NTLM answer names another server (MsvAvTargetName): a relayed answer.
  ntlm_target_mismatch: 401,
  // Single sign-on through an OpenID provider; see functions/core/signin/sso.ts.
  sso_not_configured: 404,
  sso_state_invalid: 400,
  sso_denied: 401,
  sso_code_rejected: 401,
  sso_token_invalid: 401,
  sso_nonce_mismatch: 401,
  sso_user_unknown: 403,
  sso_provider_unavailable: 503,
  // Sign-in asserted by an upstream authenticator; see functions/core/signin/assertion.ts.
  assertion_not_configured: 404,
  assertion_required: 401,
  assertion_invalid: 401,
  assertion_expired: 401,
  assertion_replayed: 401,
  assertion_user_unknown: 403,
  assertion_keys_unavailable: 503,
  // Smart card (client certificate) sign-in; see functions/core/signin/certificate.ts.
  certificate_not_configured: 404,
  certificate_required: 401,
  certificate_invalid: 401,
  certificate_expired: 401,
  // On its certification authority's revocation list (CLIENT_CERT_CRL_FILE).
  certificate_revoked: 401,
  // The revocation list of the certificate's CA is missing, unreadable or past its next update.
  certificate_status_unavailable: 503,
  certificate_user_unknown: 403,
  // The hand-off back from the site's mutual-TLS sign-in domain (AWS) is forged, late, or for another browser.
  certificate_handoff_invalid: 400,
  // Two-factor sign-in (password plus an authenticator app or a security key); see functions/core/signin/two-factor.ts.
  two_factor_not_configured: 404,
  two_factor_required: 403,
  two_factor_not_enrolled: 403,
  two_factor_expired: 401,
  two_factor_already_enrolled: 409,
  // Adding or replacing a second factor when one is active needs a session signed in with two-factor.
  two_factor_step_up_required: 403,
  second_factor_invalid: 401,
  second_factor_reused: 401,
  // A request that reached an API without passing through the site's CloudFront distribution.
  direct_access_refused: 403,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response details that are safe to show the caller (e.g. a redirect location). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
