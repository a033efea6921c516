/** The HTTP side of the client: who is signed in, and signing out. */

export interface Session {
  readonly user: { readonly sipUri: string; readonly displayName: string };
  readonly expiresAt: string | number;
  readonly authMethod: string;
  readonly site: string;
}

export type SessionAnswer =
  { readonly kind: 'signed-in'; readonly session: Session } | { readonly kind: 'signed-out' };

/** Where people sign in (the server-rendered chooser). */
export const signInPath = '/';

/** Asks the server whose ticket this browser holds. Network trouble and server errors throw. */
export async function fetchSession(): Promise<SessionAnswer> {
  const response = await fetch('/api/session', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    cache: 'no-store',
  });
  if (response.status === 401) return { kind: 'signed-out' };
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const body = (await response.json()) as Partial<Session>;
  if (typeof body.user?.sipUri !== 'string') throw new Error('the server sent an unexpected session');
  return {
    kind: 'signed-in',
    session: {
      user: { sipUri: body.user.sipUri, displayName: body.user.displayName || body.user.sipUri },
      expiresAt: body.expiresAt ?? '',
      authMethod: body.authMethod ?? '',
      site: body.site ?? '',
    },
  };
}

/**
 * Tells the server this page is going (from `pagehide`): the ticket ends within seconds unless the
 * page comes back at once (a reload). A beacon is delivered even as the page unloads; when it cannot
 * be sent, the server's grace period for a closed connection still ends the ticket.
 */
export function leaveSession(): void {
  navigator.sendBeacon('/api/session/leave');
}

/**
 * Revokes the ticket; the server also closes this ticket's live connections. Answers where the
 * browser goes next: the site's sign-out page, by way of the identity provider's sign-out after
 * single sign-on (the server's `Location`).
 */
export async function signOut(): Promise<string> {
  const response = await fetch('/auth/signout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return response.headers.get('location') || signInPath;
}
