/**
 * The main window: wires the views to the realtime connection (what each server frame changes, what
 * each user action sends) and is the hub of its pop-ups, which reach the server only through it.
 */
import { AddContactView } from './add-contact-view.ts';
import { AlertsView, notify } from './alerts-view.ts';
import type { Banner } from './banner.ts';
import { RealtimeConnection, webSocketUrl, type ConnectionStatus } from './connection.ts';
import { ContactsView, type PersonEntry } from './contacts-view.ts';
import { ConversationView, type Peer } from './conversation-view.ts';
import { Conversations, newClientMessageId, type ChatMessage } from './conversations.ts';
import { byId, setText } from './dom.ts';
import { IdleMonitor } from './idle.ts';
import { MeView } from './me-view.ts';
import { PopupWindows, type OpenResult } from './popup-windows.ts';
import { limits, type Availability, type Contact, type ServerFrame } from './protocol.ts';
import { fetchSession, leaveSession, signOut, type Session } from './session-api.ts';
import { SettingsView } from './settings-view.ts';
import { loadSettings, type Settings } from './settings.ts';
import type { MainToPopup, PopupRole, PopupToMain } from './window-messages.ts';

export { normaliseSipUri } from './add-contact-view.ts';

const statusTexts: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost. Reconnecting…',
  ended: 'Session ended',
};

const appTitle = 'Web Communicator';
/** A "… is typing" shown longer than this without news is stale (the sender repeats every 3 s). */
const typingShownMs = 6_000;

const popupsBlockedText =
  'Your browser blocked a pop-up window, so conversations and alerts now appear in this window. ' +
  'To get them in their own windows, allow pop-ups for this site: click the blocked pop-up icon at ' +
  'the end of the address bar and choose "Always allow pop-ups", or add this site under your ' +
  "browser's Settings › Privacy › Pop-ups.";

