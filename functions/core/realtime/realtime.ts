import { createHash, randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { metricNames, noMetrics, type Metrics } from '../metrics/metrics.ts';
import { normalizeSipUri, type DirectoryStore } from '../directory/store.ts';
import type { DirectoryUser, Principal, SeenAvailability } from '../model.ts';
import { isAllowed } from '../policy/access.ts';
import { endSession } from '../sessions/end-session.ts';
import type { TicketRecord } from '../tickets/store.ts';
import type { Tickets } from '../tickets/tickets.ts';
import { connectionTtlSeconds, type ConnectionRecord, type ConnectionStore } from './connections.ts';
import type { ContactStore } from './contacts-store.ts';
import { isUserActivity, type ClientFrame } from './frames.ts';
import type { ConnectionAddress, Notifier, ServerFrame } from './notifier.ts';
import type { LiveConnection, PresenceChange, PresenceRecord, PresenceStore } from './presence-store.ts';

export interface RealtimeDeps {
  readonly clock: Clock;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly connections: ConnectionStore;
  readonly presence: PresenceStore;
  readonly contacts: ContactStore;
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  /** Connections, IMs delivered and failed, presence fan-out. @default - not recorded */
  readonly metrics?: Metrics;
}

/** The connection a frame arrived on, and whose it is. */
export interface Caller {
  readonly principal: Principal;
  readonly connection: ConnectionAddress;
}

/**
 * Why a connection's session ended: the user signed out; the ticket expired (lifetime, idle, or the
 * user left the client page); an administrator revoked it; or the directory no longer allows the user.
 */
export type SessionEndReason = 'signed_out' | 'expired' | 'revoked' | 'policy';

/** A connection this young may still be inside `$connect`, where API Gateway answers Gone. */
const connectGraceMs = 10_000;

/** How many connections are written to at once during a fan-out. */
const fanOutConcurrency = 32;

/** Runs `run` on every item, at most `limit` at once. */
export async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What a watcher sees of a user. */
export function seenAvailability(record: PresenceRecord | undefined): SeenAvailability {
  if (!record?.online || record.availability === 'appear-offline') return 'offline';
  return record.availability;
}

function presenceFrame(sipUri: string, record: PresenceRecord | undefined): ServerFrame {
  const availability = seenAvailability(record);
  return {
    type: 'presence',
    sipUri,
    availability,
    note: availability === 'offline' ? '' : (record?.note ?? ''),
  };
}

/** The answer to a frame that could not be handled; the connection stays open. */
export function errorFrame(err: AppError): ServerFrame {
  return { type: 'error', error: err.code, message: err.message };
}

/** One conversation id per pair of people, whoever writes first. */
export function conversationIdOf(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  return createHash('sha256').update(`${first}\n${second}`).digest('base64url').slice(0, 22);
}

const seenChanged = ({ before, after }: PresenceChange): boolean =>
  seenAvailability(before) !== seenAvailability(after);

/** Whether watchers see anything different: availability, or the note of someone they see online. */
function watchersSeeChange(sipUri: string, { before, after }: PresenceChange): boolean {
  const [was, is] = [presenceFrame(sipUri, before), presenceFrame(sipUri, after)];
  return was.availability !== is.availability || was.note !== is.note;
}

/**
 * Presence and instant messaging over WebSocket connections: who is connected, what their
 * contacts see, and delivery of messages to every connection of the recipient. Fan-out reads only
 * the rows of the people involved (their watchers' presence rows, which list their connections),
 * never a Scan.
 */
export class Realtime {
  private readonly metrics: Metrics;

  constructor(private readonly deps: RealtimeDeps) {
    this.metrics = deps.metrics ?? noMetrics;
  }

  /** A connection was accepted (after the authorizer): record it and tell watchers the user is online. */
  async connect(principal: Principal, connection: ConnectionAddress): Promise<void> {
    const { clock, connections, presence } = this.deps;
    const now = clock.now();
    const record: ConnectionRecord = {
      sipUri: principal.sipUri,
      connectionId: connection.connectionId,
      endpoint: connection.endpoint,
      ticketId: principal.ticketId,
      site: principal.site,
      connectedAt: now,
      ttl: Math.floor(now / 1000) + connectionTtlSeconds,
    };
    await connections.put(record);
    this.metrics.count(metricNames.connections);
    // On the presence row before the ticket is attached: a `$disconnect` of the same ticket that
    // does not see this connection yet read the row before the attach, so the ticket store refuses
    // its detach (attached after it checked).
    const change = await presence.addConnection(principal.sipUri, record, now);
    await this.deps.tickets.attach(principal.ticketId);
    // The new connection cannot be written to until `$connect` returns; its client asks for state.
    // Seen availability changes only when the user comes online, so no other connection of theirs
    // is live to tell (one opening at the same moment asks for state too).
    if (seenChanged(change)) await this.publish(principal.sipUri, change.after, []);
  }

  /**
   * A connection closed: forget it. When it was its ticket's last, the user has left the client
   * page and the ticket's leave grace period starts; when it was the user's last, they go offline.
   * Also how a connection whose `$disconnect` never came is forgotten (see `gone-connections.ts`).
   */
  async disconnect(principal: Pick<Principal, 'sipUri' | 'ticketId'>, connectionId: string): Promise<void> {
    const { clock, connections, presence } = this.deps;
    const { sipUri } = principal;
    const checkedAt = clock.now();
    const record = await connections.remove(sipUri, connectionId);
    this.metrics.count(metricNames.disconnections);
    // The presence row answers which connections are left (no Query). Without the connection's
    // record (already pruned, or swept) its entry is found by id.
    const change = record
      ? await presence.removeConnection(sipUri, record, clock.now())
      : await presence.removeConnectionById(sipUri, connectionId, clock.now());
    if (!change.after.connections.some((c) => c.ticketId === principal.ticketId)) {
      await this.deps.tickets.detach(principal.ticketId, checkedAt);
    }
    // The user has no connection left: only their watchers are told.
    if (seenChanged(change)) await this.publish(sipUri, change.after, []);
  }

  /**
   * Handles one client frame; answers the frame that replies to it, if any (sent back as the route's
   * response, not with an `@connections` POST). The authorizer runs only at `$connect`, so the
   * ticket is re-checked here: a ticket that ended closes the connection with `session.ended`.
   */
  async handle(caller: Caller, frame: ClientFrame): Promise<ServerFrame | undefined> {
    const { principal } = caller;
    // An IM's recipient and their connections are read alongside the frame's own checks (one round
    // trip instead of three); nothing is sent unless the checks pass.
    const to = frame.action === 'im.send' ? normalizeSipUri(frame.to) : undefined;
    const [ticket, { user, recipient }, recipientConnections] = await Promise.all([
      this.deps.tickets.checkFrame(principal.ticketId, principal.site, { activity: isUserActivity(frame) }),
      this.readUsers(principal.sipUri, to),
      to === undefined ? [] : this.deps.connections.listByUser(to),
    ]);
    if (!ticket) {
      await this.endConnection(caller.connection, 'expired');
      return undefined;
    }
    if (!user || !isAllowed(user, principal.site)) {
      // The ticket ends with this connection and its others, for good (see `endSession`).
      const ended = await endSession({ ...this.deps, realtime: this }, principal.ticketId, 'policy');
      if (!ended) await this.endConnection(caller.connection, 'policy');
      return undefined;
    }
    if (ticket.rateLimited) {
      throw new AppError('rate_limited', 'Too many frames: slow down; this one was not processed.');
    }
    switch (frame.action) {
      case 'ping':
        return { type: 'pong' };
      case 'contacts.list':
        return this.contactsFrame(caller.principal.sipUri);
      case 'contacts.add':
        return this.addContact(caller, frame.sipUri, frame.group);
      case 'contacts.remove':
        await this.deps.contacts.remove(caller.principal.sipUri, frame.sipUri);
        return this.contactsFrame(caller.principal.sipUri);
      case 'presence.set': {
        const { sipUri } = caller.principal;
        const change = await this.deps.presence.choose(
          sipUri,
          frame.availability,
          frame.note ?? '',
          this.deps.clock.now(),
        );
        // The caller's own connections (this one too) hear of it with the user's other windows.
        // Watchers hear only of what they see change: the choices of someone appearing offline,
        // or the same status chosen again, tell them nothing (not even that something happened).
        await this.publish(sipUri, change.after, change.after.connections, {
          watchers: watchersSeeChange(sipUri, change),
        });
        return undefined;
      }
      case 'im.send':
        return this.sendIm(caller, frame, recipient, recipientConnections);
      case 'im.typing':
        await this.sendTyping(caller, frame);
        return undefined;
    }
  }

  /** Ends every live connection of a ticket, telling each why first. */
  async endTicketConnections(ticket: TicketRecord, reason: SessionEndReason): Promise<void> {
    const live = await this.deps.connections.listByUser(ticket.sipUri);
    await forEachLimited(
      live.filter((c) => c.ticketId === ticket.ticketId),
      fanOutConcurrency,
      (c) => this.endConnection(c, reason),
    );
  }

  private async endConnection(connection: ConnectionAddress, reason: SessionEndReason): Promise<void> {
    await this.deps.notifier.send(connection, { type: 'session.ended', reason });
    await this.deps.notifier.close(connection);
  }

  private async contactsFrame(owner: string): Promise<ServerFrame> {
    const entries = await this.deps.contacts.list(owner);
    const presence = await this.deps.presence.getMany([owner, ...entries.map((e) => e.sipUri)]);
    const own = presence.get(owner);
    return {
      type: 'contacts',
      contacts: entries.map((entry) => {
        const { availability, note } = presenceFrame(entry.sipUri, presence.get(entry.sipUri));
        const { sipUri, displayName, group } = entry;
        return { sipUri, displayName, availability, note, ...(group && { group }) };
      }),
      self: {
        sipUri: owner,
        availability: own?.availability ?? 'available',
        note: own?.note ?? '',
      },
    };
  }

  private async addContact(caller: Caller, sipUri: string, group: string | undefined): Promise<ServerFrame> {
    const owner = caller.principal.sipUri;
    if (sipUri === owner) throw new AppError('bad_request', 'you cannot add yourself as a contact');
    const user = await this.deps.directory.findBySipUri(sipUri);
    if (!user) throw new AppError('not_found', `no user ${sipUri} in the directory`);
    await this.deps.contacts.add(
      owner,
      { sipUri: user.sipUri, displayName: user.displayName, ...(group && { group }) },
      this.deps.clock.now(),
    );
    return this.contactsFrame(owner);
  }

  /** The caller's current directory entry and, for an IM, its recipient's: one read for both. */
  private async readUsers(
    sender: string,
    recipient: string | undefined,
  ): Promise<{ user: DirectoryUser | undefined; recipient: DirectoryUser | undefined }> {
    if (recipient === undefined) return { user: await this.deps.directory.findBySipUri(sender), recipient };
    const users = await this.deps.directory.findManyBySipUri([sender, recipient]);
    return {
      user: users.find((u) => u.sipUri === sender),
      recipient: users.find((u) => u.sipUri === recipient),
    };
  }

  private async sendIm(
    caller: Caller,
    frame: Extract<ClientFrame, { action: 'im.send' }>,
    recipient: DirectoryUser | undefined,
    recipientConnections: readonly ConnectionRecord[],
  ): Promise<ServerFrame> {
    const from = caller.principal.sipUri;
    const { clientMessageId } = frame;
    if (!recipient || !recipient.enabled) {
      this.metrics.count(metricNames.imsFailed, { Reason: 'not_found' });
      return { type: 'im.failed', clientMessageId, reason: 'not_found' };
    }
    const message = {
      type: 'im.message',
      id: randomUUID(),
      conversationId: conversationIdOf(from, recipient.sipUri),
      from,
      to: recipient.sipUri,
      text: frame.text,
      sentAt: new Date(this.deps.clock.now()).toISOString(),
    };
    const delivered = await this.deliver(recipient.sipUri, message, recipientConnections);
    if (delivered > 0) this.metrics.count(metricNames.imsDelivered);
    else this.metrics.count(metricNames.imsFailed, { Reason: 'offline' });
    return delivered > 0
      ? { type: 'im.delivered', clientMessageId, id: message.id }
      : { type: 'im.failed', clientMessageId, reason: 'offline' };
  }

  /**
   * Tells the recipient's connections that the sender is typing. Nothing is stored or answered, and
   * a recipient who is not connected (or not a user) simply gets nothing.
   */
  private async sendTyping(
    caller: Caller,
    frame: Extract<ClientFrame, { action: 'im.typing' }>,
  ): Promise<void> {
    const from = caller.principal.sipUri;
    if (frame.to === from) return;
    await this.deliver(frame.to, {
      type: 'im.typing',
      from,
      conversationId: conversationIdOf(from, frame.to),
      typing: frame.typing,
    });
  }

  /**
   * Sends a frame to every live connection of a user (those `known`, when the caller already read
   * them); answers how many got it.
   */
  private async deliver(
    sipUri: string,
    frame: ServerFrame,
    known?: readonly LiveConnection[],
  ): Promise<number> {
    const live = known ?? (await this.deps.connections.listByUser(sipUri));
    let delivered = 0;
    await forEachLimited(live, fanOutConcurrency, async (connection) => {
      if (await this.sendTo(sipUri, connection, frame)) delivered++;
    });
    return delivered;
  }

  /** Sends a frame to one connection of a user; a connection gone for good is forgotten. */
  private async sendTo(sipUri: string, connection: LiveConnection, frame: ServerFrame): Promise<boolean> {
    if ((await this.deps.notifier.send(connection, frame)) === 'sent') return true;
    // A connection still inside `$connect` also answers Gone, so young ones stay.
    if (this.deps.clock.now() - connection.connectedAt > connectGraceMs) await this.prune(sipUri, connection);
    return false;
  }

  /**
   * Forgets a connection that answered Gone (its `$disconnect` was lost, or is still on its way):
   * from the presence row and the connections table. When it was the user's last, their watchers
   * see them go offline.
   */
  private async prune(sipUri: string, connection: LiveConnection): Promise<void> {
    const { connections, presence, clock } = this.deps;
    const [change] = await Promise.all([
      presence.removeConnection(sipUri, connection, clock.now()),
      connections.remove(sipUri, connection.connectionId),
    ]);
    if (seenChanged(change)) await this.publish(sipUri, change.after, []);
  }

  /**
   * Tells a user's watchers what they now see of the user, and the user's own `ownConnections`
   * what they chose. One consistent BatchGetItem per 100 watchers reads their presence rows, which
   * list their live connections (a watcher who connected a moment ago is among them).
   */
  private async publish(
    sipUri: string,
    record: PresenceRecord,
    ownConnections: readonly LiveConnection[],
    options: { readonly watchers: boolean } = { watchers: true },
  ): Promise<void> {
    const frame = presenceFrame(sipUri, record);
    const watchers = options.watchers ? await this.deps.contacts.watchers(sipUri) : [];
    this.metrics.count(metricNames.presenceFanOut, {}, watchers.length);
    const rows =
      watchers.length > 0 ? await this.deps.presence.getMany(watchers, { consistent: true }) : undefined;
    const targets = watchers.flatMap((watcher) =>
      (rows?.get(watcher)?.connections ?? []).map((connection) => ({ watcher, connection })),
    );
    const ownFrame = { ...frame, availability: record.availability, note: record.note, self: true };
    await Promise.all([
      forEachLimited(targets, fanOutConcurrency, async ({ watcher, connection }) => {
        await this.sendTo(watcher, connection, frame);
      }),
      this.deliver(sipUri, ownFrame, ownConnections),
    ]);
  }
}
