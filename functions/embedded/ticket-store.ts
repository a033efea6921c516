import { expiryMinuteOf, type FrameUse, type TicketRecord, type TicketStore } from '../core/tickets/store.ts';
import type { TicketOwner, UserTicketIndex } from '../core/tickets/user-tickets.ts';
import { compareKeys } from './coherent-table.ts';
import { ConditionFailedError } from './condition-failed.ts';
import type { EmbeddedDatabase, PersistedTable } from './database.ts';
import type { ExpiringStore } from './expiry.ts';

/** What the tickets table keeps of a ticket: its record, and the minute its page went (the leave index). */
interface StoredTicket {
  readonly record: TicketRecord;
  readonly leaveMinute?: string;
}

/** A ticket as the process holds it. Frame counts and the latest activity live only here. */
interface LiveTicket {
  /** Frozen: handed to callers as it is, replaced (never changed) by each write. */
  record: TicketRecord;
  expiryMinute: string;
  leaveMinute?: string;
  frameWindow?: number;
  frameCount: number;
  /** The idle expiry the last write to disk carried; activity is written behind once it runs ahead. */
  persistedIdleExpiresAt: number;
}

const tableName = 'tickets';
/** Activity is written behind at most this often per ticket (and at most a tenth of its idle time late). */
const maxPersistLagMs = 30_000;

const leaveMinuteOf = (at: number): string => String(Math.floor(at / 60_000));
/** DynamoDB's TTL attribute of the ticket: its first expiry, in epoch seconds rounded up. */
const ttlOf = (record: TicketRecord): number =>
  Math.ceil(Math.min(record.expiresAt, record.idleExpiresAt) / 1000);

/** The record as DynamoDB keeps it: fields set to undefined are not there at all. */
function frozenRecord(record: TicketRecord): TicketRecord {
  const copy = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  return Object.freeze(copy) as unknown as TicketRecord;
}

/** Adds `id` to the set under `key`. */
function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids) ids.add(id);
  else index.set(key, new Set([id]));
}

