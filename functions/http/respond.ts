import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, isAppError } from '../core/errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const securityHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const htmlPolicy =
  "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

export function json(statusCode: number, body: unknown, extra: Partial<HttpResult> = {}): HttpResult {
  return {
    ...extra,
    statusCode,
    headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', ...extra.headers },
    body: JSON.stringify(body),
  };
}

export function html(statusCode: number, body: string, extra: Partial<HttpResult> = {}): HttpResult {
  return {
    ...extra,
    statusCode,
    headers: {
      ...securityHeaders,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': htmlPolicy,
      ...extra.headers,
    },
    body,
  };
}

export function redirect(location: string, extra: Partial<HttpResult> = {}): HttpResult {
  return { ...extra, statusCode: 303, headers: { ...securityHeaders, location, ...extra.headers }, body: '' };
}

export const noContent = (extra: Partial<HttpResult> = {}): HttpResult => ({
  ...extra,
  statusCode: 204,
  headers: { ...securityHeaders, ...extra.headers },
});

/** The one place an error becomes an HTTP answer: contract errors as they are, anything else as 500. */
export function errorResult(err: unknown): HttpResult {
  if (isAppError(err)) {
    const headers: Record<string, string> = {};
    if (err.code === 'too_many_attempts' && err.details.retryAfter)
      headers['retry-after'] = err.details.retryAfter;
    return json(err.status, { error: err.code, message: err.message, ...err.details }, { headers });
  }
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: String(err) }));
  const internal = new AppError('internal_error', 'Something went wrong on our side; please try again.');
  return json(500, { error: internal.code, message: internal.message });
}
