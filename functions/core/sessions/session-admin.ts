import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import { normalizeSipUri, type DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { SessionMethod, Site } from '../model.ts';
import type { ConnectionStore } from '../realtime/connections.ts';
import { isAllowed } from '../policy/access.ts';
import type { Realtime } from '../realtime/realtime.ts';
import type { TicketRecord, TicketStore } from '../tickets/store.ts';
import type { Tickets } from '../tickets/tickets.ts';
import type { UserTicketIndex } from '../tickets/user-tickets.ts';
import { endSession } from './end-session.ts';

export interface SessionAdminDeps {
  readonly directory: DirectoryStore;
  /** Whether a ticket is still current, and revocation. */
  readonly tickets: Tickets;
  /** Consistent reads of ticket records (the user index is only eventually consistent). */
  readonly ticketRecords: Pick<TicketStore, 'get'>;
  readonly userTickets: UserTicketIndex;
  readonly connections: ConnectionStore;
  readonly realtime: Realtime;
  readonly audit: AuditLog;
}

/** What an administrator sees of one live session: never its ticket or ticket id. */
export interface SessionSummary {
  /** The session's name in the audit trail (a short hash of its ticket id). */
  readonly session: string;
  readonly site: Site;
  readonly authMethod: SessionMethod;
  /** ms since the epoch */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly idleExpiresAt: number;
  /** Live WebSocket connections of the session. */
  readonly connections: number;
}

/** A user's live sessions, under the SIP URI their tickets carry. */
export interface UserSessions {
  readonly sipUri: string;
  readonly sessions: readonly SessionSummary[];
}

/** The sessions revocation ended, by their audit-trail names. */
export interface Revoked {
  readonly sipUri: string;
  readonly sessions: readonly string[];
}

const unknownUser = (sipUri: string): AppError =>
  new AppError('not_found', `No user ${sipUri} in the directory, and no sessions of theirs.`);

/**
 * Session administration: a user's live sessions, and their revocation. Revoking deletes the
 * ticket record (so its cookie is refused from the next request on), tells each live connection
 * `session.ended` (`revoked`) and closes it, and records the end in the audit trail.
 */
export class SessionAdmin {
  constructor(private readonly deps: SessionAdminDeps) {}

  /** The user's live sessions, oldest first; `not_found` when nobody by that SIP URI is known. */
  async list(sipUri: string): Promise<UserSessions> {
    const user = await this.ownerOf(sipUri);
    const [records, connections] = await Promise.all([
      this.recordsOf(user.ticketIds),
      this.deps.connections.listByUser(user.sipUri),
    ]);
    const sessions = records
      .filter((record) => this.deps.tickets.isCurrent(record))
      .sort((a, b) => a.issuedAt - b.issuedAt)
      .map((record) => ({
        session: sessionOf(record.ticketId),
        site: record.site,
        authMethod: record.authMethod,
        issuedAt: record.issuedAt,
        expiresAt: record.expiresAt,
        idleExpiresAt: record.idleExpiresAt,
        connections: connections.filter((c) => c.ticketId === record.ticketId).length,
      }));
    return { sipUri: user.sipUri, sessions };
  }

  /**
   * Revokes every ticket the user holds. A sign-in racing the revocation can outlive it (the
   * user index lags writes slightly); disable the user in the directory to keep them out.
   */
  async revokeUser(sipUri: string): Promise<Revoked> {
    const user = await this.ownerOf(sipUri);
    const ended = await Promise.all(user.ticketIds.map((id) => this.revoke(id)));
    return { sipUri: user.sipUri, sessions: ended.filter((s): s is string => s !== undefined) };
  }

  /** Revokes the one ticket the audit trail calls `session`; `not_found` when there is none. */
  async revokeSession(session: string): Promise<Revoked> {
    for await (const ticket of this.deps.userTickets.everyTicket()) {
      if (sessionOf(ticket.ticketId) !== session) continue;
      if ((await this.revoke(ticket.ticketId)) === undefined) break;
      return { sipUri: ticket.sipUri, sessions: [session] };
    }
    throw new AppError('not_found', `No session ${session}.`);
  }

  /**
   * Ends the user's sessions the access policy now refuses, each judged on its own site (a user
   * whose remote access was withdrawn keeps an internal session): what follows an administrator
   * disabling the user or withdrawing a right. Each ends as `endSession` ends it, with
   * `session.ended` (`policy`) to its live connections; answers those ended.
   */
  async endRefused(sipUri: string): Promise<Revoked> {
    const user = await this.deps.directory.findBySipUri(sipUri);
    const owner = user?.sipUri ?? normalizeSipUri(sipUri);
    const records = await this.recordsOf(await this.deps.userTickets.ticketIdsOf(owner));
    const refused = records.filter((record) => !user || !isAllowed(user, record.site));
    const ended = await Promise.all(refused.map((r) => endSession(this.deps, r.ticketId, 'policy')));
    return {
      sipUri: owner,
      sessions: ended.filter((r): r is TicketRecord => r !== undefined).map((r) => sessionOf(r.ticketId)),
    };
  }

  /** The user as the tickets name them, and their ticket ids; the user may have left the directory. */
  private async ownerOf(sipUri: string): Promise<{ sipUri: string; ticketIds: string[] }> {
    const user = await this.deps.directory.findBySipUri(sipUri);
    const owner = user?.sipUri ?? normalizeSipUri(sipUri);
    const ticketIds = await this.deps.userTickets.ticketIdsOf(owner);
    if (!user && ticketIds.length === 0) throw unknownUser(owner);
    return { sipUri: owner, ticketIds };
  }

  private async recordsOf(ticketIds: readonly string[]): Promise<TicketRecord[]> {
    const records = await Promise.all(ticketIds.map((id) => this.deps.ticketRecords.get(id)));
    return records.filter((r): r is TicketRecord => r !== undefined);
  }

  /** Ends one ticket; answers its session name, or undefined when it was already gone. */
  private async revoke(ticketId: string): Promise<string | undefined> {
    const record = await endSession(this.deps, ticketId, 'revoked');
    return record && sessionOf(record.ticketId);
  }
}
