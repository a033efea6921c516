import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAppError } from '../core/errors.ts';
import { errorResult, html, redirect, type HttpResult } from './respond.ts';
import { signInRefusedPage, type SignInMethodPage } from './sign-in-refused-page.ts';

/** Browsers navigating (these routes' usual callers) get pages; other clients get JSON. */
const wantsHtml = (event: APIGatewayProxyEventV2): boolean => /text\/html/i.test(event.headers.accept ?? '');

/**
 * A refusal of a navigated sign-in method (SSO, assertion, certificate) as an answer: the legacy
 * redirect for users without enhanced presence when one is configured, else the contract's status
 * with a page that says why (or JSON). Errors that are not the product's own are rethrown, to become
 * the one 500 the adapter gives.
 */
export function signInRefusal(
  event: APIGatewayProxyEventV2,
  err: unknown,
  method: SignInMethodPage,
  cookies: string[] = [],
): HttpResult {
  if (!isAppError(err)) throw err;
  const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
  if (legacy) return redirect(legacy, { cookies });
  if (wantsHtml(event)) return html(err.status, signInRefusedPage(method, err.message), { cookies });
  return { ...errorResult(err), cookies };
}
