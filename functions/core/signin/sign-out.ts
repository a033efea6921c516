import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Realtime } from '../realtime/realtime.ts';
import type { Tickets } from '../tickets/tickets.ts';

export interface SignOutDeps {
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly audit: AuditLog;
}

/**
 * Ends a ticket: its record is deleted (so the cookie is refused everywhere from now on) and each
 * of its live connections is told `session.ended` and closed. A missing or foreign token is not an
 * error: signing out twice is harmless.
 */
export async function signOut(deps: SignOutDeps, token: string | undefined): Promise<void> {
  if (!token) return;
  const ticketId = await deps.tickets.ticketIdOf(token);
  if (!ticketId) return;
  const record = await deps.tickets.revoke(ticketId);
  if (!record) return;
  deps.audit.record({ event: 'signout', sipUri: record.sipUri, session: sessionOf(record.ticketId) });
  await deps.realtime.endTicketConnections(record, 'signed_out');
}