export class Controller {
  private readonly me: Session['user'];
  private readonly contacts = new Map<string, Contact>();
  /** Display names seen in this session, so people removed from contacts keep their name in conversations. */
  private readonly names = new Map<string, string>();
  private readonly conversations = new Conversations();
  private readonly typing = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly connection: RealtimeConnection;
  private readonly meView: MeView;
  private readonly contactsView: ContactsView;
  private readonly othersView: ContactsView;
  private readonly conversationView: ConversationView;
  private readonly addContactView: AddContactView;
  private readonly alertsView: AlertsView;
  private readonly popups: PopupWindows;
  private readonly idle: IdleMonitor;
  private readonly connectionStatus = byId('connection-status', HTMLSpanElement);
  private readonly signOutButton = byId('sign-out', HTMLButtonElement);
  private readonly popupNote = byId('popup-note', HTMLSpanElement);
  private settings: Settings = loadSettings();
  /** The SIP URI just asked for with contacts.add; the input is cleared once it shows up. */
  private pendingAdd: string | undefined;
  private popupBannerShown = false;
  private limitNoticeShown = false;
  private ended: string | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    session: Session,
    private readonly banner: Banner,
  ) {
    this.me = session.user;
    this.conversations.restore(this.historyStorage()?.getItem(this.historyKey) ?? null);
    this.meView = new MeView(this.me, (choice) => {
      this.idle.chosen();
      const sent = this.connection.send({ action: 'presence.set', ...choice });
      if (!sent) this.notConnected();
      return sent;
    });
    this.contactsView = new ContactsView(byId('contacts', HTMLDivElement), {
      kind: 'contacts',
      open: (sipUri) => this.openConversation(sipUri),
      remove: (sipUri) => this.removeContact(sipUri),
      move: (sipUri, group) => this.addContact(sipUri, group),
      renameGroup: (from, to) => this.renameGroup(from, to),
      empty: byId('contacts-empty', HTMLParagraphElement),
    });
    this.othersView = new ContactsView(byId('others', HTMLDivElement), {
      kind: 'others',
      open: (sipUri) => this.openConversation(sipUri),
      add: (sipUri) => this.addContact(sipUri),
      heading: byId('others-heading', HTMLHeadingElement),
    });
    this.conversationView = new ConversationView(
      (to, text) => this.sendMessage(to, text),
      (to, typing) => this.connection.send({ action: 'im.typing', to, typing }),
    );
    this.addContactView = new AddContactView({
      add: (sipUri) => this.addContact(sipUri),
      isContact: (sipUri) => this.contacts.has(sipUri),
      problem: (text) => this.banner.showNotice(text),
    });
    this.alertsView = new AlertsView((sipUri) => this.openConversation(sipUri));
    this.popups = new PopupWindows({
      maxWindows: () => this.settings.maxWindows,
      onHello: (role, peer, reply) => this.popupHello(role, peer, reply),
      onMessage: (message) => this.popupMessage(message),
      onBlockedLate: (role, peer) => this.popupBlocked(role, peer),
    });
    this.idle = new IdleMonitor({
      inactiveMs: () => this.settings.inactiveMinutes * 60_000,
      awayMs: () => this.settings.awayMinutes * 60_000,
      current: () => this.meView.presence.availability,
      set: (availability, automatic) => this.setAutomatic(availability, automatic),
    });
    new SettingsView((settings) => {
      this.settings = settings;
      this.showPopupNote();
    });
    this.connection = new RealtimeConnection({
      url: webSocketUrl(location),
      onOpen: () => this.connection.send({ action: 'contacts.list' }),
      onFrame: (frame) => this.handle(frame),
      onLost: () => this.connectionLost(),
      onStatus: (status) => this.showStatus(status),
      onEnded: (reason) => this.sessionEnded(reason),
      stillSignedIn: async () => (await fetchSession()).kind === 'signed-in',
    });
    this.signOutButton.addEventListener('click', () => void this.signOut());
    // Pop-ups wait a moment for a reloaded main window; anything else ends the session with it. The
    // server ends the ticket within seconds of the beacon unless this page comes back at once (a
    // reload); closing the connection here also keeps it from outliving the page in the back/forward
    // cache.
    window.addEventListener('pagehide', () => {
      this.saveHistory();
      this.popups.broadcast({ kind: 'main-leaving' });
      if (!this.ended) leaveSession();
      this.connection.stop();
    });
    // Shown again from the back/forward cache: the session may be over, so load afresh and ask.
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) location.reload();
    });
    this.showPopupNote();
  }

  start(): void {
    this.renderPeople();
    this.connection.start();
    this.idle.start();
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
          this.addContactView.added();
          this.pendingAdd = undefined;
        }
        this.renderPeople();
        for (const sipUri of this.contacts.keys())
          this.toConversation(sipUri, { kind: 'peer', peer: this.peer(sipUri) });
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
        this.renderPeople();
        this.toConversation(frame.sipUri, { kind: 'peer', peer: this.peer(frame.sipUri) });
        return;
      }
      case 'im.message':
        return this.incoming(frame);
      case 'im.delivered':
      case 'im.failed': {
        const settled =
          frame.type === 'im.delivered'
            ? this.conversations.settle(frame.clientMessageId, { state: 'delivered' }, frame.id)
            : this.conversations.settle(frame.clientMessageId, { state: 'failed', reason: frame.reason });
        if (settled) this.toConversation(settled.peer, { kind: 'update', message: settled.message });
        return;
      }
      case 'im.typing':
        return this.peerTyping(frame.from.toLowerCase(), frame.typing);
      case 'error':
        this.banner.showNotice(frame.message || `The server refused that (${frame.error}).`);
        return;
      case 'session.ended':
      case 'pong':
        return;
    }
  }

  private incoming(frame: Extract<ServerFrame, { type: 'im.message' }>): void {
    const added = this.conversations.addIncoming(this.me.sipUri, frame, false);
    if (!added) return;
    const { peer, message } = added;
    this.peerTyping(peer, false);
    const inPopup = this.popups.isShowing('conversation', peer);
    const inPage = this.conversationView.openPeer === peer;
    this.toConversation(peer, { kind: 'append', message });
    const seen = inPopup || (inPage && document.visibilityState === 'visible');
    if (seen || message.direction === 'out') this.conversations.markRead(peer);
    else this.alert(peer, message);
    this.refreshPerson(peer);
  }

  /** Someone wrote and no open window shows it: an alert window, the in-page alert, a notification. */
  private alert(peer: string, message: ChatMessage): void {
    const name = this.entry(peer).displayName;
    if (this.settings.notifications && !document.hasFocus()) {
      notify(name, message.text, () => this.openConversation(peer));
    }
    if (this.settings.alertWindows && this.popups.has('conversation', peer)) return;
    if (this.settings.alertWindows) {
      const result = this.popups.open('alert', peer);
      if (result === 'opened' || result === 'reused') {
        this.popups.send('alert', peer, this.alertState(peer));
        return;
      }
      this.fellBack(result);
    }
    this.alertsView.show(peer, name, message.text, this.conversations.unread(peer));
  }

  private alertState(peer: string): MainToPopup {
    const messages = this.conversations.with(peer).messages.filter((m) => m.direction === 'in');
    return {
      kind: 'alert',
      peer: this.peer(peer),
      text: messages[messages.length - 1]?.text ?? '',
      count: Math.max(1, this.conversations.unread(peer)),
    };
  }

  private peerTyping(peer: string, typing: boolean): void {
    clearTimeout(this.typing.get(peer));
    this.typing.delete(peer);
    if (typing)
      this.typing.set(
        peer,
        setTimeout(() => this.peerTyping(peer, false), typingShownMs),
      );
    this.toConversation(peer, { kind: 'typing', typing });
  }

  /** Sends a conversation change to wherever the conversation is shown: its window, or this page. */
  private toConversation(peer: string, message: MainToPopup): void {
    this.popups.send('conversation', peer, message);
    if (this.conversationView.openPeer !== peer) return;
    switch (message.kind) {
      case 'append':
        return this.conversationView.append(message.message);
      case 'update':
        return this.conversationView.update(message.message);
      case 'peer':
        return this.conversationView.setPeer(message.peer);
      case 'typing':
        return this.conversationView.setTyping(message.typing);
      default:
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
      group: contact?.group ?? '',
    };
  }

  private peer(sipUri: string): Peer {
    const { displayName, availability, note } = this.entry(sipUri);
    return { sipUri, displayName, availability, note };
  }

  private get historyKey(): string {
    return `cwa.history.${this.me.sipUri}`;
  }

  private historyStorage(): Storage | undefined {
    try {
      return sessionStorage;
    } catch {
      return undefined;
    }
  }

  /** Keeps this tab's conversations for a reload; they go with the tab (sessionStorage). */
  private saveHistory(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.ended) return;
    try {
      this.historyStorage()?.setItem(this.historyKey, this.conversations.save());
    } catch {
      // Full or unavailable storage: the history then lasts as long as the page.
    }
  }

  /** A session that ended takes its conversations with it. */
  private forgetHistory(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.historyStorage()?.removeItem(this.historyKey);
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
    this.saveTimer ??= setTimeout(() => this.saveHistory(), 500);
    const unread = this.conversations.totalUnread();
    document.title = unread > 0 ? `(${unread}) ${appTitle}` : appTitle;
  }

  /** Opens a conversation in its own window when allowed and possible, else in this page. */
  private openConversation(sipUri: string): void {
    if (this.settings.conversationWindows && !this.ended) {
      const result = this.popups.open('conversation', sipUri);
      if (result === 'opened' || result === 'reused') {
        this.conversations.markRead(sipUri);
        this.clearAlert(sipUri);
        this.refreshPerson(sipUri);
        return;
      }
      this.fellBack(result);
    }
    this.openInPage(sipUri);
  }

  private openInPage(sipUri: string): void {
    this.conversations.markRead(sipUri);
    this.clearAlert(sipUri);
    const conversation = this.conversations.with(sipUri);
    this.conversationView.open(this.peer(sipUri), conversation.messages);
    this.conversationView.setTyping(this.typing.has(sipUri));
    this.contactsView.select(sipUri);
    this.othersView.select(sipUri);
    this.renderPeople();
  }

  private clearAlert(sipUri: string): void {
    this.alertsView.remove(sipUri);
    this.popups.close('alert', sipUri);
  }

  /** Says once why windows stay in this page: blocked pop-ups, or the window limit. */
  private fellBack(result: OpenResult): void {
    if (result === 'blocked' && !this.popupBannerShown) {
      this.popupBannerShown = true;
      this.banner.showNotice(popupsBlockedText, 'popup-blocked');
    }
    if (result === 'limit' && !this.limitNoticeShown) {
      this.limitNoticeShown = true;
      this.banner.showNotice(
        `${this.settings.maxWindows} windows are open, the most allowed in Settings: new alerts and conversations appear in this window.`,
        'window-limit',
      );
    }
  }

  /** A window that looked opened was blocked after all: show what it was for here. */
  private popupBlocked(role: PopupRole, peer: string): void {
    this.fellBack('blocked');
    if (role === 'conversation') this.openInPage(peer);
    else {
      const last = this.alertState(peer);
      if (last.kind === 'alert') this.alertsView.show(peer, last.peer.displayName, last.text, last.count);
    }
  }

  private popupHello(role: PopupRole, peer: string, reply: (message: MainToPopup) => void): void {
    if (this.ended) {
      reply({ kind: 'ended', reason: this.ended });
      return;
    }
    if (role === 'alert') {
      reply(this.alertState(peer));
      return;
    }
    this.conversations.markRead(peer);
    this.clearAlert(peer);
    reply({
      kind: 'conversation',
      peer: this.peer(peer),
      messages: this.conversations.with(peer).messages,
      typing: this.typing.has(peer),
      connected: this.connection.isOpen,
    });
    this.refreshPerson(peer);
  }

  private popupMessage(message: PopupToMain): void {
    switch (message.kind) {
      case 'send':
        return this.sendMessage(message.peer, message.text);
      case 'typing':
        this.connection.send({ action: 'im.typing', to: message.peer, typing: message.typing });
        return this.idle.activity();
      case 'activity':
        return this.idle.activity();
      case 'opening':
        this.alertsView.remove(message.peer);
        return;
      case 'dismiss':
        this.popups.close('alert', message.peer);
        return;
      case 'hello':
      case 'bye':
        return;
    }
  }

  private sendMessage(to: string, text: string): void {
    if (this.ended) return;
    const clientMessageId = newClientMessageId();
    const body = text.slice(0, limits.imTextCharacters);
    const message = this.conversations.addOutgoing(to, body, clientMessageId, new Date());
    this.toConversation(to, { kind: 'append', message });
    if (!this.connection.send({ action: 'im.send', to, text: body, clientMessageId })) {
      this.conversations.settle(clientMessageId, { state: 'failed', reason: 'not_connected' });
      this.toConversation(to, { kind: 'update', message });
    }
    this.refreshPerson(to);
  }

  private addContact(sipUri: string, group?: string): void {
    if (sipUri === this.me.sipUri.toLowerCase()) {
      this.banner.showNotice('You cannot add yourself as a contact.');
      return;
    }
    const keepGroup = group ?? this.contacts.get(sipUri)?.group ?? '';
    if (!this.connection.send({ action: 'contacts.add', sipUri, group: keepGroup }))
      return this.notConnected();
    if (group === undefined) this.pendingAdd = sipUri;
  }

  /** Renames a group by moving each of its contacts (an empty name ungroups them). */
  private renameGroup(from: string, to: string): void {
    for (const contact of this.contacts.values()) {
      if (contact.group !== from) continue;
      if (!this.connection.send({ action: 'contacts.add', sipUri: contact.sipUri, group: to }))
        return this.notConnected();
    }
  }

  private removeContact(sipUri: string): void {
    if (!this.connection.send({ action: 'contacts.remove', sipUri })) this.notConnected();
  }

  /** The idle monitor's automatic Inactive / Away, and the way back. */
  private setAutomatic(availability: Availability, automatic: boolean): boolean {
    const { note } = this.meView.presence;
    if (!this.connection.send({ action: 'presence.set', availability, note, automatic })) return false;
    this.meView.setPresence({ availability, note });
    return true;
  }

  private notConnected(): void {
    this.banner.showNotice('Not connected right now. Try again in a moment.');
  }

  private connectionLost(): void {
    for (const { peer, message } of this.conversations.abandonPending()) {
      this.toConversation(peer, { kind: 'update', message });
    }
  }

  private showStatus(status: ConnectionStatus): void {
    document.body.dataset.connection = status;
    setText(this.connectionStatus, statusTexts[status]);
    this.popups.broadcast({ kind: 'connected', connected: status === 'open' });
  }

  private showPopupNote(): void {
    setText(
      this.popupNote,
      this.settings.conversationWindows
        ? 'Conversations open in their own windows. Choose a contact to start one.'
        : 'Choose a contact to start a conversation.',
    );
  }

  private sessionEnded(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    this.forgetHistory();
    this.connectionLost();
    this.popups.broadcast({ kind: 'ended', reason });
    this.popups.closeAll('alert');
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
      this.forgetHistory();
      this.popups.broadcast({ kind: 'ended', reason: 'signed_out' });
      this.popups.closeAll('alert');
      location.assign(next);
    } catch {
      this.signOutButton.disabled = false;
      this.banner.showNotice('Could not sign out. Check your connection and try again.');
    }
  }
}
