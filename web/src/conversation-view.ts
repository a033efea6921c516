/** The conversation panel: who it is with, their messages, and the composer. */
import { availabilityLabel, availabilityTone } from './availability.ts';
import type { ChatMessage, Delivery } from './conversations.ts';
import { byId, h, setText } from './dom.ts';
import type { SeenAvailability } from './protocol.ts';

export interface Peer {
  readonly sipUri: string;
  readonly displayName: string;
  readonly availability: SeenAvailability | undefined;
  readonly note: string;
}

const reasonTexts: Record<string, string> = {
  offline: 'offline',
  not_found: 'no such person',
  blocked: 'blocked',
  not_connected: 'not connected',
};

/** Lower case on purpose: style.css capitalises the first letter. */
function deliveryText(delivery: Delivery): string {
  switch (delivery.state) {
    case 'pending':
      return 'sending…';
    case 'delivered':
      return 'delivered';
    case 'failed':
      return `could not be delivered: ${reasonTexts[delivery.reason] ?? delivery.reason.replaceAll('_', ' ')}`;
    case 'unconfirmed':
      return 'not confirmed: the connection was lost';
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** While typing goes on, the peer is told again this often at most. */
export const typingRepeatMs = 3_000;

const webAddress = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/**
 * A message's text as DOM nodes: text nodes only, except http(s) addresses, which become links that
 * open in a new tab without access to this page. Nothing in a message is ever parsed as HTML.
 */
export function messageNodes(text: string): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(webAddress)) {
    const start = match.index;
    let href: URL | undefined;
    try {
      href = new URL(match[0]);
    } catch {
      continue;
    }
    if (href.protocol !== 'http:' && href.protocol !== 'https:') continue;
    if (start > last) nodes.push(document.createTextNode(text.slice(last, start)));
    nodes.push(h('a', { href: href.href, target: '_blank', rel: 'noopener noreferrer' }, match[0]));
    last = start + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

export class ConversationView {
  private readonly panel = byId('conversation', HTMLElement);
  private readonly title = byId('conversation-title', HTMLHeadingElement);
  private readonly presence = byId('conversation-presence', HTMLParagraphElement);
  private readonly dot = byId('conversation-dot', HTMLSpanElement);
  private readonly messages = byId('messages', HTMLOListElement);
  private readonly input = byId('message-input', HTMLTextAreaElement);
  private readonly sendButton = byId('send-button', HTMLButtonElement);
  private readonly typing = byId('typing', HTMLParagraphElement);
  private readonly rendered = new Map<string, HTMLLIElement>();
  private peer: string | undefined;
  private peerName = '';
  private enabled = true;
  private typingSentAt = 0;

  constructor(
    private readonly onSend: (to: string, text: string) => void,
    /** Tells the peer the user is typing (or stopped); called at most every `typingRepeatMs`. */
    private readonly onTyping: (to: string, typing: boolean) => void = () => undefined,
  ) {
    this.input.addEventListener('input', () => this.typed());
    byId('composer', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
  }

  get openPeer(): string | undefined {
    return this.peer;
  }

  /** Opens the conversation with a person, showing what was said so far in this session. */
  open(peer: Peer, messages: readonly ChatMessage[]): void {
    const switching = this.peer !== peer.sipUri;
    this.peer = peer.sipUri;
    this.panel.dataset.peer = peer.sipUri;
    this.setPeer(peer);
    if (switching) {
      this.setTyping(false);
      this.typingSentAt = 0;
      this.rendered.clear();
      this.messages.replaceChildren(...messages.map((m) => this.render(m)));
      this.input.value = '';
      this.scrollToEnd();
    }
    this.applyEnabled();
    this.input.focus();
  }

  /** Shows or hides "… is typing". */
  setTyping(typing: boolean): void {
    setText(this.typing, typing && this.peer ? `${this.peerName} is typing…` : '');
  }

  /** Updates the header when the open peer's presence or name changes. */
  setPeer(peer: Peer): void {
    if (peer.sipUri !== this.peer) return;
    this.peerName = peer.displayName;
    setText(this.title, peer.displayName);
    const tone = peer.availability ? availabilityTone(peer.availability) : 'none';
    this.dot.dataset.tone = tone;
    const label = peer.availability ? availabilityLabel(peer.availability) : 'Not in your contacts';
    setText(this.presence, [label, peer.note, peer.sipUri].filter(Boolean).join(' · '));
  }

  append(message: ChatMessage): void {
    const li = this.render(message);
    const nearEnd = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 80;
    this.messages.append(li);
    if (nearEnd || message.direction === 'out') this.scrollToEnd();
  }

  /** Re-renders one message after its delivery changed. */
  update(message: ChatMessage): void {
    const old = this.rendered.get(message.key);
    old?.replaceWith(this.render(message));
  }

  /** Turns the composer off, e.g. once the session has ended. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.applyEnabled();
  }

  private applyEnabled(): void {
    const usable = this.enabled && this.peer !== undefined;
    this.input.disabled = !usable;
    this.sendButton.disabled = !usable;
  }

  private submit(): void {
    const text = this.input.value;
    if (!this.peer || this.input.disabled || text.trim() === '') return;
    this.input.value = '';
    this.typingSentAt = 0;
    this.onSend(this.peer, text);
  }

  private typed(): void {
    if (!this.peer || this.input.disabled) return;
    const now = Date.now();
    if (this.input.value.trim() === '') {
      if (this.typingSentAt !== 0) this.onTyping(this.peer, false);
      this.typingSentAt = 0;
    } else if (now - this.typingSentAt >= typingRepeatMs) {
      this.typingSentAt = now;
      this.onTyping(this.peer, true);
    }
  }

  private render(message: ChatMessage): HTMLLIElement {
    const meta = h(
      'span',
      { class: 'meta' },
      h('time', { datetime: message.sentAt.toISOString() }, timeFormat.format(message.sentAt)),
    );
    if (message.delivery) {
      meta.append(
        h(
          'span',
          { class: 'status', 'data-status': message.delivery.state, 'data-testid': 'message-status' },
          deliveryText(message.delivery),
        ),
      );
    }
    const li = h(
      'li',
      { class: `message ${message.direction === 'out' ? 'outgoing' : 'incoming'}`, 'data-key': message.key },
      h('span', { class: 'text' }, ...messageNodes(message.text)),
      meta,
    );
    this.rendered.set(message.key, li);
    return li;
  }

  private scrollToEnd(): void {
    this.messages.scrollTop = this.messages.scrollHeight;
  }
}
