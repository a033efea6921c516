import type { DirectoryUser } from '../core/model.ts';
import type { IssuedTicket } from '../core/tickets/tickets.ts';
import { json, redirect, type HttpResult } from './respond.ts';

/** Where a browser lands after signing in, whichever way it signed in. */
export const clientAppPath = '/app/';

export interface SignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
}

/** What the contract tells a JSON client about its new session: who, and until when at most. */
export const signedInBody = ({ user, ticket }: SignedIn) => ({
  user: { sipUri: user.sipUri, displayName: user.displayName },
  expiresAt: new Date(ticket.record.expiresAt).toISOString(),
});

/**
 * The answer to a successful sign-in, with its cookies (the ticket's among them): the client app for
 * a browser, the contract's JSON for a client that asked for it.
 */
export function signedInAnswer(
  signedIn: SignedIn,
  answer: { readonly asJson: boolean; readonly cookies: string[]; readonly headers?: Record<string, string> },
): HttpResult {
  const extra = { cookies: answer.cookies, ...(answer.headers ? { headers: answer.headers } : {}) };
  if (!answer.asJson) return redirect(clientAppPath, extra);
  return json(200, signedInBody(signedIn), extra);
}

/** Whether the request asked for JSON (`Accept: application/json`) rather than a page. */
export const wantsJson = (headers: Readonly<Record<string, string | undefined>>): boolean =>
  (headers.accept ?? '').includes('application/json');