function removeFrom(index: Map<string, Set<string>>, key: string | undefined, id: string): void {
  if (key === undefined) return;
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

/**
 * Every ticket of one tickets table, in memory, with the indexes DynamoDB keeps as GSIs: loaded once
 * when the first store over the table opens, kept in step by every write.
 */
class TicketState {
  readonly tickets = new Map<string, LiveTicket>();
  readonly byUser = new Map<string, Set<string>>();
  readonly byExpiryMinute = new Map<string, Set<string>>();
  readonly byLeaveMinute = new Map<string, Set<string>>();

  constructor(readonly table: PersistedTable<StoredTicket>) {
    for (const { value } of table.entries()) {
      const record = frozenRecord(value.record);
      this.add({
        record,
        expiryMinute: expiryMinuteOf(record.expiresAt, record.idleExpiresAt),
        ...(value.leaveMinute !== undefined && { leaveMinute: value.leaveMinute }),
        frameCount: 0,
        persistedIdleExpiresAt: record.idleExpiresAt,
      });
    }
  }

  add(ticket: LiveTicket): void {
    const { ticketId, sipUri } = ticket.record;
    this.tickets.set(ticketId, ticket);
    addTo(this.byUser, sipUri, ticketId);
    addTo(this.byExpiryMinute, ticket.expiryMinute, ticketId);
    if (ticket.leaveMinute !== undefined) addTo(this.byLeaveMinute, ticket.leaveMinute, ticketId);
  }

  remove(ticketId: string): LiveTicket | undefined {
    const ticket = this.tickets.get(ticketId);
    if (!ticket) return undefined;
    this.tickets.delete(ticketId);
    removeFrom(this.byUser, ticket.record.sipUri, ticketId);
    removeFrom(this.byExpiryMinute, ticket.expiryMinute, ticketId);
    removeFrom(this.byLeaveMinute, ticket.leaveMinute, ticketId);
    return ticket;
  }

  /** Replaces the ticket's record, moving it in the expiry index when its expiry minute changes. */
  setRecord(ticket: LiveTicket, record: TicketRecord): void {
    ticket.record = record;
    const minute = expiryMinuteOf(record.expiresAt, record.idleExpiresAt);
    if (minute === ticket.expiryMinute) return;
    removeFrom(this.byExpiryMinute, ticket.expiryMinute, record.ticketId);
    ticket.expiryMinute = minute;
    addTo(this.byExpiryMinute, minute, record.ticketId);
  }

  setLeaveMinute(ticket: LiveTicket, minute: string | undefined): void {
    removeFrom(this.byLeaveMinute, ticket.leaveMinute, ticket.record.ticketId);
    if (minute === undefined) delete ticket.leaveMinute;
    else {
      ticket.leaveMinute = minute;
      addTo(this.byLeaveMinute, minute, ticket.record.ticketId);
    }
  }

  /** Writes the ticket as it is now; resolves once committed. */
  persist(ticket: LiveTicket): Promise<void> {
    ticket.persistedIdleExpiresAt = ticket.record.idleExpiresAt;
    const stored: StoredTicket = {
      record: ticket.record,
      ...(ticket.leaveMinute !== undefined && { leaveMinute: ticket.leaveMinute }),
    };
    return this.table.put(ticket.record.ticketId, stored);
  }

  recordsIn(index: Map<string, Set<string>>, key: string): TicketRecord[] {
    // In ticket id order, as the DynamoDB indexes' sort key gives them.
    return [...(index.get(key) ?? [])].sort(compareKeys).flatMap((id) => {
      const ticket = this.tickets.get(id);
      return ticket ? [ticket.record] : [];
    });
  }
}

const states = new WeakMap<PersistedTable<StoredTicket>, TicketState>();

/**
 * A write behind: not awaited, so the frame that caused it never waits for the disk. A failed one
 * means LMDB cannot write (disk full): it is rethrown as an uncaught exception, so the runtime stops
 * rather than run on with sign-ins it could not keep.
 */
function writeBehind(write: Promise<void>): void {
  write.catch((err: unknown) => {
    process.nextTick(() => {
      throw err;
    });
  });
}

/**
 * The tickets of the embedded mode, with the semantics (conditions and answers) of
 * `DynamoTicketStore` and `DynamoUserTicketIndex`. Every ticket is held in memory, loaded from LMDB
 * when the first store over the database opens; stores over the same database share that state.
 *
 * What survives a restart: issuing, revoking, `attach`, `detach` and `leave` resolve once their LMDB
 * commit has, so they survive `kill -9`. Frame counts live only in memory (a restart starts a fresh
 * rate window). Activity (`useForFrame`, `touch`) moves the idle expiry in memory at once and is
 * written behind, without waiting for the commit, only once the expiry on disk lags by 30 seconds
 * (or a tenth of the idle time, if less): a `kill -9` loses at most that much activity, so a ticket
 * can only end that much earlier after a restart, never later.
 *
 * Expired tickets stay until `sweepExpired` (the stand-in for DynamoDB TTL) or a revocation deletes
 * them, and are answered until then, as DynamoDB answers items past their TTL.
 */
export class EmbeddedTicketStore implements TicketStore, UserTicketIndex, ExpiringStore {
  private readonly state: TicketState;

  constructor(db: EmbeddedDatabase) {
    const table = db.table<StoredTicket>(tableName);
    let state = states.get(table);
    if (!state) {
      state = new TicketState(table);
      states.set(table, state);
    }
    this.state = state;
  }

  async put(record: TicketRecord): Promise<void> {
    if (this.state.tickets.has(record.ticketId)) {
      throw new ConditionFailedError(`ticket ${record.ticketId} already exists`);
    }
    const stored = frozenRecord(record);
    const ticket: LiveTicket = {
      record: stored,
      expiryMinute: expiryMinuteOf(stored.expiresAt, stored.idleExpiresAt),
      frameCount: 0,
      persistedIdleExpiresAt: stored.idleExpiresAt,
    };
    this.state.add(ticket);
    await this.state.persist(ticket);
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    return this.state.tickets.get(ticketId)?.record;
  }

  async touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void> {
    const live = this.state.tickets.get(ticket.ticketId);
    // Revoked or expired meanwhile: nothing to extend (the DynamoDB store's condition).
    if (!live || live.record.expiresAt <= lastActivityAt) return;
    this.state.setRecord(live, Object.freeze({ ...live.record, lastActivityAt, idleExpiresAt }));
    this.persistActivity(live, idleExpiresAt - lastActivityAt);
  }

  async useForFrame(
    ticketId: string,
    now: number,
    window: number,
    activity: { readonly idleSeconds: number } | undefined,
  ): Promise<FrameUse | undefined> {
    const live = this.state.tickets.get(ticketId);
    // An expired ticket must not be revived by the activity this frame would record.
    if (!live || live.record.expiresAt <= now || live.record.idleExpiresAt <= now) return undefined;
    if (live.frameWindow === window) {
      live.frameCount++;
    } else if (live.frameWindow === undefined || live.frameWindow < window) {
      live.frameWindow = window;
      live.frameCount = 1;
    } else {
      // A window older than the ticket's (a skewed clock): the frame goes through uncounted.
      return { record: live.record, framesInWindow: 0 };
    }
    if (activity) {
      // A ticket with its own idle timeout (idleTimeoutMs) keeps it; others get the site's.
      const idleMs = live.record.idleTimeoutMs ?? activity.idleSeconds * 1000;
      const idleExpiresAt = Math.min(now + idleMs, live.record.expiresAt);
      this.state.setRecord(live, Object.freeze({ ...live.record, lastActivityAt: now, idleExpiresAt }));
      this.persistActivity(live, idleMs);
    }
    const { record } = live;
    return {
      record:
        record.idleExpiresAt > record.expiresAt
          ? Object.freeze({ ...record, idleExpiresAt: record.expiresAt })
          : record,
      framesInWindow: live.frameCount,
    };
  }

  /** Writes the moved idle expiry behind, once the one on disk lags by the most a restart may lose. */
  private persistActivity(live: LiveTicket, idleMs: number): void {
    const allowedLag = Math.min(maxPersistLagMs, idleMs / 10);
    if (live.record.idleExpiresAt - live.persistedIdleExpiresAt < allowedLag) return;
    writeBehind(this.state.persist(live));
  }

  async attach(ticketId: string, at: number): Promise<void> {
    const live = this.state.tickets.get(ticketId);
    if (!live) return;
    const { detachedAt: _detached, leftAt: _left, ...record } = live.record;
    this.state.setRecord(live, Object.freeze({ ...record, attachedAt: at }));
    this.state.setLeaveMinute(live, undefined);
    await this.state.persist(live);
  }

  async detach(ticketId: string, at: number, checkedAt: number): Promise<void> {
    const live = this.state.tickets.get(ticketId);
    // A connection attached after `checkedAt` keeps the ticket attached.
    if (!live || (live.record.attachedAt !== undefined && live.record.attachedAt > checkedAt)) return;
    this.state.setRecord(live, Object.freeze({ ...live.record, detachedAt: at }));
    this.state.setLeaveMinute(live, leaveMinuteOf(at));
    await this.state.persist(live);
  }

  async leave(ticketId: string, at: number): Promise<void> {
    const live = this.state.tickets.get(ticketId);
    if (!live || live.record.persistent !== undefined) return;
    this.state.setRecord(live, Object.freeze({ ...live.record, leftAt: at }));
    this.state.setLeaveMinute(live, leaveMinuteOf(at));
    await this.state.persist(live);
  }

  async expiringInMinute(minute: number): Promise<TicketRecord[]> {
    return this.state.recordsIn(this.state.byExpiryMinute, String(minute));
  }

  async leavingInMinute(minute: number): Promise<TicketRecord[]> {
    return this.state.recordsIn(this.state.byLeaveMinute, String(minute));
  }

  async delete(ticketId: string): Promise<boolean> {
    if (!this.state.remove(ticketId)) return false;
    await this.state.table.remove(ticketId);
    return true;
  }

  async ticketIdsOf(sipUri: string): Promise<string[]> {
    return [...(this.state.byUser.get(sipUri) ?? [])].sort(compareKeys);
  }

  async *everyTicket(): AsyncIterable<TicketOwner> {
    // A snapshot: tickets issued or revoked during the walk may be missed or still named, as in a Scan.
    const owners = [...this.state.tickets.values()].map(({ record }) => ({
      ticketId: record.ticketId,
      sipUri: record.sipUri,
    }));
    yield* owners;
  }

  /** Deletes the tickets whose TTL (epoch seconds) is before `nowSeconds`, as DynamoDB TTL does. */
  async sweepExpired(nowSeconds: number): Promise<number> {
    const expired = [...this.state.tickets.values()].filter(({ record }) => ttlOf(record) < nowSeconds);
    await Promise.all(expired.map(({ record }) => this.delete(record.ticketId)));
    return expired.length;
  }
}
