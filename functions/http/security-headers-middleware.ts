import type middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { HttpResult } from './respond.ts';
import {
  apiContentSecurityPolicy,
  hstsMaxAgeSeconds,
  pageContentSecurityPolicy,
  pageSecurityHeaders,
} from './security-headers.ts';

type MiddlewareOptions = NonNullable<Parameters<typeof httpSecurityHeaders>[0]>;

/**
 * The middleware merges the directives it is given into helmet-style defaults. A default is dropped
 * by a falsy value, except that `sandbox` and `upgrade-insecure-requests` are written when "" (they
 * take no value), so those two need `false`, which the package's types do not allow.
 */
const withoutDefaultDirectives = {
  'base-uri': '',
  'navigate-to': '',
  'report-to': '',
  'require-trusted-types-for': '',
  'trusted-types': '',
  // A sandbox would block the sign-in form; upgrading would break the plain-HTTP local runtime.
  sandbox: false,
  'upgrade-insecure-requests': false,
} as unknown as Record<string, string>;

const options: MiddlewareOptions & { reportingEndpoints: false } = {
  contentSecurityPolicy: { ...withoutDefaultDirectives, ...pageContentSecurityPolicy },
  contentTypeOptions: { action: pageSecurityHeaders['x-content-type-options'] },
  referrerPolicy: { policy: pageSecurityHeaders['referrer-policy'] },
  frameOptions: { action: pageSecurityHeaders['x-frame-options'] },
  strictTransportSecurity: { maxAge: hstsMaxAgeSeconds, includeSubDomains: false, preload: false },
  // Deprecated (X-XSS-Protection, Report-To), empty without an endpoint (Reporting-Endpoints), a
  // list of mostly unknown features browsers warn about (Permissions-Policy), or unused (poweredBy
  // would write undefined header values).
  xssProtection: false,
  reportTo: false,
  reportingEndpoints: false,
  permissionsPolicy: false,
  poweredBy: false,
};

/** The middleware writes a policy only for HTML; every other answer gets the API policy. */
const apiPolicy = (): middy.MiddlewareObj<unknown, HttpResult> => {
  const addPolicy = (request: { response: HttpResult | null | undefined }) => {
    const response = request.response;
    if (!response) return;
    const headers = (response.headers ??= {});
    const valueOf = (name: string) =>
      Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    const isHtml = String(valueOf('content-type') ?? '').includes('text/html');
    if (!isHtml && valueOf('content-security-policy') === undefined) {
      headers['Content-Security-Policy'] = apiContentSecurityPolicy;
    }
  };
  return { after: addPolicy, onError: addPolicy };
};

/**
 * Security headers on every answer of an HTTP route: the page policy on HTML, the API policy on the
 * rest, HSTS, nosniff and no referrer everywhere. Use it before the middleware that turns errors
 * into answers, so error answers get the headers too (middy runs `onError` in reverse order).
 */
export const securityHeaders = (): middy.MiddlewareObj<unknown, HttpResult>[] => [
  httpSecurityHeaders(options) as middy.MiddlewareObj<unknown, HttpResult>,
  apiPolicy(),
];
