import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAppError } from '../core/errors.ts';
import { errorResult, html, redirect, type HttpResult } from './respond.ts';
import { ssoRefusedPage } from './sso-page.ts';

/** Browsers navigating (the SSO routes' usual callers) get pages; other clients get JSON. */
const wantsHtml = (event: APIGatewayProxyEventV2): boolean => /text\/html/i.test(event.headers.accept ?? '');

/**
 * An SSO refusal as an answer: the legacy redirect for users without enhanced presence when one is
 * configured, else the contract's status with a page that says why (or JSON). Errors that are not
 * the product's own are rethrown, to become the one 500 the adapter gives.
 */
export function ssoRefusal(event: APIGatewayProxyEventV2, err: unknown, cookies: string[] = []): HttpResult {
  if (!isAppError(err)) throw err;
  const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
  if (legacy) return redirect(legacy, { cookies });
  if (wantsHtml(event)) return html(err.status, ssoRefusedPage(err.message), { cookies });
  return { ...errorResult(err), cookies };
}
