import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Realtime } from '../realtime/realtime.ts';
import type { TicketRecord } from '../tickets/store.ts';
import type { Tickets } from '../tickets/tickets.ts';

export interface SignOutDeps {
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly audit: AuditLog;
}

/**
 * Ends a ticket: its record is deleted (so the cookie is refused everywhere from now on) and each
 * of its live connections is told `session.ended` and closed. A missing or foreign token is not an
 * error: signing out twice is harmless. Answers the ended ticket's record, if there was one.
 */
export async function signOut(
  deps: SignOutDeps,
  token: string | undefined,
): Promise<TicketRecord | undefined> {
  if (!token) return undefined;
  const ticketId = await deps.tickets.ticketIdOf(token);
  if (!ticketId) return undefined;
  const record = await deps.tickets.revoke(ticketId);
  if (!record) return undefined;
  deps.audit.record({ event: 'signout', sipUri: record.sipUri, session: sessionOf(record.ticketId) });
  await deps.realtime.endTicketConnections(record, 'signed_out');
  return record;
}
