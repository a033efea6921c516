/** Wires the views to the realtime connection: what each server frame changes, what each user action sends. */
import type { Banner } from './banner.ts';
import { RealtimeConnection, webSocketUrl, type ConnectionStatus } from './connection.ts';
import { ContactsView, type PersonEntry } from './contacts-view.ts';
import { ConversationView, type Peer } from './conversation-view.ts';
import { Conversations, newClientMessageId } from './conversations.ts';
import { byId, setText } from './dom.ts';
import { MeView } from './me-view.ts';
import { limits, type Contact, type ServerFrame } from './protocol.ts';
import { fetchSession, signOut, type Session } from './session-api.ts';

const sipUriPattern = /^sip:[^\s@<>"]+@[^\s@<>"]+$/i;

/** Accepts `sip:alice@contoso.com` and, for convenience, `alice@contoso.com`. */
export function normaliseSipUri(input: string): string | undefined {
  const trimmed = input.trim();
  const uri = /^sip:/i.test(trimmed) ? trimmed : `sip:${trimmed}`;
  return sipUriPattern.test(uri) ? uri.toLowerCase() : undefined;
}

const statusTexts: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost. Reconnecting…',
  ended: 'Session ended',
};

const appTitle = 'Web Communicator';

export class Controller {
  private readonly me: Session['user'];
  private readonly contacts = new Map<string, Contact>();
  /** Display names seen in this session, so people removed from contacts keep their name in conversations. */
  private readonly names = new Map<string, string>();
  private readonly conversations = new Conversations();
  private readonly connection: RealtimeConnection;
  private readonly meView: MeView;
  private readonly contactsView: ContactsView;
  private readonly othersView: ContactsView;
  private readonly conversationView: ConversationView;
  private readonly addContactInput = byId('add-contact', HTMLInputElement);
  private readonly connectionStatus = byId('connection-status', HTMLSpanElement);
  private readonly signOutButton = byId('sign-out', HTMLButtonElement);
  /** The SIP URI just asked for with contacts.add; the input is cleared once it shows up. */
  private pendingAdd: string | undefined;
  private ended = false;

