/** Conversations of this page's lifetime, one per person, kept in memory while switching between them. */
import type { ImMessage } from './protocol.ts';

export type Delivery =
  | { readonly state: 'pending' }
  | { readonly state: 'delivered' }
  | { readonly state: 'failed'; readonly reason: string }
  /** The connection dropped before the server answered: the message may or may not have arrived. */
  | { readonly state: 'unconfirmed' };

export interface ChatMessage {
  /** Stable within the page: the clientMessageId of an outgoing message, the server id of an incoming one. */
  readonly key: string;
  readonly direction: 'in' | 'out';
  readonly text: string;
  readonly sentAt: Date;
  id: string | undefined;
  delivery: Delivery | undefined;
}

export interface Conversation {
  readonly peer: string;
  readonly messages: ChatMessage[];
  unread: number;
}

/** A clientMessageId; `crypto.randomUUID` exists only in secure contexts, so plain http falls back. */
export function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/** Messages kept per conversation when the history is saved for a reload of the page. */
const savedPerConversation = 200;

export class Conversations {
  private readonly byPeer = new Map<string, Conversation>();
  private readonly pending = new Map<string, { peer: string; message: ChatMessage }>();

  /** The history as JSON, for `sessionStorage` (so a reload of the main window keeps it). */
  save(): string {
    return JSON.stringify(
      [...this.byPeer.values()]
        .filter((c) => c.messages.length > 0)
        .map((c) => ({ peer: c.peer, unread: c.unread, messages: c.messages.slice(-savedPerConversation) })),
    );
  }

  /**
   * Takes back a saved history; messages that were still waiting for an answer are unconfirmed now
   * (their connection is gone). Anything malformed is skipped.
   */
  restore(saved: string | null): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(saved ?? '[]');
    } catch {
      return;
    }
    if (!Array.isArray(parsed)) return;
    for (const raw of parsed as { peer?: unknown; unread?: unknown; messages?: unknown }[]) {
      if (typeof raw?.peer !== 'string' || !Array.isArray(raw.messages)) continue;
      const conversation = this.with(raw.peer);
      conversation.unread = typeof raw.unread === 'number' ? raw.unread : 0;
      for (const m of raw.messages as Partial<ChatMessage & { sentAt: string }>[]) {
        if (
          typeof m?.key !== 'string' ||
          typeof m.text !== 'string' ||
          (m.direction !== 'in' && m.direction !== 'out')
        )
          continue;
        const sentAt = new Date(m.sentAt ?? '');
        conversation.messages.push({
          key: m.key,
          direction: m.direction,
          text: m.text,
          sentAt: Number.isNaN(sentAt.getTime()) ? new Date() : sentAt,
          id: typeof m.id === 'string' ? m.id : undefined,
          delivery:
            m.delivery?.state === 'pending' ? { state: 'unconfirmed' } : (m.delivery as Delivery | undefined),
        });
      }
    }
  }

  /** The conversation with a person, started empty when there was none. */
  with(peer: string): Conversation {
    let conversation = this.byPeer.get(peer);
    if (!conversation) {
      conversation = { peer, messages: [], unread: 0 };
      this.byPeer.set(peer, conversation);
    }
    return conversation;
  }

  /** People with at least one message exchanged. */
  peers(): string[] {
    return [...this.byPeer.values()].filter((c) => c.messages.length > 0).map((c) => c.peer);
  }

  unread(peer: string): number {
    return this.byPeer.get(peer)?.unread ?? 0;
  }

  totalUnread(): number {
    let total = 0;
    for (const conversation of this.byPeer.values()) total += conversation.unread;
    return total;
  }

  markRead(peer: string): void {
    const conversation = this.byPeer.get(peer);
    if (conversation) conversation.unread = 0;
  }

  addOutgoing(peer: string, text: string, clientMessageId: string, now: Date): ChatMessage {
    const message: ChatMessage = {
      key: clientMessageId,
      direction: 'out',
      text,
      sentAt: now,
      id: undefined,
      delivery: { state: 'pending' },
    };
    this.with(peer).messages.push(message);
    this.pending.set(clientMessageId, { peer, message });
    return message;
  }

  /** Records the server's answer to a sent message; answers whom it concerned, if it was ours. */
  settle(
    clientMessageId: string,
    delivery: Delivery,
    id?: string,
  ): { peer: string; message: ChatMessage } | undefined {
    const entry = this.pending.get(clientMessageId);
    if (!entry) return undefined;
    this.pending.delete(clientMessageId);
    entry.message.delivery = delivery;
    if (id) entry.message.id = id;
    return entry;
  }

  /** Every message still waiting for an answer becomes unconfirmed (its connection is gone). */
  abandonPending(): { peer: string; message: ChatMessage }[] {
    const abandoned = [...this.pending.values()];
    for (const entry of abandoned) entry.message.delivery = { state: 'unconfirmed' };
    this.pending.clear();
    return abandoned;
  }

  /**
   * Records a message that arrived; `me` decides which side is the peer. Answers `undefined` for a
   * message already recorded (the same id seen twice).
   */
  addIncoming(
    me: string,
    frame: ImMessage,
    read: boolean,
  ): { peer: string; message: ChatMessage } | undefined {
    const outgoing = frame.from.toLowerCase() === me.toLowerCase();
    const peer = outgoing ? frame.to : frame.from;
    const conversation = this.with(peer);
    if (frame.id && conversation.messages.some((m) => m.id === frame.id)) return undefined;
    const sentAt = new Date(frame.sentAt);
    const message: ChatMessage = {
      key: frame.id || newClientMessageId(),
      direction: outgoing ? 'out' : 'in',
      text: frame.text,
      sentAt: Number.isNaN(sentAt.getTime()) ? new Date() : sentAt,
      id: frame.id,
      // Sent from another of my own connections: it was delivered, or it would not be here.
      delivery: outgoing ? { state: 'delivered' } : undefined,
    };
    conversation.messages.push(message);
    if (!read && !outgoing) conversation.unread++;
    return { peer, message };
  }
}
