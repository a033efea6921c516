/**
 * The security headers of every page the product serves, in one place: the HTTP handlers (through
 * `@middy/http-security-headers`), CloudFront's response headers policy for the static client
 * (lib/constructs/web-assets.ts) and the local gateway's static server (local/gateway/static-site.ts).
 * Plain values only, so the CDK app can import them without the handlers' dependencies.
 */

/** Pages load only their own scripts, styles and connections; no inline script or style; never framed. */
export const pageContentSecurityPolicy = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'connect-src': "'self'",
  'frame-ancestors': "'none'",
  'form-action': "'self'",
} as const;

/** API answers are data, never documents: nothing may load through them and nobody may frame them. */
export const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

export const cspHeaderValue = (directives: Readonly<Record<string, string>>): string =>
  Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');

/** One year; browsers ignore the header on plain HTTP, so it is sent wherever it can be. */
export const hstsMaxAgeSeconds = 365 * 24 * 60 * 60;

export const strictTransportSecurity = `max-age=${hstsMaxAgeSeconds}`;

/** Headers every page and static file carries; HSTS is added wherever the answer travels over TLS. */
export const pageSecurityHeaders = {
  'content-security-policy': cspHeaderValue(pageContentSecurityPolicy),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;
