import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Browsers navigating here get pages and redirects; other clients (curl, scripts) get JSON. */
export const wantsHtml = (event: APIGatewayProxyEventV2): boolean =>
  /text\/html/i.test(event.headers.accept ?? '');

/** The query that asks for the NTLM fallback in a browser: `/auth/windows?method=ntlm`. */
export const ntlmFallbackQuery = 'method=ntlm';

const asksForNtlm = (event: APIGatewayProxyEventV2): boolean =>
  event.queryStringParameters?.method === 'ntlm';

/** What this server can do for Windows sign-in. */
export interface WindowsMechanisms {
  readonly kerberos: boolean;
  readonly ntlm: boolean;
}

/**
 * The `WWW-Authenticate` value of a 401. API Gateway's v2 results carry one line per header name
 * (values joined with commas), and Chromium reads only the first challenge of a line: offered
 * `Negotiate, NTLM` it tries neither. So a browser is offered one scheme, Negotiate (with the NTLM
 * fallback linked from the page it shows when Negotiate fails) or NTLM when it asked for the
 * fallback or Kerberos is not configured; other clients (curl, .NET, scripts) read the list.
 */
export function windowsChallenge(event: APIGatewayProxyEventV2, can: WindowsMechanisms): string {
  if (!can.ntlm) return 'Negotiate';
  if (!can.kerberos) return 'NTLM';
  if (wantsHtml(event)) return asksForNtlm(event) ? 'NTLM' : 'Negotiate';
  return 'Negotiate, NTLM';
}

/** Where a browser that could not complete Negotiate may try NTLM instead; undefined when it cannot. */
export function ntlmFallbackOf(event: APIGatewayProxyEventV2, can: WindowsMechanisms): string | undefined {
  if (!can.ntlm || !can.kerberos || asksForNtlm(event)) return undefined;
  return `${event.rawPath}?${ntlmFallbackQuery}`;
}
