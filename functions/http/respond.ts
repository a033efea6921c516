import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, isAppError } from '../core/errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

// Security headers are added by the route adapters' middleware (security-headers-middleware.ts).
const noStore = { 'cache-control': 'no-store' } as const;

export function json(statusCode: number, body: unknown, extra: Partial<HttpResult> = {}): HttpResult {
  return {
    ...extra,
    statusCode,
    headers: { ...noStore, 'content-type': 'application/json; charset=utf-8', ...extra.headers },
    body: JSON.stringify(body),
  };
}

export function html(statusCode: number, body: string, extra: Partial<HttpResult> = {}): HttpResult {
  return {
    ...extra,
    statusCode,
    headers: {
      ...noStore,
      'content-type': 'text/html; charset=utf-8',
      ...extra.headers,
    },
    body,
  };
}

export function redirect(location: string, extra: Partial<HttpResult> = {}): HttpResult {
  return { ...extra, statusCode: 303, headers: { ...noStore, location, ...extra.headers }, body: '' };
}

export const noContent = (extra: Partial<HttpResult> = {}): HttpResult => ({
  ...extra,
  statusCode: 204,
  headers: { ...noStore, ...extra.headers },
});

/** The one place an error becomes an HTTP answer: contract errors as they are, anything else as 500. */
export function errorResult(err: unknown): HttpResult {
  if (isAppError(err)) {
    const headers: Record<string, string> = {};
    // Retry-After travels as a header only, so bodies of one kind of refusal are all alike.
    const { retryAfter, ...details } = err.details;
    if (retryAfter) headers['retry-after'] = retryAfter;
    return json(err.status, { error: err.code, message: err.message, ...details }, { headers });
  }
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: String(err) }));
  const internal = new AppError('internal_error', 'Something went wrong on our side; please try again.');
  return json(500, { error: internal.code, message: internal.message });
}
