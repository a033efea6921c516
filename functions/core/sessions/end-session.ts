import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Realtime } from '../realtime/realtime.ts';
import type { TicketRecord } from '../tickets/store.ts';
import type { Tickets } from '../tickets/tickets.ts';

/** Why a session was ended by the product rather than by its user signing out. */
export type EndReason = 'expired' | 'revoked' | 'policy';

export interface SessionEndDeps {
  readonly tickets: Pick<Tickets, 'revoke'>;
  readonly realtime: Pick<Realtime, 'endTicketConnections'>;
  readonly audit: AuditLog;
}

/**
 * Ends one session for good: deletes its ticket record, so its cookie is refused from then on and
 * nothing revives it (re-enabling the user included); records `session.ended` once, by whichever
 * call deleted it; and tells each live connection of the ticket `session.ended` before closing it.
 * Answers the ended ticket, or undefined when it had already ended. A connection that cannot be
 * told (the `@connections` API failing) is logged and left to be refused at its next frame: the
 * session has ended either way, and the caller's own answer (a refusal) stands.
 */
export async function endSession(
  deps: SessionEndDeps,
  ticketId: string,
  reason: EndReason,
): Promise<TicketRecord | undefined> {
  const record = await deps.tickets.revoke(ticketId);
  if (!record) return undefined;
  const session = sessionOf(ticketId);
  deps.audit.record({ event: 'session.ended', reason, sipUri: record.sipUri, session });
  await deps.realtime.endTicketConnections(record, reason).catch((err: unknown) => {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'could not close the connections of an ended session',
        session,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      }),
    );
  });
  return record;
}