  constructor(
    session: Session,
    private readonly banner: Banner,
  ) {
    this.me = session.user;
    this.meView = new MeView(this.me, (choice) => {
      const sent = this.connection.send({ action: 'presence.set', ...choice });
      if (!sent) this.notConnected();
      return sent;
    });
    this.contactsView = new ContactsView(byId('contacts', HTMLUListElement), {
      action: { label: 'Remove', className: 'remove', run: (sipUri) => this.removeContact(sipUri) },
      open: (sipUri) => this.openConversation(sipUri),
      empty: byId('contacts-empty', HTMLParagraphElement),
    });
    this.othersView = new ContactsView(byId('others', HTMLUListElement), {
      action: { label: 'Add', className: 'add', run: (sipUri) => this.addContact(sipUri) },
      open: (sipUri) => this.openConversation(sipUri),
      heading: byId('others-heading', HTMLHeadingElement),
    });
    this.conversationView = new ConversationView((to, text) => this.sendMessage(to, text));
    this.connection = new RealtimeConnection({
      url: webSocketUrl(location),
      onOpen: () => this.connection.send({ action: 'contacts.list' }),
      onFrame: (frame) => this.handle(frame),
      onLost: () => this.connectionLost(),
      onStatus: (status) => this.showStatus(status),
      onEnded: (reason) => this.sessionEnded(reason),
      stillSignedIn: async () => (await fetchSession()).kind === 'signed-in',
    });

    byId('add-contact-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const sipUri = normaliseSipUri(this.addContactInput.value);
      if (sipUri) this.addContact(sipUri);
      else this.banner.showNotice('Enter a SIP address such as sip:alice@contoso.com.');
    });
    this.signOutButton.addEventListener('click', () => void this.signOut());
  }

  start(): void {
    this.connection.start();
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'contacts':
        this.contacts.clear();
        for (const contact of frame.contacts) {
          this.contacts.set(contact.sipUri, contact);
          this.names.set(contact.sipUri, contact.displayName);
        }
        if (frame.self) this.meView.setPresence(frame.self);
        if (this.pendingAdd && this.contacts.has(this.pendingAdd)) {
          this.addContactInput.value = '';
          this.pendingAdd = undefined;
        }
        this.renderPeople();
        return;
      case 'presence': {
        if (frame.self) {
          if (frame.availability !== 'offline') {
            this.meView.setPresence({ availability: frame.availability, note: frame.note });
          }
          return;
        }
        const known = this.contacts.get(frame.sipUri);
        if (!known) return;
        const availability = frame.availability === 'appear-offline' ? 'offline' : frame.availability;
        this.contacts.set(frame.sipUri, { ...known, availability, note: frame.note });
        this.contactsView.update(this.entry(frame.sipUri));
        this.conversationView.setPeer(this.peer(frame.sipUri));
        return;
      }
      case 'im.message': {
        const open = this.conversationView.openPeer;
        const added = this.conversations.addIncoming(this.me.sipUri, frame, false);
        if (!added) return;
        if (added.peer === open) {
          this.conversations.markRead(added.peer);
          this.conversationView.append(added.message);
        }
        this.refreshPerson(added.peer);
        return;
      }
      case 'im.delivered':
      case 'im.failed': {
        const settled =
          frame.type === 'im.delivered'
            ? this.conversations.settle(frame.clientMessageId, { state: 'delivered' }, frame.id)
            : this.conversations.settle(frame.clientMessageId, { state: 'failed', reason: frame.reason });
        if (settled && settled.peer === this.conversationView.openPeer)
          this.conversationView.update(settled.message);
        return;
      }
      case 'error':
        this.banner.showNotice(frame.message || `The server refused that (${frame.error}).`);
        return;
      case 'session.ended':
      case 'pong':
        return;
    }
  }

  private entry(sipUri: string): PersonEntry {
    const contact = this.contacts.get(sipUri);
    return {
      sipUri,
      displayName: contact?.displayName ?? this.names.get(sipUri) ?? sipUri,
      availability: contact?.availability,
      note: contact?.note ?? '',
      unread: this.conversations.unread(sipUri),
    };
  }

  private peer(sipUri: string): Peer {
    const { displayName, availability, note } = this.entry(sipUri);
    return { sipUri, displayName, availability, note };
  }

  /** Re-renders both lists: contacts, and conversations with people who are not contacts. */
  private renderPeople(): void {
    this.contactsView.render([...this.contacts.keys()].map((sipUri) => this.entry(sipUri)));
    const open = this.conversationView.openPeer;
    const others = new Set(this.conversations.peers());
    if (open) others.add(open);
    this.othersView.render([...others].filter((p) => !this.contacts.has(p)).map((p) => this.entry(p)));
    if (open) this.conversationView.setPeer(this.peer(open));
    this.showUnreadInTitle();
  }

  /** After one person's conversation changed: their badge, or a new entry under other conversations. */
  private refreshPerson(sipUri: string): void {
    if (this.contactsView.has(sipUri)) this.contactsView.update(this.entry(sipUri));
    else if (this.othersView.has(sipUri)) this.othersView.update(this.entry(sipUri));
    else this.renderPeople();
    this.showUnreadInTitle();
  }

  private showUnreadInTitle(): void {
    const unread = this.conversations.totalUnread();
    document.title = unread > 0 ? `(${unread}) ${appTitle}` : appTitle;
  }

  private openConversation(sipUri: string): void {
    this.conversations.markRead(sipUri);
    const conversation = this.conversations.with(sipUri);
    this.conversationView.open(this.peer(sipUri), conversation.messages);
    this.contactsView.select(sipUri);
    this.othersView.select(sipUri);
    this.refreshPerson(sipUri);
  }

  private sendMessage(to: string, text: string): void {
    const clientMessageId = newClientMessageId();
    const body = text.slice(0, limits.imTextCharacters);
    const message = this.conversations.addOutgoing(to, body, clientMessageId, new Date());
    this.conversationView.append(message);
    if (!this.connection.send({ action: 'im.send', to, text: body, clientMessageId })) {
      this.conversations.settle(clientMessageId, { state: 'failed', reason: 'not_connected' });
      this.conversationView.update(message);
    }
    this.refreshPerson(to);
  }

  private addContact(sipUri: string): void {
    if (sipUri === this.me.sipUri.toLowerCase()) {
      this.banner.showNotice('You cannot add yourself as a contact.');
      return;
    }
    if (!this.connection.send({ action: 'contacts.add', sipUri })) return this.notConnected();
    this.pendingAdd = sipUri;
  }

  private removeContact(sipUri: string): void {
    if (!this.connection.send({ action: 'contacts.remove', sipUri })) this.notConnected();
  }

  private notConnected(): void {
    this.banner.showNotice('Not connected right now. Try again in a moment.');
  }

  private connectionLost(): void {
    for (const { peer, message } of this.conversations.abandonPending()) {
      if (peer === this.conversationView.openPeer) this.conversationView.update(message);
    }
  }

  private showStatus(status: ConnectionStatus): void {
    document.body.dataset.connection = status;
    setText(this.connectionStatus, statusTexts[status]);
  }

  private sessionEnded(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.connectionLost();
    this.banner.showSessionEnded(reason);
    document.body.classList.add('ended');
    for (const control of document.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>(
      '#workspace input, #workspace select, #workspace button',
    )) {
      control.disabled = true;
    }
    this.conversationView.setEnabled(false);
  }

  private async signOut(): Promise<void> {
    this.signOutButton.disabled = true;
    try {
      const next = await signOut();
      this.connection.stop();
      location.assign(next);
    } catch {
      this.signOutButton.disabled = false;
      this.banner.showNotice('Could not sign out. Check your connection and try again.');
    }
  }
}
